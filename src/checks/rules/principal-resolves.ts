import { Annotations } from '../../core/labels';
import { LocatedManifest, MeshRule, RuleContext, Severity } from './types';
import { annotationsOf, describe, namespaceOf, parsePrincipal, principalsOf, spec } from './util';

/** Every identity the environment knows: ServiceAccounts in the output or declared by namespaces. */
function knownIdentities(ctx: RuleContext): Set<string> {
  const known = new Set<string>();
  for (const sa of ctx.byKind('ServiceAccount', '')) known.add(`${namespaceOf(sa)}/${sa.manifest.metadata.name}`);
  for (const ns of ctx.byKind('Namespace', '')) {
    for (const sa of (annotationsOf(ns)[Annotations.SERVICE_ACCOUNTS] ?? '')
      .split(',')
      .map(s => s.trim())
      .filter(Boolean))
      known.add(`${ns.manifest.metadata.name}/${sa}`);
  }
  // Istio's gateway controller runs a Gateway API gateway as ServiceAccount <name>-<gatewayClassName>
  // unless the gateway.istio.io/service-account annotation names one (istio/istio
  // pilot/pkg/config/kube/gateway/deploymentcontroller.go, TemplateInput ServiceAccount and
  // getDefaultName). A waypoint is also accepted by its bare name, as earlier releases named it.
  for (const g of ctx.byKind('Gateway', 'gateway.networking.k8s.io')) {
    const ns = namespaceOf(g);
    const override = annotationsOf(g)['gateway.istio.io/service-account'];
    known.add(`${ns}/${override ?? `${g.manifest.metadata.name}-${spec(g).gatewayClassName}`}`);
    if (spec(g).gatewayClassName === 'istio-waypoint') known.add(`${ns}/${g.manifest.metadata.name}`);
  }
  // Workloads name their ServiceAccount; a pod without one runs as default.
  for (const kind of ['Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob', 'Pod']) {
    for (const w of ctx.byKind(kind)) {
      const podSpec = kind === 'Pod' ? spec(w) : kind === 'CronJob' ? spec(w).jobTemplate?.spec?.template?.spec : spec(w).template?.spec;
      known.add(`${namespaceOf(w)}/${podSpec?.serviceAccountName ?? podSpec?.serviceAccount ?? 'default'}`);
    }
  }
  const gw = ctx.ingressGateway ? parsePrincipal(ctx.ingressGateway.principal) : undefined;
  if (gw) known.add(`${gw.namespace}/${gw.serviceAccount}`);
  return known;
}

/** True when the namespace is in the files and lists all its ServiceAccounts in its annotation. */
function declaresAccounts(ctx: RuleContext, namespace: string): boolean {
  const ns = ctx.namespaceObject(namespace);
  return !!ns && annotationsOf(ns)[Annotations.SERVICE_ACCOUNTS] !== undefined;
}

export const principalResolves: MeshRule = {
  id: 'principal-resolves',
  severity: Severity.ERROR,
  title: 'every principal names a known ServiceAccount, in the mesh trust domain, without wildcards',
  why: 'a typo or a ServiceAccount that does not exist allows nobody (an outage) and a wildcard allows everybody (a breach); Istio accepts both silently (Truxify#7681, istio#53723)',
  warnsWhen:
    'the ServiceAccount is not in these files, without an environment config and without a namespace that declares its accounts (it may be made by a chart, istioctl or a manifest applied by URL)',
  fix: `fix the principal, declare the ServiceAccount (Namespace annotation ${Annotations.SERVICE_ACCOUNTS}), or list it in the policy annotation ${Annotations.EXTERNAL_PRINCIPALS} when it lives outside this environment`,
  check(ctx) {
    const known = knownIdentities(ctx);
    return ctx.byKind('AuthorizationPolicy', 'security.istio.io').flatMap((p: LocatedManifest) => {
      const external = new Set(
        (annotationsOf(p)[Annotations.EXTERNAL_PRINCIPALS] ?? '')
          .split(',')
          .map(s => s.trim())
          .filter(Boolean),
      );
      return [...new Set(principalsOf(p))].sort().flatMap(principal => {
        if (principal.includes('*'))
          return [{ object: p, message: `${describe(p)} allows the wildcard principal ${principal}`, fix: 'name each ServiceAccount' }];
        if (external.has(principal)) return [];
        const parsed = parsePrincipal(principal);
        if (!parsed)
          return [
            { object: p, message: `${describe(p)} has principal ${principal}, which is not <trust domain>/ns/<namespace>/sa/<service account>` },
          ];
        if (parsed.trustDomain !== ctx.trustDomain)
          return [{ object: p, message: `${describe(p)} has principal ${principal} outside the trust domain ${ctx.trustDomain}` }];
        if (parsed.serviceAccount === 'ztunnel')
          return [
            {
              object: p,
              message: `${describe(p)} allows ztunnel, which never carries workload identities`,
              fix: "allow the client's own ServiceAccount (for ingress: the gateway's)",
            },
          ];
        if (known.has(`${parsed.namespace}/${parsed.serviceAccount}`)) return [];
        if (ctx.env || declaresAccounts(ctx, parsed.namespace))
          return [{ object: p, message: `${describe(p)} allows ${principal}, which is no ServiceAccount known in this environment` }];
        return [
          {
            object: p,
            severity: Severity.WARNING,
            message: `${describe(p)} allows ${principal}, a ServiceAccount not in these files`,
            fix: 'check the name against the cluster (kubectl get sa); declare it in the files if it is yours',
          },
        ];
      });
    });
  },
};
