import { MeshRule, Severity } from './types';
import { describe, principalsOf, spec } from './util';

/** Namespace of a VirtualService destination host. */
function destinationNamespace(host: string, vsNamespace: string): string | undefined {
  const parts = host.split('.');
  if (parts.length === 1) return vsNamespace;
  if (parts.length >= 3 && parts[2] === 'svc') return parts[1];
  if (parts.length === 2) return parts[1];
  return undefined;
}

export const gatewayPrincipalAllowed: MeshRule = {
  id: 'gateway-principal-allowed',
  severity: Severity.ERROR,
  title: 'the ingress gateway principal is allowed wherever a route exposes a Service',
  why: 'with deny-by-default authorization, a route whose destination does not allow the gateway identity answers 403 (RBAC: access denied) for every request (envoyproxy/envoy source/extensions/filters/http/rbac/rbac_filter.cc)',
  fix: 'allow the ingress gateway principal in an ALLOW policy of the destination namespace (the namespace profile does this for its routes)',
  check(ctx) {
    const gw = ctx.ingressGateway;
    if (!gw) return [];
    // Per namespace: undefined without policies, else whether an ALLOW policy admits the gateway.
    const gatewayAllowedIn = new Map<string, boolean>();
    for (const p of ctx.byKind('AuthorizationPolicy', 'security.istio.io')) {
      const ns = p.manifest.metadata.namespace!;
      const allows = (spec(p).action ?? 'ALLOW') === 'ALLOW' && principalsOf(p).includes(gw.principal);
      gatewayAllowedIn.set(ns, gatewayAllowedIn.get(ns) === true || allows);
    }
    return ctx
      .byKind('VirtualService', 'networking.istio.io')
      .filter(vs => (spec(vs).gateways ?? []).some((g: string) => g !== 'mesh'))
      .flatMap(vs => {
        const hosts = new Set<string>(
          (spec(vs).http ?? []).flatMap((r: any) => (r.route ?? []).map((d: any) => d.destination?.host)).filter(Boolean),
        );
        return [...hosts].flatMap(host => {
          const ns = destinationNamespace(host, vs.manifest.metadata.namespace!);
          if (!ns) return [];
          const allowed = gatewayAllowedIn.get(ns);
          return allowed !== false
            ? []
            : [{ object: vs, message: `${describe(vs)} routes to ${host}, but no ALLOW policy in ${ns} allows the ingress gateway ${gw.principal}` }];
        });
      });
  },
};
