import { MeshRule, Severity } from './types';
import { describe, spec } from './util';

export const peerAuthenticationDisableInAmbient: MeshRule = {
  id: 'peer-authentication-disable-ambient',
  severity: Severity.ERROR,
  title: 'no PeerAuthentication DISABLE in ambient namespaces',
  why: 'ztunnel ignores DISABLE (HBONE is always mTLS), so the policy only misleads readers (istio/api PR#3184, FACTS §1.6)',
  fix: 'use PERMISSIVE to accept plaintext from out-of-mesh clients, or STRICT',
  check(ctx) {
    return ctx.byKind('PeerAuthentication', 'security.istio.io')
      .filter(pa => ctx.isAmbient(pa.manifest.metadata.namespace))
      .flatMap(pa => {
        const modes = [spec(pa).mtls?.mode, ...Object.values(spec(pa).portLevelMtls ?? {}).map((p: any) => p.mode)];
        return modes.includes('DISABLE') ? [{ object: pa, message: `${describe(pa)} sets DISABLE in ambient namespace ${pa.manifest.metadata.namespace}` }] : [];
      });
  },
};

export const peerAuthenticationPortLevel: MeshRule = {
  id: 'peer-authentication-port-level',
  severity: Severity.ERROR,
  title: 'portLevelMtls is set on a workload selector and keyed by container ports',
  why: 'Istio applies portLevelMtls only with a selector and matches container ports: Service-port keys and selector-less port settings are silently ignored (istio#49098, FACTS §1.6)',
  fix: "add a selector and key portLevelMtls by the container (target) port",
  check(ctx) {
    const services = ctx.byKind('Service', '');
    return ctx.byKind('PeerAuthentication', 'security.istio.io').flatMap(pa => {
      const ports = Object.keys(spec(pa).portLevelMtls ?? {});
      if (ports.length === 0) return [];
      if (!spec(pa).selector?.matchLabels) return [{ object: pa, message: `${describe(pa)} sets portLevelMtls without a selector` }];
      const selector: Record<string, string> = spec(pa).selector.matchLabels;
      const selected = services.filter(s => s.manifest.metadata.namespace === pa.manifest.metadata.namespace
        && Object.entries(spec(s).selector ?? {}).every(([k, v]) => selector[k] === v) && Object.keys(spec(s).selector ?? {}).length > 0);
      return ports.flatMap(key => selected.flatMap(s => (spec(s).ports ?? [])
        .filter((p: any) => String(p.port) === key && p.targetPort !== undefined && String(p.targetPort) !== key)
        .map((p: any) => ({ object: pa, message: `${describe(pa)} keys portLevelMtls by ${key}, the port of Service ${s.manifest.metadata.name}; its container port is ${p.targetPort}`, fix: `key it by ${p.targetPort}` }))));
    });
  },
};
