import { MeshRule, Severity } from './types';
import { describe, spec } from './util';

export const peerAuthenticationDisableInAmbient: MeshRule = {
  id: 'peer-authentication-disable-ambient',
  severity: Severity.ERROR,
  title: 'no PeerAuthentication DISABLE in ambient namespaces',
  why: 'ztunnel ignores DISABLE (HBONE is always mTLS), so the policy only misleads readers (istio/api PR#3184, FACTS §1.6)',
  fix: 'use PERMISSIVE to accept plaintext from out-of-mesh clients, or STRICT',
  check(ctx) {
    return ctx
      .byKind('PeerAuthentication', 'security.istio.io')
      .filter(pa => ctx.isAmbient(pa.manifest.metadata.namespace))
      .flatMap(pa => {
        const modes = [spec(pa).mtls?.mode, ...Object.values(spec(pa).portLevelMtls ?? {}).map((p: any) => p.mode)];
        return modes.includes('DISABLE')
          ? [{ object: pa, message: `${describe(pa)} sets DISABLE in ambient namespace ${pa.manifest.metadata.namespace}` }]
          : [];
      });
  },
};
