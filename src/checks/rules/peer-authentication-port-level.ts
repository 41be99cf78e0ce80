import { MeshRule, Severity } from './types';
import { describe, spec } from './util';

export const peerAuthenticationPortLevel: MeshRule = {
  id: 'peer-authentication-port-level',
  severity: Severity.ERROR,
  title: 'portLevelMtls is set on a workload selector and keyed by container ports',
  why: 'Istio applies portLevelMtls only with a selector and matches container ports: Service-port keys and selector-less port settings are silently ignored (istio#49098, FACTS §1.6)',
  fix: 'add a selector and key portLevelMtls by the container (target) port',
  check(ctx) {
    const services = ctx.byKind('Service', '');
    return ctx.byKind('PeerAuthentication', 'security.istio.io').flatMap(pa => {
      const ports = Object.keys(spec(pa).portLevelMtls ?? {});
      if (ports.length === 0) return [];
      if (!spec(pa).selector?.matchLabels) return [{ object: pa, message: `${describe(pa)} sets portLevelMtls without a selector` }];
      const selector: Record<string, string> = spec(pa).selector.matchLabels;
      const selected = services.filter(
        s =>
          s.manifest.metadata.namespace === pa.manifest.metadata.namespace &&
          Object.entries(spec(s).selector ?? {}).every(([k, v]) => selector[k] === v) &&
          Object.keys(spec(s).selector ?? {}).length > 0,
      );
      return ports.flatMap(key =>
        selected.flatMap(s =>
          (spec(s).ports ?? [])
            .filter((p: any) => String(p.port) === key && p.targetPort !== undefined && String(p.targetPort) !== key)
            .map((p: any) => ({
              object: pa,
              message: `${describe(pa)} keys portLevelMtls by ${key}, the port of Service ${s.manifest.metadata.name}; its container port is ${p.targetPort}`,
              fix: `key it by ${p.targetPort}`,
            })),
        ),
      );
    });
  },
};
