import { MeshRule, Severity } from './types';
import { annotationsOf, describe, ingressBackends, albIngresses, serversOnPort } from './util';

export const albHttpsBackend: MeshRule = {
  id: 'alb-https-backend',
  severity: Severity.ERROR,
  title: 'the ALB re-encrypts to a gateway server with TLS SIMPLE and a credentialName',
  why: 'the ALB -> gateway hop must stay encrypted; HTTPS to a plaintext port, or to MUTUAL/ISTIO_MUTUAL (the ALB has no client certificate), gives 502s (aws-load-balancer-controller#3163, istio#54016)',
  fix: 'set alb.ingress.kubernetes.io/backend-protocol: HTTPS and give the Gateway an HTTPS server on the backend port with tls.mode SIMPLE and a credentialName',
  check(ctx) {
    return albIngresses(ctx).flatMap(ing => {
      if (annotationsOf(ing)['alb.ingress.kubernetes.io/backend-protocol'] !== 'HTTPS') {
        return [
          {
            object: ing,
            message: `${describe(ing)} sends plaintext to the gateway (backend-protocol is ${annotationsOf(ing)['alb.ingress.kubernetes.io/backend-protocol'] ?? 'unset, so HTTP'})`,
          },
        ];
      }
      return ingressBackends(ing)
        .filter(b => b.port !== undefined)
        .flatMap(b => {
          const servers = serversOnPort(ctx, ing, b.port!);
          if (servers.length === 0)
            return [{ object: ing, message: `${describe(ing)} targets port ${b.port}, but no Istio Gateway has a server on that port` }];
          return servers.flatMap(({ gateway, server }) => {
            const tls = server.tls ?? {};
            return server.port?.protocol !== 'HTTPS' || tls.mode !== 'SIMPLE' || !tls.credentialName
              ? [
                  {
                    object: gateway,
                    message: `${describe(gateway)} server on port ${b.port} is ${server.port?.protocol} with tls.mode ${tls.mode ?? 'unset'} and ${tls.credentialName ? 'a' : 'no'} credentialName; the ALB needs HTTPS, SIMPLE and a credentialName`,
                  },
                ]
              : [];
          });
        });
    });
  },
};
