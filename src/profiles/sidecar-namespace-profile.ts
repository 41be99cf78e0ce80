/** `SidecarNamespaceProfile`: the sidecar profile. */
import { DataplaneMode } from './types';
import { LIBRARY_PROFILE } from './hook-calls';
import { NamespaceProfile } from './namespace-profile';

/**
 * A namespace in sidecar mode: exactly one injection label (`istio.io/rev: <revision>`, or
 * `istio-injection: enabled` when the environment uses the legacy style), a `Sidecar` that limits
 * egress to the registry (REGISTRY_ONLY) and the declared namespaces, and L7 policies enforced by
 * each pod's proxy.
 *
 * Restricted Pod Security needs Istio CNI (no privileged init container). Extend it and override
 * the hooks, or construct it with `declarations` (see {@link NamespaceProfile}).
 */
export class SidecarNamespaceProfile extends NamespaceProfile {
  public readonly targetDataplaneMode = DataplaneMode.SIDECAR;
}

Object.defineProperty(SidecarNamespaceProfile, LIBRARY_PROFILE, { value: true });
