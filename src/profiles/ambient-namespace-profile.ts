/** `AmbientNamespaceProfile`: the ambient profile, its waypoint hook and the waypoint's identity. */
import { DataplaneMode, WaypointOptions } from './types';
import { LIBRARY_PROFILE } from './hook-calls';
import { NamespaceProfile } from './namespace-profile';

/**
 * A namespace in ambient mode: `istio.io/dataplane-mode: ambient`, no injection label, no
 * Sidecar. ztunnel enforces L4 authorization; L7 policies and JWTs need a waypoint, which
 * {@link AmbientNamespaceProfile.waypoint} adds.
 *
 * @example
 * class Payments extends AmbientNamespaceProfile {
 *   protected services() { return [{ name: 'api', selector: { app: 'api' }, ports: [{ port: 8080 }] }]; }
 *   protected waypoint() { return {}; }
 * }
 * // or, the same namespace from data:
 * new AmbientNamespaceProfile(app, 'payments', {
 *   env,
 *   declarations: { services: [{ name: 'api', selector: { app: 'api' }, ports: [{ port: 8080 }] }], waypoint: {} },
 * });
 */
export class AmbientNamespaceProfile extends NamespaceProfile {
  public readonly targetDataplaneMode = DataplaneMode.AMBIENT;

  /**
   * Override to give the namespace a waypoint (return `{}` for the defaults). With a waypoint,
   * ztunnel admits only the waypoint's identity, and every other allow is enforced by the waypoint.
   *
   * @returns the waypoint options; the base returns `declarations.waypoint` (no waypoint by default)
   */
  protected waypoint(): WaypointOptions | undefined {
    return this.declarations.waypoint;
  }

  /**
   * The ServiceAccount the namespace's waypoint runs as (the waypoint's name), or undefined without
   * a waypoint. Its identity passes ztunnel to every pod of the namespace, so only istiod may create
   * workloads that run as it.
   */
  public get waypointServiceAccount(): string | undefined {
    let options: WaypointOptions | undefined;
    try {
      options = this.waypoint();
    } catch {
      // The profile's own validation reports the throwing hook (class and hook named) and fails the synth.
      return undefined;
    }
    const name = options?.name ?? 'waypoint';
    return options && typeof name === 'string' ? name : undefined;
  }

  /** @internal */
  protected override _waypointOptions(): WaypointOptions | undefined {
    return this.waypoint();
  }
}

Object.defineProperty(AmbientNamespaceProfile, LIBRARY_PROFILE, { value: true });
