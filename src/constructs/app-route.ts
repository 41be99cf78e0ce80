import { Construct } from 'constructs';
import { VirtualService } from '../../imports/istio-networking.istio.io';
import { isDnsLabel, isDomainName, isUnderDomain } from '../core/names';
import { Problem } from '../core/problem';
import { addCheck } from './checks';
import { byCodePoint } from '../core/sort';
import { isPort, NOT_A_NAMESPACE, NOT_A_PORT } from '../config/resolve/validators';

/** One HTTP route of an {@link AppRoute}: a path prefix sent to a Service port. */
export interface AppRouteRule {
  /**
   * URI prefix to match.
   *
   * @default '/'
   */
  readonly pathPrefix?: string;
  /** Service in the route's namespace that receives the traffic. */
  readonly serviceName: string;
  /** Port of that Service. */
  readonly port: number;
}

/** Properties of an {@link AppRoute}. */
export interface AppRouteProps {
  /** Namespace of the app (the VirtualService and its Services live here). */
  readonly namespace: string;
  /** Name of the VirtualService. */
  readonly name: string;
  /** The shared gateway, as `<namespace>/<name>` ({@link SharedGateway.ref}). */
  readonly gateway: string;
  /** Host names clients use; each must be under one of `allowedDomains`. */
  readonly hosts: readonly string[];
  /** The environment's domains. */
  readonly allowedDomains: readonly string[];
  /** Where requests go; longer prefixes are matched first. */
  readonly rules: readonly AppRouteRule[];
  /**
   * Cluster DNS domain used to build destination FQDNs.
   *
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
}

/**
 * A VirtualService that exposes an app's Services on the shared gateway.
 *
 * Bound only to the shared gateway (not to `mesh`), so it changes nothing for in-mesh callers.
 * Destinations are fully qualified so the route means the same wherever Istio evaluates it.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/
 */
export class AppRoute extends Construct {
  /** Hosts served, sorted. */
  public readonly hosts: readonly string[];
  /** The Services and ports this route sends traffic to, sorted. */
  public readonly backends: ReadonlyArray<{ readonly serviceName: string; readonly port: number }>;
  /** The raw VirtualService (the default child). */
  public readonly resource: VirtualService;

  constructor(scope: Construct, id: string, props: AppRouteProps) {
    super(scope, id);
    const clusterDomain = props.clusterDomain ?? 'cluster.local';
    this.hosts = [...new Set(props.hosts)].sort(byCodePoint);
    const rules = props.rules.map(r => ({ ...r, pathPrefix: r.pathPrefix ?? '/' }));
    // Envoy takes the first matching route: put the most specific prefix first.
    const ordered = [...rules].sort((a, b) => b.pathPrefix.length - a.pathPrefix.length || byCodePoint(a.pathPrefix, b.pathPrefix));
    const backendKeys = [...new Set(rules.map(r => `${r.serviceName}:${r.port}`))].sort(byCodePoint);
    this.backends = backendKeys.map(k => ({ serviceName: k.split(':')[0], port: Number(k.split(':')[1]) }));

    addCheck(this, () => {
      const problems: Problem[] = [];
      if (!isDnsLabel(props.namespace))
        problems.push({ field: 'namespace', value: props.namespace, message: NOT_A_NAMESPACE, fix: 'use a DNS label' });
      if (!isDnsLabel(props.name)) problems.push({ field: 'name', value: props.name, message: 'is not a valid object name', fix: 'use a DNS label' });
      if (!/^[a-z0-9-]+\/[a-z0-9-]+$/.test(props.gateway))
        problems.push({
          field: 'gateway',
          value: props.gateway,
          message: 'must name the shared gateway as <namespace>/<name>',
          fix: 'pass SharedGateway.ref',
        });
      if (this.hosts.length === 0)
        problems.push({
          field: 'hosts',
          value: props.hosts,
          message: 'must list at least one host',
          fix: 'add the host name clients use, under one of the environment domains',
        });
      for (const host of this.hosts) {
        if (!isDomainName(host)) {
          problems.push({
            field: 'hosts',
            value: host,
            message: 'is not a host name (wildcards are not allowed: a route must not claim every name of a domain)',
            fix: 'give the exact host name, e.g. payments.apps.example.com',
          });
        } else if (!props.allowedDomains.some(d => isUnderDomain(host, d))) {
          problems.push({
            field: 'hosts',
            value: host,
            message: `is not under any domain of the environment (${props.allowedDomains.join(', ')})`,
            fix: 'use a host under one of those domains, or add its domain to the environment config',
          });
        }
      }
      if (rules.length === 0)
        problems.push({ field: 'rules', value: props.rules, message: 'must have at least one rule', fix: 'route a path prefix to a Service port' });
      rules.forEach((rule, i) => {
        if (!rule.pathPrefix.startsWith('/'))
          problems.push({
            field: `rules[${i}].pathPrefix`,
            value: rule.pathPrefix,
            message: "must start with '/'",
            fix: `write '/${rule.pathPrefix}'`,
          });
        if (!isDnsLabel(rule.serviceName))
          problems.push({
            field: `rules[${i}].serviceName`,
            value: rule.serviceName,
            message: 'is not a valid Service name',
            fix: "use the name of a Service in the app's namespace",
          });
        if (!isPort(rule.port))
          problems.push({ field: `rules[${i}].port`, value: rule.port, message: NOT_A_PORT, fix: 'use the Service port, 1 to 65535' });
      });
      const prefixes = rules.map(r => r.pathPrefix);
      for (const dup of new Set(prefixes.filter((p, i) => prefixes.indexOf(p) !== i))) {
        problems.push({
          field: 'rules',
          value: dup,
          message: 'routes the same path prefix twice (the second rule would never match)',
          fix: 'keep one rule per prefix',
        });
      }
      return problems;
    });

    this.resource = new VirtualService(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        hosts: [...this.hosts],
        gateways: [props.gateway],
        http: ordered.map(r => ({
          name: `${r.serviceName}-${r.port}${r.pathPrefix === '/' ? '' : r.pathPrefix.replace(/[^a-z0-9]+/g, '-').replace(/-$/, '')}`,
          match: [{ uri: { prefix: r.pathPrefix } }],
          route: [{ destination: { host: `${r.serviceName}.${props.namespace}.svc.${clusterDomain}`, port: { number: r.port } } }],
        })),
      },
    });
    this.node.defaultChild = this.resource;
  }
}
