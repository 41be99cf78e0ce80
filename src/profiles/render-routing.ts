/**
 * What a namespace profile renders for traffic to and from its Services, from validated
 * declarations: VirtualServices for the routes on the shared gateway, ServiceEntries for external
 * hosts, DestinationRules for traffic policies.
 */
import { Construct } from 'constructs';
import { DestinationRule, ServiceEntry, ServiceEntrySpecLocation, ServiceEntrySpecResolution } from '../../imports/istio-networking.istio.io';
import { ResolvedEnvironment } from '../config/resolve-environment';
import { AppRoute } from '../constructs/app-route';
import { byCodePoint } from '../core/sort';
import { ResolvedDeclarations } from './declaration-checks';
import { ExternalHostDeclaration } from './types';

/** ServiceEntries, DestinationRules and VirtualServices of one namespace. */
export function renderRouting(scope: Construct, namespace: string, env: ResolvedEnvironment, d: ResolvedDeclarations): void {
  // One ServiceEntry per external host, with each declared port.
  const hosts = new Map<string, ExternalHostDeclaration[]>();
  for (const h of d.externalHosts) hosts.set(h.host, [...(hosts.get(h.host) ?? []), h]);
  const external = new Construct(scope, 'External');
  for (const host of [...hosts.keys()].sort(byCodePoint)) {
    new ServiceEntry(external, host, {
      metadata: { name: host, namespace },
      spec: {
        hosts: [host],
        exportTo: ['.'],
        location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
        resolution: ServiceEntrySpecResolution.DNS,
        ports: hosts
          .get(host)!
          .sort((a, b) => a.port - b.port)
          .map(h => ({ number: h.port, name: `${h.protocol.toLowerCase()}-${h.port}`, protocol: h.protocol })),
      },
    });
  }

  const trafficPolicies = new Construct(scope, 'TrafficPolicies');
  for (const tp of d.trafficPolicies) {
    new DestinationRule(trafficPolicies, tp.service, {
      metadata: { name: tp.service, namespace },
      spec: { host: `${tp.service}.${namespace}.svc.cluster.local`, trafficPolicy: tp.trafficPolicy },
    });
  }

  const routes = new Construct(scope, 'Routes');
  for (const r of d.routes) {
    new AppRoute(routes, r.name, {
      namespace,
      name: r.name,
      gateway: env.ingressGateway.gatewayRef,
      hosts: r.hosts,
      allowedDomains: env.domains,
      rules: r.rules.map(rule => ({ pathPrefix: rule.pathPrefix, serviceName: rule.service, port: rule.port })),
    });
  }
}
