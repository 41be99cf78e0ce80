import { MeshRule, Severity } from './types';
import { describe, spec, tlsModes } from './util';

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
