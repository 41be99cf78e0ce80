import { MeshRule, Severity } from './types';
import { describe, ingressBackends, albIngresses, serversOnPort } from './util';

/**
 * True when a Gateway server host matches every SNI: `*`, or `<namespace>/*`, whose namespace part
 * Istio drops before it builds the SNI match (`GetSNIHostsForServer`, pilot/pkg/model/gateway.go).
 */
export function isSniFreeHost(host: unknown): boolean {
  if (typeof host !== 'string') return false;
  const slash = host.indexOf('/');
  return (slash === -1 ? host : host.slice(slash + 1)) === '*';
}

export const gatewayAlbServerHosts: MeshRule = {
  id: 'gateway-alb-server-hosts',
  severity: Severity.ERROR,
  title: "the gateway server the ALB targets binds every host name ('<namespace>/*') and is the only one on its port",
  why: 'the ALB sends no SNI to its targets, so a server bound to host names never matches and a second server on the port is unreachable; the namespace part of ns/* is dropped before SNI matching (istio#31421, istio#35420, pilot/pkg/model/gateway.go GetSNIHostsForServer)',
  fix: "set hosts: ['<namespace>/*', ...] on that server, keep one server per port, and route by host in VirtualServices",
  check(ctx) {
    return albIngresses(ctx).flatMap(ing =>
      ingressBackends(ing)
        .filter(b => b.port !== undefined)
        .flatMap(b => {
          const servers = serversOnPort(ctx, ing, b.port!);
          const findings = servers
            .filter(({ server }) => !(Array.isArray(server.hosts) && server.hosts.length > 0 && server.hosts.every(isSniFreeHost)))
            .map(({ gateway, server }) => ({
              object: gateway,
              message: `${describe(gateway)} server on port ${b.port} has hosts ${JSON.stringify(server.hosts)}`,
            }));
          if (servers.length > 1)
            findings.push({
              object: servers[1].gateway,
              message: `${servers.length} Gateway servers listen on port ${b.port}, which the ALB targets`,
            });
          return findings;
        }),
    );
  },
};
