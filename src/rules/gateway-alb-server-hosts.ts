import { MeshRule, Severity } from './types';
import { describe, ingressBackends, isAlbIngress, serversOnPort } from './util';

export const gatewayAlbServerHosts: MeshRule = {
  id: 'gateway-alb-server-hosts',
  severity: Severity.ERROR,
  title: "the gateway server the ALB targets has hosts ['*'] and is the only one on its port",
  why: 'the ALB sends no SNI to its targets, so a server bound to host names never matches and a second server on the port is unreachable (istio#31421, istio#35420)',
  fix: "set hosts: ['*'] on that server, keep one server per port, and route by host in VirtualServices",
  check(ctx) {
    return ctx.byKind('Ingress').filter(isAlbIngress).flatMap(ing => ingressBackends(ing).filter(b => b.port !== undefined).flatMap(b => {
      const servers = serversOnPort(ctx, ing, b.port!);
      const findings = servers
        .filter(({ server }) => !(Array.isArray(server.hosts) && server.hosts.length === 1 && server.hosts[0] === '*'))
        .map(({ gateway, server }) => ({ object: gateway, message: `${describe(gateway)} server on port ${b.port} has hosts ${JSON.stringify(server.hosts)}` }));
      if (servers.length > 1) findings.push({ object: servers[1].gateway, message: `${servers.length} Gateway servers listen on port ${b.port}, which the ALB targets` });
      return findings;
    }));
  },
};
