import { MeshRule, Severity } from './types';
import { Labels } from '../../core/labels';
import { admitsTcpPort, asList, describe, GATEWAY_NAME_LABEL, labelsOf, namespaceOf, restrictingPolicies, spec } from './util';

const ISTIOD_XDS = 15012;
const HBONE = 15008;

export const networkPolicyWaypointEgress: MeshRule = {
  id: 'network-policy-waypoint-egress',
  severity: Severity.ERROR,
  title: 'NetworkPolicies around a waypoint admit its egress to istiod (15012) and to peers (15008)',
  why: "a waypoint's pods (label gateway.networking.k8s.io/gateway-name) fetch certificates and config from istiod on TCP 15012 and forward to ambient peers over HBONE on 15008; an egress policy without them leaves the waypoint unready or cuts the traffic it carries (istio/istio manifests/charts/istio-control/istio-discovery/files/waypoint.yaml, CA_ADDR istiod:15012)",
  fix: 'allow egress on TCP 15012 to istiod and on TCP 15008 to the mesh peers (and DNS) for the waypoint pods',
  check(ctx) {
    // Waypoints in the files, and those that labels use (made by istioctl waypoint apply, say).
    const waypoints = new Map<string, { ns: string; name: string }>();
    for (const g of ctx.byKind('Gateway', 'gateway.networking.k8s.io').filter(x => spec(x).gatewayClassName === 'istio-waypoint')) {
      waypoints.set(`${namespaceOf(g)}/${g.manifest.metadata.name}`, { ns: namespaceOf(g), name: String(g.manifest.metadata.name) });
    }
    for (const o of ctx.objects) {
      const name = labelsOf(o)[Labels.USE_WAYPOINT];
      if (typeof name !== 'string' || !name || name === 'none' || name === '#none') continue;
      const ns =
        labelsOf(o)['istio.io/use-waypoint-namespace'] ?? (o.manifest.kind === 'Namespace' ? String(o.manifest.metadata.name) : namespaceOf(o));
      waypoints.set(`${ns}/${name}`, { ns, name });
    }
    return [...waypoints.values()]
      .sort((a, b) => (`${a.ns}/${a.name}` < `${b.ns}/${b.name}` ? -1 : 1))
      .flatMap(({ ns, name }) => {
        const policies = restrictingPolicies(ctx, ns, { [GATEWAY_NAME_LABEL]: name }, 'Egress');
        if (!policies || policies.length === 0) return [];
        const rules = policies.flatMap(np => asList(spec(np).egress));
        const admits = (port: number) =>
          rules.some((r: any) => asList(r?.ports).length === 0 || asList(r?.ports).some((p: any) => admitsTcpPort(p, port)));
        const missing = [ISTIOD_XDS, HBONE].filter(p => !admits(p));
        return missing.length === 0
          ? []
          : [
              {
                object: policies[0],
                message: `${describe(policies[0])} restricts egress of waypoint ${ns}/${name}, and no policy for it allows TCP ${missing.join(' or ')}`,
              },
            ];
      });
  },
};
