/**
 * The checks of `services()` and `routes()`: names, selectors, ports, hosts under the
 * environment's domains, rules that send to a declared Service port; and the declared Services
 * the other checks refer to.
 */
import { isDnsLabel, isDnsSubdomain, isDomainName, isLabelKey, isLabelValue, isUnderDomain } from '../core/names';
import { RouteDeclaration, ServiceDeclaration } from './types';
import { DeclarationKit, isPort } from './declaration-kit';

/** The Services a namespace declared, for the checks that name them. */
export interface DeclaredServices {
  readonly declared: ReadonlyMap<string, ServiceDeclaration>;
  /** Whether `name` is a declared Service; if not, a problem at `path` of `hook`. */
  readonly knownService: (hook: string, path: string, name: string) => boolean;
}

/** The problems of `services()`. */
export function checkServices(kit: DeclarationKit, value: ServiceDeclaration[]): DeclaredServices {
  const { ctx, bad, list, duplicates } = kit;
  const services = list('services', value);
  services.forEach((s, i) => {
    if (!isDnsLabel(s?.name)) bad('services', `[${i}].name`, s?.name, 'is not a valid Service name', 'use a DNS label');
    const selector = Object.entries(s?.selector ?? {});
    if (selector.length === 0)
      bad(
        'services',
        `[${i}].selector`,
        s?.selector,
        'must not be empty (it would select every pod of the namespace)',
        "give the pod labels of the Service's spec.selector",
      );
    for (const [k, v] of selector)
      if (!isLabelKey(k) || !isLabelValue(v))
        bad('services', `[${i}].selector['${k}']`, v, 'is not a valid label', 'use Kubernetes label keys and values');
    if (!Array.isArray(s?.ports) || s.ports.length === 0)
      bad('services', `[${i}].ports`, s?.ports, 'must list at least one port', 'list the Service ports');
    (s?.ports ?? []).forEach((p, j) => {
      if (!isPort(p?.port)) bad('services', `[${i}].ports[${j}].port`, p?.port, 'is not a port number', 'use 1 to 65535');
      if (p?.targetPort !== undefined && !isPort(p.targetPort))
        bad(
          'services',
          `[${i}].ports[${j}].targetPort`,
          p.targetPort,
          'is not a port number',
          'use the container port, 1 to 65535 (named ports are not supported)',
        );
    });
    duplicates(
      'services',
      (s?.ports ?? []).map(p => String(p?.port)),
      'port',
    );
    if (s?.serviceAccount !== undefined && !isDnsSubdomain(s.serviceAccount))
      bad('services', `[${i}].serviceAccount`, s.serviceAccount, 'is not a valid ServiceAccount name', "use the pods' ServiceAccount");
  });
  duplicates(
    'services',
    services.map(s => s?.name),
    'Service',
  );
  const declared = new Map(services.map(s => [s?.name, s]));
  const knownService = (hook: string, path: string, name: string) => {
    if (!declared.has(name))
      bad(
        hook,
        path,
        name,
        `is not a Service declared by ${ctx.written('services')}`,
        `declare it in ${ctx.field('services')}, or use one of: ${[...declared.keys()].join(', ') || '(none declared)'}`,
      );
    return declared.has(name);
  };
  return { declared, knownService };
}

/** The problems of `routes()`; returns the routes for the checks across hooks. */
export function checkRoutes(kit: DeclarationKit, value: RouteDeclaration[], { declared, knownService }: DeclaredServices): RouteDeclaration[] {
  const { ctx, bad, list, duplicates } = kit;
  const env = ctx.env;
  const routes = list('routes', value);
  routes.forEach((r, i) => {
    if (!isDnsLabel(r?.name)) bad('routes', `[${i}].name`, r?.name, 'is not a valid object name', 'use a DNS label');
    if (!Array.isArray(r?.hosts) || r.hosts.length === 0)
      bad('routes', `[${i}].hosts`, r?.hosts, 'must list at least one host', 'add the host name clients use');
    (r?.hosts ?? []).forEach((h, j) => {
      if (!isDomainName(h)) bad('routes', `[${i}].hosts[${j}]`, h, 'is not a host name (wildcards are not allowed)', 'give the exact host name');
      else if (!env.domains.some(dom => isUnderDomain(h, dom)))
        bad(
          'routes',
          `[${i}].hosts[${j}]`,
          h,
          `is not under any domain of environment ${env.name} (${env.domains.join(', ')})`,
          'use a host under one of those domains, or add the domain to the environment config',
        );
    });
    if (!Array.isArray(r?.rules) || r.rules.length === 0)
      bad('routes', `[${i}].rules`, r?.rules, 'must have at least one rule', 'send a path prefix to a declared Service port');
    (r?.rules ?? []).forEach((rule, j) => {
      if (rule?.pathPrefix !== undefined && !String(rule.pathPrefix).startsWith('/'))
        bad('routes', `[${i}].rules[${j}].pathPrefix`, rule.pathPrefix, "must start with '/'", `write '/${rule.pathPrefix}'`);
      if (knownService('routes', `[${i}].rules[${j}].service`, rule?.service) && !declared.get(rule.service)!.ports.some(p => p.port === rule.port)) {
        bad(
          'routes',
          `[${i}].rules[${j}].port`,
          rule?.port,
          `is not a port of Service ${rule.service}`,
          `use one of ${declared
            .get(rule.service)!
            .ports.map(p => p.port)
            .join(', ')}`,
        );
      }
    });
  });
  duplicates(
    'routes',
    routes.map(r => r?.name),
    'route',
  );
  duplicates(
    'routes',
    routes.flatMap(r => (Array.isArray(r?.hosts) ? r.hosts : [])),
    'host',
  );
  return routes;
}
