import { Construct } from 'constructs';
import { PeerAuthentication, PeerAuthenticationSpecMtlsMode } from '../../imports/istio-security.istio.io';
import { MtlsMode } from '../config/environment-config';
import { checkNamespaceName, collector, isEnumValue } from '../config/resolve/validators';
import { addCheck } from './checks';

/** Properties of a {@link MeshPeerAuthentication}. */
export interface MeshPeerAuthenticationProps {
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
export class MeshPeerAuthentication extends Construct {
  /** The raw PeerAuthentication (the default child). */
  public readonly resource: PeerAuthentication;

  constructor(scope: Construct, id: string, props: MeshPeerAuthenticationProps) {
    super(scope, id);
    addCheck(this, () => {
      const { problems, bad } = collector();
      if (!isEnumValue(MtlsMode, props.mtlsMode)) {
        bad(
          'mtlsMode',
          props.mtlsMode,
          `must be one of ${Object.values(MtlsMode).join(', ')}`,
          'use MtlsMode.STRICT, or MtlsMode.PERMISSIVE while namespaces migrate',
        );
      }
      checkNamespaceName(bad, 'rootNamespace', props.rootNamespace, 'use the namespace istiod runs in');
      return problems;
    });
    this.resource = new PeerAuthentication(this, 'Resource', {
      metadata: { name: 'default', namespace: props.rootNamespace },
      spec: { mtls: { mode: props.mtlsMode as unknown as PeerAuthenticationSpecMtlsMode } },
    });
    this.node.defaultChild = this.resource;
  }
}
