import { LocatedManifest, MeshRule, Severity } from './types';
import { describe, spec } from './util';

const HBONE = 15008;
const PROBE_SOURCE = '169.254.7.127';

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const toInt = (a: string) => a.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return base.includes('.') && (toInt(ip) & mask) === (toInt(base) & mask);
}

/** What {@link selects} compares of a policy: its matchLabels as JSON, and whether it selects every pod. */
interface Selector {
  readonly labels: string;
  readonly all: boolean;
}

function selectorOf(np: LocatedManifest): Selector {
  const selector = spec(np).podSelector;
  const matchLabels = selector?.matchLabels ?? {};
  return { labels: JSON.stringify(matchLabels), all: Object.keys(matchLabels).length === 0 && !selector?.matchExpressions?.length };
}

function selects(np: Selector, other: Selector): boolean {
  return np.all || np.labels === other.labels;
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
      const list = byNamespace.get(ns);
      if (list) list.push(np);
      else byNamespace.set(ns, [np]);
    }
    const findings = [];
    for (const [ns, policies] of byNamespace) {
      if (!ctx.isAmbient(ns)) continue;
      const rules = (p: LocatedManifest) => (spec(p).ingress ?? []) as any[];
      const allowsPort = (r: any) =>
        !r.ports ||
        r.ports.length === 0 ||
        r.ports.some(
          (p: any) =>
            (p.protocol ?? 'TCP') === 'TCP' &&
            (p.port === undefined || Number(p.port) === HBONE || (p.endPort && Number(p.port) <= HBONE && HBONE <= p.endPort)),
        );
      const allowsProbe = (r: any) => !r.from || r.from.length === 0 || r.from.some((f: any) => f.ipBlock && ipInCidr(PROBE_SOURCE, f.ipBlock.cidr));
      const restricting = policies
        .filter(restrictsIngress)
        .map(p => ({ policy: p, selector: selectorOf(p), hbone: rules(p).some(allowsPort), probes: rules(p).some(allowsProbe) }));
      for (const { policy: np, selector } of restricting) {
        const covering = restricting.filter(p => selects(p.selector, selector));
        if (!covering.some(p => p.hbone))
          findings.push({ object: np, message: `${describe(np)} restricts ingress to ambient pods, and no policy for them allows TCP ${HBONE}` });
        if (!covering.some(p => p.probes))
          findings.push({
            object: np,
            message: `${describe(np)} restricts ingress to ambient pods, and no policy for them allows kubelet probes from ${PROBE_SOURCE}/32`,
          });
      }
    }
    return findings;
  },
};
