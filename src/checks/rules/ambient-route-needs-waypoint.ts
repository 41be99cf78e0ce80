import { Labels } from '../../core/labels';
import { MeshRule, Severity } from './types';
import { asList, describe, labelsOf, namespaceOf, spec, waypointOf } from './util';

export const ambientRouteNeedsWaypoint: MeshRule = {
  id: 'ambient-route-needs-waypoint',
  severity: Severity.ERROR,
  title: 'waypoints serve ambient namespaces, and Service-parented HTTPRoutes in ambient have a waypoint',
  why: 'in ambient mode only a waypoint applies L7 routes: ztunnel ignores an HTTPRoute whose parent is a Service without a waypoint; and a waypoint in a namespace not in ambient mode that nothing points to with istio.io/use-waypoint carries no traffic (istio/istio manifests/charts/istio-control/istio-discovery/files/waypoint.yaml; istio.io ambient/usage/waypoint)',
  fix: 'label the namespace istio.io/dataplane-mode: ambient and point it (or the Service) at the waypoint with istio.io/use-waypoint',
  check(ctx) {
    const findings = [];
    const referenced = new Set(
      ctx.objects.flatMap(o => {
        const value = labelsOf(o)[Labels.USE_WAYPOINT];
        if (!value) return [];
        const ns = labelsOf(o)['istio.io/use-waypoint-namespace'] ?? (o.manifest.kind === 'Namespace' ? o.manifest.metadata.name : namespaceOf(o));
        return [`${ns}/${value}`];
      }),
    );
    for (const g of ctx.byKind('Gateway', 'gateway.networking.k8s.io').filter(x => spec(x).gatewayClassName === 'istio-waypoint')) {
      const ns = namespaceOf(g);
      if (ctx.namespaceObject(ns) && !ctx.isAmbient(ns) && !referenced.has(`${ns}/${g.manifest.metadata.name}`)) {
        findings.push({ object: g, message: `${describe(g)} is a waypoint in ${ns}, which is not in ambient mode, and nothing uses it` });
      }
    }
    for (const route of ctx.byKind('HTTPRoute', 'gateway.networking.k8s.io')) {
      for (const ref of asList(spec(route).parentRefs)) {
        if (ref?.kind !== 'Service' || (ref.group ?? '') !== '') continue;
        const ns = typeof ref.namespace === 'string' ? ref.namespace : namespaceOf(route);
        if (!ctx.namespaceObject(ns) || !ctx.isAmbient(ns) || waypointOf(ctx, ns, ref.name)) continue;
        findings.push({
          object: route,
          message: `${describe(route)} has parent Service ${ns}/${ref.name} in ambient namespace ${ns}, which has no waypoint: ztunnel ignores the route`,
        });
      }
    }
    return findings;
  },
};
