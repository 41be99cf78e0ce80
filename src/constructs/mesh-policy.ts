import { Construct } from 'constructs';
import { PeerAuthentication, PeerAuthenticationSpecMtlsMode } from '../../imports/istio-security.istio.io';
import { MtlsMode } from '../config/environment-config';
import { isDnsLabel } from '../core/names';
import { addCheck } from './checks';

/** Properties of a {@link MeshPolicy}. */
export interface MeshPolicyProps {
  /** The Istio root namespace: a selector-less PeerAuthentication there applies mesh-wide. */
  readonly rootNamespace: string;
  /** Mesh-wide mTLS mode. */
  readonly mtlsMode: MtlsMode;
}

/**
 * The mesh-wide mTLS baseline: one PeerAuthentication named `default` in the root namespace.
 *
 * Namespaces may override it with their own PeerAuthentication. There is deliberately no mesh-wide
 * `*.local` DestinationRule: auto-mTLS already uses Istio mTLS towards in-mesh endpoints, and such a
 * rule would break calls to out-of-mesh Services.
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export class MeshPolicy extends Construct {
  /** The raw PeerAuthentication (the default child). */
  public readonly resource: PeerAuthentication;

  constructor(scope: Construct, id: string, props: MeshPolicyProps) {
    super(scope, id);
    addCheck(this, () => [
      ...(Object.values(MtlsMode).includes(props.mtlsMode) ? [] : [{ field: 'mtlsMode', value: props.mtlsMode, message: `must be one of ${Object.values(MtlsMode).join(', ')}`, fix: 'use MtlsMode.STRICT, or MtlsMode.PERMISSIVE while namespaces migrate' }]),
      ...(isDnsLabel(props.rootNamespace) ? [] : [{ field: 'rootNamespace', value: props.rootNamespace, message: 'is not a valid namespace name', fix: 'use the namespace istiod runs in' }]),
    ]);
    this.resource = new PeerAuthentication(this, 'Resource', {
      metadata: { name: 'default', namespace: props.rootNamespace },
      spec: { mtls: { mode: props.mtlsMode as unknown as PeerAuthenticationSpecMtlsMode } },
    });
    this.node.defaultChild = this.resource;
  }
}
