import { Annotations } from '../lib/labels';
import { LocatedManifest, MeshRule, RuleContext, Severity } from './types';
import { annotationsOf, describe, parsePrincipal, principalsOf, spec } from './util';

/** Every identity the environment knows: ServiceAccounts in the output or declared by namespaces. */
function knownIdentities(ctx: RuleContext): Set<string> {
  const known = new Set<string>();
  for (const sa of ctx.byKind('ServiceAccount', '')) known.add(`${sa.manifest.metadata.namespace}/${sa.manifest.metadata.name}`);
  for (const ns of ctx.byKind('Namespace', '')) {
    for (const sa of (annotationsOf(ns)[Annotations.SERVICE_ACCOUNTS] ?? '').split(',').map(s => s.trim()).filter(Boolean)) known.add(`${ns.manifest.metadata.name}/${sa}`);
  }
  // A waypoint runs as a ServiceAccount named after its Gateway.
  for (const g of ctx.byKind('Gateway', 'gateway.networking.k8s.io').filter(g => spec(g).gatewayClassName === 'istio-waypoint')) {
    known.add(`${g.manifest.metadata.namespace}/${g.manifest.metadata.name}`);
  }
  const gw = ctx.ingressGateway ? parsePrincipal(ctx.ingressGateway.principal) : undefined;
  if (gw) known.add(`${gw.namespace}/${gw.serviceAccount}`);
  return known;
}

export const principalResolves: MeshRule = {
  id: 'principal-resolves',
  severity: Severity.ERROR,
  title: 'every principal names a known ServiceAccount, in the mesh trust domain, without wildcards',
  why: 'a typo or a ServiceAccount that does not exist allows nobody (an outage) and a wildcard allows everybody (a breach); Istio accepts both silently (Truxify#7681, istio#53723)',
  fix: `fix the principal, declare the ServiceAccount (Namespace annotation ${Annotations.SERVICE_ACCOUNTS}), or list it in the policy annotation ${Annotations.EXTERNAL_PRINCIPALS} when it lives outside this environment`,
  check(ctx) {
    const known = knownIdentities(ctx);
    return ctx.byKind('AuthorizationPolicy', 'security.istio.io').flatMap((p: LocatedManifest) => {
      const external = new Set((annotationsOf(p)[Annotations.EXTERNAL_PRINCIPALS] ?? '').split(',').map(s => s.trim()).filter(Boolean));
      return [...new Set(principalsOf(p))].sort().flatMap(principal => {
        if (principal.includes('*')) return [{ object: p, message: `${describe(p)} allows the wildcard principal ${principal}`, fix: 'name each ServiceAccount' }];
        if (external.has(principal)) return [];
        const parsed = parsePrincipal(principal);
        if (!parsed) return [{ object: p, message: `${describe(p)} has principal ${principal}, which is not <trust domain>/ns/<namespace>/sa/<service account>` }];
        if (parsed.trustDomain !== ctx.trustDomain) return [{ object: p, message: `${describe(p)} has principal ${principal} outside the trust domain ${ctx.trustDomain}` }];
        if (parsed.serviceAccount === 'ztunnel') return [{ object: p, message: `${describe(p)} allows ztunnel, which never carries workload identities`, fix: "allow the client's own ServiceAccount (for ingress: the gateway's)" }];
        return known.has(`${parsed.namespace}/${parsed.serviceAccount}`) ? [] : [{ object: p, message: `${describe(p)} allows ${principal}, which is no ServiceAccount known in this environment` }];
      });
    });
  },
};
