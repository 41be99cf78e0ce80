import { LocatedManifest, MeshRule, RuleContext, Severity } from './types';
import { albIngresses, annotationsOf, describe, gatewayWorkloadNamespace, namespaceOf, spec } from './util';

/** Namespace part of a Gateway server host: `ns/x` -> `ns`, `./x` -> the Gateway's namespace, `x` -> `*`. */
function hostNamespace(host: string, gatewayNamespace: string): string {
  const slash = host.indexOf('/');
  if (slash === -1) return '*';
  const ns = host.slice(0, slash);
  return ns === '.' ? gatewayNamespace : ns;
}

/** Istio Gateways in the namespace an ALB Ingress sends to: the shared, ALB-facing gateways. */
function sharedGateways(ctx: RuleContext): Array<{ gateway: LocatedManifest; internetFacing: boolean }> {
  const byNamespace = new Map<string, boolean>();
  for (const ing of albIngresses(ctx)) {
    const ns = ctx.ingressGateway?.namespace ?? ing.manifest.metadata.namespace ?? 'default';
    const facing = annotationsOf(ing)['alb.ingress.kubernetes.io/scheme'] === 'internet-facing';
    byNamespace.set(ns, (byNamespace.get(ns) ?? false) || facing);
  }
  return ctx
    .byKind('Gateway', 'networking.istio.io')
    .filter(g => byNamespace.has(gatewayWorkloadNamespace(ctx, g) ?? namespaceOf(g)))
    .map(gateway => ({ gateway, internetFacing: byNamespace.get(gatewayWorkloadNamespace(ctx, gateway) ?? namespaceOf(gateway))! }));
}

/**
 * Only namespaces the platform declared publish through the shared gateway.
 *
 * A VirtualService binds to a Gateway server host `ns/*` only when it lives in `ns`; a host without a
 * namespace part (`*`, or `*\/*`, which Istio turns into `*`) binds VirtualServices of every namespace.
 */
export const sharedGatewayRouteNamespaces: MeshRule = {
  id: 'shared-gateway-route-namespaces',
  severity: Severity.ERROR,
  title: 'only VirtualServices of declared namespaces bind to the shared ALB gateway',
  why: "a VirtualService binds to a gateway host 'ns/*' only from namespace ns, and to a host without a namespace from any namespace, so '*' lets anyone who can create a VirtualService publish through the ALB (pilot/pkg/networking/core/gateway.go pickMatchingGatewayHosts, pilot/pkg/model/gateway.go sanitizeServerHostNamespace)",
  fix: "give the shared gateway's servers hosts '<namespace>/*' for the namespaces that publish routes, and enable the namespace in the environment before binding its VirtualServices",
  check(ctx) {
    const findings: Array<{ object: LocatedManifest; message: string; fix?: string }> = [];
    const shared = sharedGateways(ctx);
    const declared = new Map<string, Set<string>>();
    for (const { gateway, internetFacing } of shared) {
      const gwNs = namespaceOf(gateway);
      const namespaces = new Set<string>();
      for (const server of spec(gateway).servers ?? []) {
        for (const host of (server.hosts ?? []) as string[]) {
          const ns = hostNamespace(host, gwNs);
          namespaces.add(ns);
          if (ns === '*' && internetFacing) {
            findings.push({
              object: gateway,
              message: `${describe(gateway)} server ${server.name ?? server.port?.number} has host '${host}' on an internet-facing gateway: a VirtualService of any namespace can publish through it`,
              fix: "replace it with '<namespace>/*' for each namespace that publishes routes",
            });
          }
        }
      }
      declared.set(`${gwNs}/${gateway.manifest.metadata.name}`, namespaces);
    }
    for (const vs of ctx.byKind('VirtualService', 'networking.istio.io')) {
      const vsNs = vs.manifest.metadata.namespace as string;
      for (const ref of (spec(vs).gateways ?? []) as string[]) {
        const full = ref.includes('/') ? ref : `${vsNs}/${ref}`;
        const namespaces = declared.get(full);
        if (!namespaces || namespaces.has('*') || namespaces.has(vsNs)) continue;
        findings.push({ object: vs, message: `${describe(vs)} binds to the shared gateway ${full}, whose hosts do not declare namespace ${vsNs}` });
      }
    }
    return findings;
  },
};
