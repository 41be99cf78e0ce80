import { Labels } from '../lib/labels';
import { LocatedManifest, MeshRule, RuleContext, Severity } from './types';
import { describe, labelsOf, l7FieldsOf, spec } from './util';

function waypointExists(ctx: RuleContext, namespace: string | undefined, name: string): boolean {
  return ctx.byKind('Gateway', 'gateway.networking.k8s.io').some(g =>
    g.manifest.metadata.namespace === namespace && g.manifest.metadata.name === name && spec(g).gatewayClassName === 'istio-waypoint');
}

/** The waypoint a Service (or its namespace) sends traffic through, if any. */
function waypointOf(ctx: RuleContext, namespace: string | undefined, service?: string): string | undefined {
  const svc = service ? ctx.byKind('Service', '').find(s => s.manifest.metadata.namespace === namespace && s.manifest.metadata.name === service) : undefined;
  const fromService = svc ? labelsOf(svc)[Labels.USE_WAYPOINT] : undefined;
  const nsObject = namespace ? ctx.namespaceObject(namespace) : undefined;
  const value = fromService ?? (nsObject ? labelsOf(nsObject)[Labels.USE_WAYPOINT] : undefined);
  return value && value !== '#none' && value !== 'none' ? value : undefined;
}

export const ambientL7NeedsWaypoint: MeshRule = {
  id: 'ambient-l7-needs-waypoint',
  severity: Severity.ERROR,
  title: 'in ambient namespaces, an AuthorizationPolicy with L7 fields targets a waypoint with targetRefs',
  why: 'ztunnel enforces L4 only: it drops ALLOW rules with HTTP fields (turning the policy into deny-all) and enforces DENY without them (a wider deny); waypoints ignore selector policies (FACTS §1.4-1.5, istio#54275)',
  fix: 'give the namespace a waypoint and attach the policy with targetRefs to the Service or the waypoint Gateway',
  check(ctx) {
    return ctx.byKind('AuthorizationPolicy', 'security.istio.io').filter(p => ctx.isAmbient(p.manifest.metadata.namespace)).flatMap(p => {
      const l7 = l7FieldsOf(p);
      if (l7.length === 0) return [];
      const ns = p.manifest.metadata.namespace;
      const refs: any[] = spec(p).targetRefs ?? (spec(p).targetRef ? [spec(p).targetRef] : []);
      if (refs.length === 0) return [{ object: p, message: `${describe(p)} uses ${l7.join(', ')} but has no targetRefs, so ztunnel enforces it without them` }];
      return refs.flatMap(ref => {
        if (ref.kind === 'Gateway') return waypointExists(ctx, ns, ref.name) ? [] : [{ object: p, message: `${describe(p)} targets Gateway ${ref.name}, which is not a waypoint in ${ns}` }];
        if (ref.kind === 'Service') {
          const waypoint = waypointOf(ctx, ns, ref.name);
          return waypoint ? [] : [{ object: p, message: `${describe(p)} targets Service ${ref.name}, whose traffic goes through no waypoint` }];
        }
        return [];
      });
    });
  },
};

export const useWaypointExists: MeshRule = {
  id: 'use-waypoint-exists',
  severity: Severity.ERROR,
  title: 'every istio.io/use-waypoint label names a waypoint that exists',
  why: 'a dangling label silently sends traffic around the intended L7 policies (istio.io PR#15007, istio#57764)',
  fix: 'define the waypoint Gateway (class istio-waypoint) in that namespace, or set istio.io/use-waypoint-namespace, or remove the label',
  check(ctx) {
    return ctx.objects.flatMap((o: LocatedManifest) => {
      const value = labelsOf(o)[Labels.USE_WAYPOINT];
      if (!value || value === '#none' || value === 'none') return [];
      const ns = labelsOf(o)['istio.io/use-waypoint-namespace'] ?? (o.manifest.kind === 'Namespace' ? o.manifest.metadata.name : o.manifest.metadata.namespace);
      return waypointExists(ctx, ns, value) ? [] : [{ object: o, message: `${describe(o)} uses waypoint ${value}, but ${ns} has no istio-waypoint Gateway of that name` }];
    });
  },
};

export const noSidecarInAmbient: MeshRule = {
  id: 'no-sidecar-in-ambient',
  severity: Severity.ERROR,
  title: 'no Sidecar resource in an ambient namespace',
  why: 'ztunnel and waypoints ignore the Sidecar resource, including REGISTRY_ONLY: it promises an egress lockdown that does not exist (istio#54281, FACTS §1.6)',
  fix: 'remove it; restrict egress with NetworkPolicies (and an egress gateway or waypoint)',
  check(ctx) {
    return ctx.byKind('Sidecar', 'networking.istio.io').filter(s => ctx.isAmbient(s.manifest.metadata.namespace))
      .map(s => ({ object: s, message: `${describe(s)} is in ambient namespace ${s.manifest.metadata.namespace}` }));
  },
};

const HBONE = 15008;
const PROBE_SOURCE = '169.254.7.127';

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const toInt = (a: string) => a.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return base.includes('.') && (toInt(ip) & mask) === (toInt(base) & mask);
}

function selects(np: LocatedManifest, other: LocatedManifest): boolean {
  const a = JSON.stringify(spec(np).podSelector?.matchLabels ?? {});
  const empty = Object.keys(spec(np).podSelector?.matchLabels ?? {}).length === 0 && !(spec(np).podSelector?.matchExpressions?.length);
  return empty || a === JSON.stringify(spec(other).podSelector?.matchLabels ?? {});
}

const restrictsIngress = (np: LocatedManifest) => (spec(np).policyTypes ?? ['Ingress']).includes('Ingress');

export const ambientNetworkPolicyHbone: MeshRule = {
  id: 'ambient-network-policy-hbone',
  severity: Severity.ERROR,
  title: 'NetworkPolicies around ambient pods allow HBONE 15008 and kubelet probes from 169.254.7.127',
  why: 'mesh traffic reaches ambient pods on TCP 15008 and kubelet probes come from the SNAT address 169.254.7.127: a policy that omits them cuts the pods off the mesh and fails their probes (istio.io ambient/usage/networkpolicy, istio#52742)',
  fix: 'allow ingress on TCP 15008 from the mesh peers and from ipBlock 169.254.7.127/32 for the same pods',
  check(ctx) {
    const byNamespace = new Map<string, LocatedManifest[]>();
    for (const np of ctx.byKind('NetworkPolicy', 'networking.k8s.io')) {
      const ns = np.manifest.metadata.namespace ?? 'default';
      byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), np]);
    }
    const findings = [];
    for (const [ns, policies] of byNamespace) {
      if (!ctx.isAmbient(ns)) continue;
      const rules = (p: LocatedManifest) => (spec(p).ingress ?? []) as any[];
      const allowsPort = (r: any) => !r.ports || r.ports.length === 0 || r.ports.some((p: any) => (p.protocol ?? 'TCP') === 'TCP' && (p.port === undefined || Number(p.port) === HBONE || (p.endPort && Number(p.port) <= HBONE && HBONE <= p.endPort)));
      const allowsProbe = (r: any) => !r.from || r.from.length === 0 || r.from.some((f: any) => f.ipBlock && ipInCidr(PROBE_SOURCE, f.ipBlock.cidr));
      for (const np of policies.filter(restrictsIngress)) {
        const covering = policies.filter(p => selects(p, np) && restrictsIngress(p));
        if (!covering.some(p => rules(p).some(allowsPort))) findings.push({ object: np, message: `${describe(np)} restricts ingress to ambient pods, and no policy for them allows TCP ${HBONE}` });
        if (!covering.some(p => rules(p).some(allowsProbe))) findings.push({ object: np, message: `${describe(np)} restricts ingress to ambient pods, and no policy for them allows kubelet probes from ${PROBE_SOURCE}/32` });
      }
    }
    return findings;
  },
};
