/**
 * The validation of a namespace's declarations: a pure function from what the hooks (or the
 * `declarations` prop) returned, and the environment, to problems; and the defaults applied to
 * declarations that passed. No constructs: the profile collects the values and reports.
 */
import { ResolvedEnvironment } from '../config/resolve-environment';
import { CallerPath } from '../profiles/namespace-authorization';
import { TelemetryOverrides } from '../constructs/mesh-telemetry';
import { closestName } from '../core/closest';
import { coversRoutePrefix } from '../core/http-paths';
import { isDnsLabel, isDnsSubdomain, isDomainName, isLabelKey, isLabelValue, isUnderDomain } from '../core/names';
import { byCodePoint } from '../core/sort';
import { Problem } from '../core/problem';
import {
  CallerDeclaration,
  DataplaneMode,
  DependencyDeclaration,
  ExternalHostDeclaration,
  ExternalProtocol,
  JwtRuleDeclaration,
  L7PolicyDeclaration,
  NamespaceDeclarations,
  PodSecurityLevel,
  PolicyAction,
  RouteDeclaration,
  ServiceDeclaration,
  TrafficPolicyDeclaration,
  WaypointOptions,
} from './types';

/** What each hook returned, unchecked (a throwing or empty hook already fell back to its default). */
export interface CollectedDeclarations {
  readonly services: ServiceDeclaration[];
  readonly routes: RouteDeclaration[];
  readonly callers: CallerDeclaration[];
  readonly dependencies: DependencyDeclaration[];
  readonly externalHosts: ExternalHostDeclaration[];
  readonly l7Policies: L7PolicyDeclaration[];
  readonly jwtRules: JwtRuleDeclaration[];
  readonly trafficPolicies: TrafficPolicyDeclaration[];
  readonly podSecurityLevel: PodSecurityLevel;
  readonly namespaceLabels: Record<string, string>;
  readonly waypoint?: WaypointOptions;
  readonly telemetry?: TelemetryOverrides;
}

/** Declarations that passed {@link checkDeclarations}, with their defaults applied. */
export interface ResolvedDeclarations extends Omit<CollectedDeclarations, 'waypoint'> {
  readonly waypoint?: Required<WaypointOptions>;
}

/** What the checks need to know besides the declarations. */
export interface DeclarationContext {
  readonly env: ResolvedEnvironment;
  /** Where the namespace stands in the environment (its migration state, else its target). */
  readonly dataplaneMode: DataplaneMode;
  /** How requests of a workload in `namespace` travel to this namespace. */
  readonly callerPath: (namespace: string, declared?: DataplaneMode) => CallerPath;
  /** The field a hook's value is reported under: `Payments.routes()`, or `declarations.routes`. */
  readonly field: (hook: string) => string;
  /** The hook as the team wrote it, for messages: `routes()`, or `declarations.routes`. */
  readonly written: (hook: string) => string;
  /** How to give the namespace a waypoint, e.g. `override waypoint() in Payments to return {}`. */
  readonly addWaypoint: string;
}

/** The fields of {@link NamespaceDeclarations}, each named like its hook. */
export const DECLARATION_FIELDS: readonly string[] = [
  'callers',
  'dependencies',
  'externalHosts',
  'jwtRules',
  'l7Policies',
  'namespaceLabels',
  'podSecurityLevel',
  'routes',
  'services',
  'telemetry',
  'trafficPolicies',
  'waypoint',
] satisfies readonly (keyof NamespaceDeclarations)[];

/** Namespace labels a profile owns; `namespaceLabels()` may not set them. */
const RESERVED_LABEL_PREFIXES = [
  'istio.io/',
  'istio-injection',
  'pod-security.kubernetes.io/',
  'kubernetes.io/',
  'mesh.eks-istio-mesh.io/',
  'elbv2.k8s.aws/',
];
const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const HTTP_METHODS = ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'];
const TAG_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;
const PROFILE_POLICY_NAMES = ['default-deny', 'allow-waypoint', 'waypoint-default-deny'];

const sortedUnique = (items: Iterable<string>) => [...new Set(items)].sort(byCodePoint);
const isPort = (p: unknown): p is number => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
const isAllow = (p: L7PolicyDeclaration) => (p?.action ?? PolicyAction.ALLOW) === PolicyAction.ALLOW;
const readsJwt = (p: L7PolicyDeclaration) =>
  !!p?.from?.requestPrincipals?.length || (p?.when ?? []).some(w => String(w?.key).startsWith('request.auth.'));

/**
 * An L7 path Istio can match: a path template (`{*}`, `{**}`), or `*` alone, first or last.
 *
 * Istio turns each `paths` entry into an Envoy string matcher: `*` alone matches any path, a leading
 * `*` a suffix, a trailing `*` a prefix, and anything else is matched exactly
 * (`pilot/pkg/security/authz/matcher/string.go`, `StringMatcherWithPrefix`, via `PathMatcher` in
 * `header.go`), so a `*` elsewhere is a literal character that no request path contains. Path
 * templates are matched as templates (`pilot/pkg/security/authz/model/generator.go`,
 * `pathGenerator`).
 */
export function misplacedPathWildcard(path: string): boolean {
  if (path === '*' || path.includes('{*}') || path.includes('{**}')) return false;
  const inner = path.endsWith('*') ? path.slice(0, -1) : path;
  return (inner.startsWith('*') ? inner.slice(1) : inner).includes('*');
}

/**
 * The `declarations` prop itself: every key a known field (a misspelled one would be silently
 * ignored), and a waypoint only for an ambient profile.
 */
export function checkDeclarationsProp(declarations: unknown, targetDataplaneMode: DataplaneMode): Problem[] {
  if (declarations === undefined) return [];
  if (typeof declarations !== 'object' || declarations === null || Array.isArray(declarations)) {
    return [
      { field: 'declarations', value: declarations, message: 'must be an object', fix: 'give { services, routes, ... } with the fields to declare' },
    ];
  }
  const problems: Problem[] = [];
  for (const key of Object.keys(declarations).sort(byCodePoint)) {
    if (DECLARATION_FIELDS.includes(key)) continue;
    const near = closestName(key, DECLARATION_FIELDS, 2);
    problems.push({
      field: `declarations.${key}`,
      value: key,
      message: `is not a declaration field${near ? ` (did you mean ${near}?)` : ''}: it would be ignored`,
      fix: `use one of ${DECLARATION_FIELDS.join(', ')}`,
    });
  }
  if (targetDataplaneMode === DataplaneMode.SIDECAR && (declarations as NamespaceDeclarations).waypoint !== undefined) {
    problems.push({
      field: 'declarations.waypoint',
      value: (declarations as NamespaceDeclarations).waypoint,
      message: 'is declared for a sidecar profile: only ambient namespaces have waypoints, so it would be ignored',
      fix: "use AmbientNamespaceProfile for a waypoint, or remove it: sidecars enforce L7 policies in each pod's proxy",
    });
  }
  return problems;
}

/** Every problem of the declarations, field by field, in hook order. */
export function checkDeclarations(d: CollectedDeclarations, ctx: DeclarationContext): Problem[] {
  const problems: Problem[] = [];
  const env = ctx.env;
  const ambient = ctx.dataplaneMode === DataplaneMode.AMBIENT;
  const bad = (hook: string, path: string, value: unknown, message: string, fix: string) => {
    problems.push({ field: `${ctx.field(hook)}${path}`, value, message, fix });
  };
  const list = <T>(hook: string, value: T[]): T[] => {
    if (Array.isArray(value)) return value;
    bad(hook, '', value, 'must return an array', 'return a list (empty for none)');
    return [];
  };
  const duplicates = (hook: string, names: string[], what: string) => {
    for (const n of sortedUnique(names.filter((x, i) => names.indexOf(x) !== i))) bad(hook, '', n, `declares ${what} '${n}' twice`, 'keep one');
  };

  // services
  const services = list('services', d.services);
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

  // routes
  const routes = list('routes', d.routes);
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

  // callers
  const callers = list('callers', d.callers);
  callers.forEach((c, i) => {
    if (c?.namespace === '*' || c?.serviceAccount === '*')
      bad('callers', `[${i}]`, c, 'uses a wildcard: it would allow every workload', 'name the namespace and ServiceAccount of each caller');
    else {
      if (!isDnsLabel(c?.namespace)) bad('callers', `[${i}].namespace`, c?.namespace, 'is not a valid namespace name', 'use the caller namespace');
      if (!isDnsSubdomain(c?.serviceAccount))
        bad('callers', `[${i}].serviceAccount`, c?.serviceAccount, 'is not a valid ServiceAccount name', "use the caller pods' ServiceAccount");
    }
    (c?.services ?? []).forEach((s, j) => knownService('callers', `[${i}].services[${j}]`, s));
    if (c?.services && c.services.length === 0)
      bad(
        'callers',
        `[${i}].services`,
        c.services,
        'is empty: the caller would reach nothing',
        'list the Services it calls, or omit the field for all',
      );
  });

  // dependencies
  const dependencies = list('dependencies', d.dependencies);
  dependencies.forEach((dep, i) => {
    if (!isDnsLabel(dep?.namespace))
      bad('dependencies', `[${i}].namespace`, dep?.namespace, 'is not a valid namespace name', 'name the namespace called');
    (dep?.ports ?? []).forEach((p, j) => {
      if (!isPort(p)) bad('dependencies', `[${i}].ports[${j}]`, p, 'is not a port number', 'use 1 to 65535');
    });
  });
  duplicates(
    'dependencies',
    dependencies.map(dep => dep?.namespace),
    'dependency',
  );

  // externalHosts
  const externalHosts = list('externalHosts', d.externalHosts);
  externalHosts.forEach((h, i) => {
    if (!isDomainName(h?.host))
      bad('externalHosts', `[${i}].host`, h?.host, 'is not a DNS name (wildcards are not allowed)', 'give the exact host, e.g. api.stripe.com');
    if (!isPort(h?.port)) bad('externalHosts', `[${i}].port`, h?.port, 'is not a port number', 'use 1 to 65535');
    if (!Object.values(ExternalProtocol).includes(h?.protocol))
      bad(
        'externalHosts',
        `[${i}].protocol`,
        h?.protocol,
        `must be one of ${Object.values(ExternalProtocol).join(', ')}`,
        'use ExternalProtocol.TLS for HTTPS APIs reached by the app itself',
      );
    (h?.cidrs ?? []).forEach((c, j) => {
      if (!CIDR.test(c)) bad('externalHosts', `[${i}].cidrs[${j}]`, c, 'is not an IPv4 CIDR', 'e.g. 203.0.113.0/24');
      else if (c.endsWith('/0'))
        bad(
          'externalHosts',
          `[${i}].cidrs[${j}]`,
          c,
          'opens every address',
          'omit cidrs to allow public addresses only, or list the provider ranges',
        );
    });
  });
  duplicates(
    'externalHosts',
    externalHosts.map(h => `${h?.host}:${h?.port}`),
    'host and port',
  );

  // waypoint (ambient profiles only)
  const waypoint = waypointWithDefaults(d.waypoint);
  if (waypoint && (!isDnsLabel(waypoint.name) || waypoint.name === 'none'))
    bad('waypoint', '.name', waypoint.name, 'is not a valid waypoint name', "use a DNS label other than 'none'");
  if (waypoint && declared.has(waypoint.name))
    bad('waypoint', '.name', waypoint.name, 'is also the name of a declared Service', 'name the waypoint differently');

  // l7Policies
  const l7Policies = list('l7Policies', d.l7Policies);
  l7Policies.forEach((p, i) => {
    if (!isDnsLabel(p?.name) || PROFILE_POLICY_NAMES.includes(p?.name))
      bad('l7Policies', `[${i}].name`, p?.name, 'is not a valid or free policy name', 'use a DNS label not used by the profile');
    if (!Array.isArray(p?.services) || p.services.length === 0)
      bad('l7Policies', `[${i}].services`, p?.services, 'must name at least one declared Service', 'list the Services the policy protects');
    (p?.services ?? []).forEach((s, j) => knownService('l7Policies', `[${i}].services[${j}]`, s));
    if (p?.action !== undefined && !Object.values(PolicyAction).includes(p.action))
      bad('l7Policies', `[${i}].action`, p.action, 'must be ALLOW or DENY', 'use PolicyAction.ALLOW or PolicyAction.DENY');
    (p?.from?.workloads ?? []).forEach((w, j) => {
      if (!isDnsLabel(w?.namespace) || !isDnsSubdomain(w?.serviceAccount))
        bad(
          'l7Policies',
          `[${i}].from.workloads[${j}]`,
          w,
          'is not a namespace and ServiceAccount (wildcards are not allowed)',
          'name the namespace and ServiceAccount of each caller',
        );
    });
    (p?.to?.methods ?? []).forEach((m, j) => {
      if (!HTTP_METHODS.includes(m))
        bad('l7Policies', `[${i}].to.methods[${j}]`, m, 'is not an HTTP method', `use one of ${HTTP_METHODS.join(', ')}`);
    });
    (p?.to?.paths ?? []).forEach((path, j) => {
      if (typeof path !== 'string' || !path.startsWith('/'))
        bad('l7Policies', `[${i}].to.paths[${j}]`, path, "must start with '/'", 'give an absolute path, optionally ending in *');
      else if (misplacedPathWildcard(path)) {
        bad(
          'l7Policies',
          `[${i}].to.paths[${j}]`,
          path,
          "has a '*' that is neither the first nor the last character: Istio matches it literally, so the path matches no request",
          `end the path with '*' (a prefix), or use a path template such as '${path.replace(/\*+/g, '{*}')}' ({*} is one segment, {**} the rest)`,
        );
      }
    });
    (p?.when ?? []).forEach((w, j) => {
      if (!w?.key || !Array.isArray(w.values) || w.values.length === 0)
        bad(
          'l7Policies',
          `[${i}].when[${j}]`,
          w,
          'needs a key and at least one value',
          'e.g. { key: "request.auth.claims[groups]", values: ["admins"] }',
        );
    });
    const hasSource = !!(p?.from?.workloads?.length || p?.from?.ingressGateway || p?.from?.requestPrincipals?.length);
    if (isAllow(p) && !hasSource)
      bad('l7Policies', `[${i}].from`, p?.from, 'allows any source', 'name workloads, the ingress gateway or request principals');
    if (ambient && !waypoint)
      bad(
        'l7Policies',
        `[${i}]`,
        p?.name,
        'needs a waypoint: ztunnel enforces L4 only and would turn this ALLOW into deny-all (or a DENY into a wider deny)',
        ctx.addWaypoint,
      );
    if (ambient && waypoint) l7ReachesWaypoint(p, i, waypoint.ingressThroughWaypoint, callers, ctx, bad);
  });
  duplicates(
    'l7Policies',
    l7Policies.map(p => p?.name),
    'policy',
  );

  // A route the ingress gateway may only use through L7 ALLOW policies must be allowed on every
  // path it sends, or part of it answers 403.
  const gatewayL7 = l7Policies.filter(p => isAllow(p) && p?.from?.ingressGateway);
  routes.forEach((r, i) =>
    (r?.rules ?? []).forEach((rule, j) => {
      const governing = gatewayL7.filter(p => (p.services ?? []).includes(rule?.service));
      if (governing.length === 0 || governing.some(p => !p.to?.paths?.length)) return;
      const prefix = rule.pathPrefix ?? '/';
      const paths = sortedUnique(governing.flatMap(p => p.to!.paths!));
      if (!coversRoutePrefix(paths, prefix)) {
        const below = prefix.endsWith('/') ? `${prefix}*` : `${prefix}/*`;
        bad(
          'routes',
          `[${i}].rules[${j}].pathPrefix`,
          prefix,
          `sends requests to ${rule.service}, where the ingress gateway is admitted only by ${governing.map(p => p.name).join(', ')} on paths ${paths.join(', ')}: part of the route would answer 403 (a policy path '${below}' does not match '${prefix}' itself)`,
          `allow both '${prefix}' and '${below}' in the L7 policy, or change the route prefix to what the policy allows`,
        );
      }
    }),
  );

  // jwtRules
  const jwtServices = sortedUnique(l7Policies.filter(readsJwt).flatMap(p => p?.services ?? []));
  const jwtRules = list('jwtRules', d.jwtRules);
  jwtRules.forEach((r, i) => {
    if (typeof r?.issuer !== 'string' || r.issuer.length === 0)
      bad('jwtRules', `[${i}].issuer`, r?.issuer, 'must not be empty', 'give the iss claim of accepted tokens');
    if (typeof r?.jwksUri !== 'string' || !/^https:\/\/[^\s/]+\/\S*$/.test(r.jwksUri))
      bad('jwtRules', `[${i}].jwksUri`, r?.jwksUri, 'must be an https URL', "give the issuer's JWKS URL");
    if (ambient && !waypoint) bad('jwtRules', `[${i}]`, r?.issuer, 'needs a waypoint: ztunnel cannot validate JWTs', ctx.addWaypoint);
    if (r?.forwardOriginalToken !== undefined && typeof r.forwardOriginalToken !== 'boolean')
      bad('jwtRules', `[${i}].forwardOriginalToken`, r.forwardOriginalToken, 'must be true or false', 'return a boolean');
    (r?.services ?? []).forEach((svc, j) => knownService('jwtRules', `[${i}].services[${j}]`, svc));
    if (r?.services !== undefined && r.services.length === 0)
      bad(
        'jwtRules',
        `[${i}].services`,
        r.services,
        'is empty: no request would be checked against this issuer',
        'list the Services, or omit the field for those whose L7 policies read the JWT',
      );
    if (r?.services === undefined && jwtServices.length === 0) {
      bad(
        'jwtRules',
        `[${i}]`,
        r?.issuer,
        'applies to no Service: no L7 policy reads a JWT (requestPrincipals or a request.auth. condition), and the rule names no services',
        `require the token in ${ctx.written('l7Policies')}, or list the Services in services`,
      );
    }
  });
  duplicates(
    'jwtRules',
    jwtRules.map(r => r?.issuer),
    'issuer',
  );

  // trafficPolicies
  const trafficPolicies = list('trafficPolicies', d.trafficPolicies);
  trafficPolicies.forEach((tp, i) => {
    knownService('trafficPolicies', `[${i}].service`, tp?.service);
    const tlsModes: Array<[string, string | undefined]> = [['.trafficPolicy.tls.mode', tp?.trafficPolicy?.tls?.mode]];
    (tp?.trafficPolicy?.portLevelSettings ?? []).forEach((pl, j) => tlsModes.push([`.trafficPolicy.portLevelSettings[${j}].tls.mode`, pl.tls?.mode]));
    for (const [path, mode] of tlsModes) {
      if (mode !== undefined && mode !== 'ISTIO_MUTUAL')
        bad(
          'trafficPolicies',
          `[${i}]${path}`,
          mode,
          'would replace Istio mTLS to an in-mesh Service',
          'remove tls (auto-mTLS applies) or set ISTIO_MUTUAL',
        );
    }
  });
  duplicates(
    'trafficPolicies',
    trafficPolicies.map(tp => tp?.service),
    'traffic policy for',
  );

  if (!Object.values(PodSecurityLevel).includes(d.podSecurityLevel))
    bad(
      'podSecurityLevel',
      '',
      d.podSecurityLevel,
      'is not a Pod Security Standards level',
      'use PodSecurityLevel.RESTRICTED, BASELINE or PRIVILEGED',
    );

  for (const [k, v] of Object.entries(d.namespaceLabels)) {
    if (RESERVED_LABEL_PREFIXES.some(prefix => k.startsWith(prefix)))
      bad(
        'namespaceLabels',
        `['${k}']`,
        v,
        'sets a label the profile owns (mesh enrolment, Pod Security, library labels)',
        'remove it; use the matching hook or the environment config',
      );
    else if (!isLabelKey(k) || !isLabelValue(v))
      bad('namespaceLabels', `['${k}']`, v, 'is not a valid label', 'use Kubernetes label keys and values');
  }

  checkTelemetry(d.telemetry, ambient && !waypoint, ctx, bad);
  return problems;
}

/** The declarations with their defaults: the waypoint's name and path, each JWT rule's Services. */
export function resolveDeclarations(d: CollectedDeclarations): ResolvedDeclarations {
  const jwtServices = sortedUnique(d.l7Policies.filter(readsJwt).flatMap(p => p.services));
  return {
    ...d,
    waypoint: waypointWithDefaults(d.waypoint),
    jwtRules: d.jwtRules.map(r => ({ ...r, services: sortedUnique(r.services ?? jwtServices) })),
  };
}

function waypointWithDefaults(wp: WaypointOptions | undefined): Required<WaypointOptions> | undefined {
  return wp ? { name: wp.name ?? 'waypoint', ingressThroughWaypoint: wp.ingressThroughWaypoint ?? true } : undefined;
}

type Bad = (hook: string, path: string, value: unknown, message: string, fix: string) => void;

/**
 * With a waypoint, L7 rules are enforced only at the waypoint (they attach with `targetRefs`), so
 * they can only govern requests that pass it: ambient clients and the ingress gateway when it
 * goes through the waypoint. A sidecar, or the gateway without `ingressThroughWaypoint`, sends
 * straight to the pods (`pilot/pkg/xds/endpoints/endpoint_builder.go`, `findServiceWaypoint`):
 * an ALLOW for it never admits anything, and a DENY never stops it.
 */
function l7ReachesWaypoint(
  p: L7PolicyDeclaration,
  i: number,
  ingressThroughWaypoint: boolean,
  callers: readonly CallerDeclaration[],
  ctx: DeclarationContext,
  bad: Bad,
): void {
  const deny = p.action === PolicyAction.DENY;
  const effect = deny ? 'this DENY would never stop it' : 'this ALLOW would never admit it';
  (p.from?.workloads ?? []).forEach((w, j) => {
    const path = ctx.callerPath(w?.namespace, w?.dataplane);
    if (path === CallerPath.WAYPOINT) return;
    const why =
      path === CallerPath.DIRECT
        ? `runs with sidecars, which send straight to the pods and never through the waypoint where L7 rules are enforced, so ${effect}`
        : `has no known dataplane, so its requests may bypass the waypoint where L7 rules are enforced (sidecars do), and ${effect}`;
    bad(
      'l7Policies',
      `[${i}].from.workloads[${j}]`,
      w,
      why,
      path === CallerPath.DIRECT
        ? `grant it at L4 with ${ctx.written('callers')} (all ports of the Service), or move namespace ${w.namespace} to ambient`
        : `declare dataplane: DataplaneMode.AMBIENT if it is an ambient workload, or grant it at L4 with ${ctx.written('callers')}`,
    );
  });
  if (p.from?.ingressGateway && !ingressThroughWaypoint) {
    bad(
      'l7Policies',
      `[${i}].from.ingressGateway`,
      true,
      `needs the ingress gateway to go through the waypoint, but ${ctx.written('waypoint')}.ingressThroughWaypoint is false, so ${deny ? 'this DENY would never stop it' : 'every routed request would be denied'}`,
      `remove ingressThroughWaypoint: false from ${ctx.field('waypoint')}`,
    );
  }
  if (deny) {
    // A DENY on a Service cannot hold for callers that reach its pods without the waypoint.
    const around = callers.filter(
      c => (!c.services || (p.services ?? []).some(s => c.services!.includes(s))) && ctx.callerPath(c.namespace, c.dataplane) !== CallerPath.WAYPOINT,
    );
    if (around.length > 0) {
      bad(
        'l7Policies',
        `[${i}]`,
        p.name,
        `is enforced at the waypoint only, but ${ctx.written('callers')} admits ${around.map(c => `${c.namespace}/${c.serviceAccount}`).join(', ')}, whose requests reach the pods without it (sidecars or an unknown dataplane): the DENY would not apply to them`,
        `move those callers to ambient (or declare their dataplane), or remove them from ${ctx.written('callers')}`,
      );
    }
  }
}

/** Telemetry overrides: known fields, sane values, and a waypoint to apply them in ambient mode. */
function checkTelemetry(telemetry: TelemetryOverrides | undefined, needsWaypoint: boolean, ctx: DeclarationContext, bad: Bad): void {
  if (telemetry === undefined) return;
  if (typeof telemetry !== 'object' || telemetry === null || Array.isArray(telemetry)) {
    bad(
      'telemetry',
      '',
      telemetry,
      'must return an object or undefined',
      'return { samplingPercentage, accessLogging, customTags } with the fields to change',
    );
    return;
  }
  const known = ['samplingPercentage', 'accessLogging', 'customTags'];
  for (const k of Object.keys(telemetry))
    if (!known.includes(k))
      bad(
        'telemetry',
        `.${k}`,
        (telemetry as Record<string, unknown>)[k],
        'is not a telemetry setting a namespace may change',
        `use ${known.join(', ')}`,
      );
  const pct = telemetry.samplingPercentage;
  if (pct !== undefined && (typeof pct !== 'number' || !(pct >= 0 && pct <= 100)))
    bad('telemetry', '.samplingPercentage', pct, 'must be a percentage from 0 to 100', 'e.g. 10 for one request in ten');
  if (telemetry.accessLogging !== undefined && typeof telemetry.accessLogging !== 'boolean')
    bad('telemetry', '.accessLogging', telemetry.accessLogging, 'must be true or false', 'return a boolean');
  for (const [k, v] of Object.entries(telemetry.customTags ?? {})) {
    if (!TAG_KEY.test(k))
      bad('telemetry', `.customTags['${k}']`, k, 'is not a valid tag name', 'use letters, digits, _ . and -, at most 63 characters');
    else if (k === 'cluster' || k === 'environment')
      bad('telemetry', `.customTags['${k}']`, v, 'is set by the platform for every span', 'use another tag name');
    if (typeof v !== 'string' || v.length === 0 || v.length > 256)
      bad('telemetry', `.customTags['${k}']`, v, 'must be a non-empty string of at most 256 characters', 'give the literal value of the tag');
  }
  if (needsWaypoint) {
    bad(
      'telemetry',
      '',
      telemetry,
      'needs a waypoint: in ambient mode ztunnel emits no spans and no HTTP access logs, so only a waypoint can apply it',
      `${ctx.addWaypoint}, or remove ${ctx.written('telemetry')}`,
    );
  }
}
