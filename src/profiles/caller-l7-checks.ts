/**
 * The checks of who may call: `callers()` (L4), the waypoint's name, `l7Policies()` (methods,
 * paths, sources, and whether the requests they govern pass the waypoint that enforces them), and
 * the routes the ingress gateway may use only through L7 policies.
 */
import { CallerPath } from '../profiles/namespace-authorization';
import { coversRoutePrefix } from '../core/http-paths';
import { isDnsLabel, isDnsSubdomain } from '../core/names';
import { CallerDeclaration, L7PolicyDeclaration, PolicyAction, RouteDeclaration, WaypointOptions } from './types';
import { Bad, DeclarationContext, DeclarationKit, isAllow, sortedUnique } from './declaration-kit';
import { waypointWithDefaults } from './declaration-defaults';
import { DeclaredServices } from './service-route-checks';

const HTTP_METHODS = ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'];
const PROFILE_POLICY_NAMES = ['default-deny', 'allow-waypoint', 'waypoint-default-deny'];

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

/** The problems of `callers()`; returns the callers for the L7 checks. */
export function checkCallers(kit: DeclarationKit, value: CallerDeclaration[], { knownService }: DeclaredServices): CallerDeclaration[] {
  const { bad, list } = kit;
  const callers = list('callers', value);
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
  return callers;
}

/** The problems of `waypoint()`; returns the waypoint with its defaults, if any. */
export function checkWaypoint(
  kit: DeclarationKit,
  value: WaypointOptions | undefined,
  { declared }: DeclaredServices,
): Required<WaypointOptions> | undefined {
  const { bad } = kit;
  // waypoint (ambient profiles only)
  const waypoint = waypointWithDefaults(value);
  if (waypoint && (!isDnsLabel(waypoint.name) || waypoint.name === 'none'))
    bad('waypoint', '.name', waypoint.name, 'is not a valid waypoint name', "use a DNS label other than 'none'");
  if (waypoint && declared.has(waypoint.name))
    bad('waypoint', '.name', waypoint.name, 'is also the name of a declared Service', 'name the waypoint differently');
  return waypoint;
}

/** What the L7 checks need from the other hooks. */
export interface L7Context {
  readonly ambient: boolean;
  readonly waypoint: Required<WaypointOptions> | undefined;
  readonly callers: readonly CallerDeclaration[];
  readonly services: DeclaredServices;
}

/** The problems of `l7Policies()`; returns the policies for the checks across hooks. */
export function checkL7Policies(
  kit: DeclarationKit,
  value: L7PolicyDeclaration[],
  { ambient, waypoint, callers, services }: L7Context,
): L7PolicyDeclaration[] {
  const { ctx, bad, list, duplicates } = kit;
  const { knownService } = services;
  // l7Policies
  const l7Policies = list('l7Policies', value);
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
  return l7Policies;
}

/**
 * A route the ingress gateway may only use through L7 ALLOW policies must be allowed on every
 * path it sends, or part of it answers 403.
 */
export function checkRouteCoverage(kit: DeclarationKit, routes: readonly RouteDeclaration[], l7Policies: readonly L7PolicyDeclaration[]): void {
  const { bad } = kit;
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
}

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
