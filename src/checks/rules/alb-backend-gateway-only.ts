import { MeshRule, Severity } from './types';
import { describe, gatewayWorkloadNamespace, ingressBackends, albIngresses, namespaceOf } from './util';

export const albBackendGatewayOnly: MeshRule = {
  id: 'alb-backend-gateway-only',
  severity: Severity.ERROR,
  title: 'an ALB Ingress sends traffic only to the ingress gateway Service',
  why: 'the ALB speaks no Istio mTLS: a workload behind STRICT mTLS answers 502, and traffic that skips the gateway skips its routing and L7 policies (istio#43056, aws-load-balancer-controller#1892)',
  fix: 'point every backend of the Ingress at the ingress gateway Service and route to apps with VirtualServices',
  check(ctx) {
    const gatewayNamespaces = new Set(ctx.byKind('Gateway', 'networking.istio.io').map(g => gatewayWorkloadNamespace(ctx, g) ?? namespaceOf(g)));
    return albIngresses(ctx).flatMap(ing => {
      const ns = ing.manifest.metadata.namespace ?? 'default';
      return ingressBackends(ing).flatMap(b => {
        const gw = ctx.ingressGateway;
        if (gw && (b.name !== gw.serviceName || ns !== gw.namespace)) {
          return [
            {
              object: ing,
              message: `${describe(ing)} routes to Service ${ns}/${b.name}, not to the ingress gateway ${gw.namespace}/${gw.serviceName}`,
            },
          ];
        }
        if (!gw && !gatewayNamespaces.has(ns)) {
          return [{ object: ing, message: `${describe(ing)} routes to Service ${ns}/${b.name}, in a namespace with no Istio Gateway` }];
        }
        return [];
      });
    });
  },
};
