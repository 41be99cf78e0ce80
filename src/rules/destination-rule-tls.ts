import { MeshRule, Severity } from './types';
import { describe, spec } from './util';

/** TLS modes a DestinationRule sets at the top and per port. */
function tlsModes(dr: any): Array<{ where: string; mode: string }> {
  const tp = dr.trafficPolicy ?? {};
  const found = tp.tls?.mode ? [{ where: 'trafficPolicy.tls', mode: tp.tls.mode }] : [];
  (tp.portLevelSettings ?? []).forEach((p: any, i: number) => { if (p.tls?.mode) found.push({ where: `portLevelSettings[${i}].tls`, mode: p.tls.mode }); });
  return found;
}

export const destinationRuleTls: MeshRule = {
  id: 'destination-rule-tls',
  severity: Severity.ERROR,
  title: 'a DestinationRule to an in-mesh host sets no TLS mode but ISTIO_MUTUAL',
  why: 'any other mode replaces Istio mTLS (auto-mTLS) towards that host: DISABLE sends plaintext that STRICT peers refuse, SIMPLE/MUTUAL skip the mesh identity (istio#7590, istio#36672)',
  fix: 'remove trafficPolicy.tls (auto-mTLS applies) or set mode ISTIO_MUTUAL; declare out-of-mesh hosts with a MESH_EXTERNAL ServiceEntry',
  check(ctx) {
    const external = new Set(ctx.byKind('ServiceEntry', 'networking.istio.io').filter(se => spec(se).location !== 'MESH_INTERNAL').flatMap(se => spec(se).hosts ?? []));
    return ctx.byKind('DestinationRule', 'networking.istio.io').flatMap(dr => {
      const host: string = spec(dr).host ?? '';
      if (external.has(host)) return [];
      return tlsModes(spec(dr)).filter(t => t.mode !== 'ISTIO_MUTUAL').map(t => ({ object: dr, message: `${describe(dr)} sets ${t.where} mode ${t.mode} for in-mesh host ${host}` }));
    });
  },
};

export const destinationRuleWildcardTls: MeshRule = {
  id: 'destination-rule-wildcard-tls',
  severity: Severity.ERROR,
  title: 'no DestinationRule sets TLS for a wildcard host such as *.local',
  why: 'a mesh-wide TLS DestinationRule turns off auto-mTLS detection, so calls to out-of-mesh Services break (FACTS §1.6, istio.io PR#2131)',
  fix: 'delete the wildcard DestinationRule: auto-mTLS already uses Istio mTLS towards in-mesh endpoints',
  check(ctx) {
    return ctx.byKind('DestinationRule', 'networking.istio.io')
      .filter(dr => String(spec(dr).host ?? '').startsWith('*') && tlsModes(spec(dr)).length > 0)
      .map(dr => ({ object: dr, message: `${describe(dr)} sets TLS for host ${spec(dr).host}` }));
  },
};
