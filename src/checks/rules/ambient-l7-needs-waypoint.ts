import { MeshRule, Severity } from './types';
import { describe, l7FieldsOf, spec, waypointExists, waypointOf } from './util';

export const ambientL7NeedsWaypoint: MeshRule = {
  id: 'ambient-l7-needs-waypoint',
  severity: Severity.ERROR,
  title: 'in ambient namespaces, an AuthorizationPolicy with L7 fields targets a waypoint with targetRefs',
  why: 'ztunnel enforces L4 only: it drops ALLOW rules with HTTP fields (turning the policy into deny-all) and enforces DENY without them (a wider deny); waypoints ignore selector policies (FACTS §1.4-1.5, istio#54275)',
  fix: 'give the namespace a waypoint and attach the policy with targetRefs to the Service or the waypoint Gateway',
  check(ctx) {
    return ctx
      .byKind('AuthorizationPolicy', 'security.istio.io')
      .filter(p => ctx.isAmbient(p.manifest.metadata.namespace))
      .flatMap(p => {
        const l7 = l7FieldsOf(p);
        if (l7.length === 0) return [];
        const ns = p.manifest.metadata.namespace;
        const refs: any[] = spec(p).targetRefs ?? (spec(p).targetRef ? [spec(p).targetRef] : []);
        if (refs.length === 0)
          return [{ object: p, message: `${describe(p)} uses ${l7.join(', ')} but has no targetRefs, so ztunnel enforces it without them` }];
        return refs.flatMap(ref => {
          if (ref.kind === 'Gateway')
            return waypointExists(ctx, ns, ref.name)
              ? []
              : [{ object: p, message: `${describe(p)} targets Gateway ${ref.name}, which is not a waypoint in ${ns}` }];
          if (ref.kind === 'Service') {
            const waypoint = waypointOf(ctx, ns, ref.name);
            return waypoint ? [] : [{ object: p, message: `${describe(p)} targets Service ${ref.name}, whose traffic goes through no waypoint` }];
          }
          return [];
        });
      });
  },
};
