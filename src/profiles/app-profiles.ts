/**
 * The namespace profiles of one app (one environment), looked up once: by namespace (for the
 * dataplane of a caller), and the checks across them (one profile per namespace, each route host
 * claimed once).
 */
import { Construct, IConstruct } from 'constructs';
import { Problem } from '../core/problem';

/** What the app-wide checks read of a profile. */
export interface AppProfile extends IConstruct {
  readonly namespace: string;
}

/** The profiles of one app, in construction order and by namespace. */
export interface AppProfiles<P extends AppProfile> {
  readonly list: readonly P[];
  readonly byNamespace: ReadonlyMap<string, P>;
}

/** Built once per app, at the first lookup (when the profiles render, after every one exists). */
const PROFILES_BY_APP = new WeakMap<object, AppProfiles<AppProfile>>();
/** Route hosts each profile declared (host, route name), once its hooks have run. */
const ROUTE_HOSTS = new WeakMap<AppProfile, ReadonlyArray<readonly [string, string]>>();

/** Every profile of the app `scope` belongs to (the root's children that `isProfile` accepts). */
export function appProfiles<P extends AppProfile>(scope: Construct, isProfile: (x: unknown) => x is P): AppProfiles<P> {
  const root = scope.node.root;
  let profiles = PROFILES_BY_APP.get(root) as AppProfiles<P> | undefined;
  if (!profiles) {
    const list = root.node.children.filter(isProfile);
    profiles = { list, byNamespace: new Map(list.map(p => [p.namespace, p])) };
    PROFILES_BY_APP.set(root, profiles);
  }
  return profiles;
}

/** Where each profile stands among the app's, and the first of them to claim each namespace and route host. */
interface FirstClaims {
  readonly index: ReadonlyMap<AppProfile, number>;
  readonly namespace: ReadonlyMap<string, AppProfile>;
  /** The first profile (in construction order) with a route of the host, and the name of its first such route. */
  readonly host: ReadonlyMap<string, readonly [AppProfile, string]>;
}

/** Built at the first {@link appWideProblems} of an app (after every hook has run); dropped when hosts are recorded again. */
const FIRST_CLAIMS = new WeakMap<AppProfiles<AppProfile>, FirstClaims>();

/** Record the route hosts a profile declared, for {@link appWideProblems}. */
export function recordRouteHosts(profile: AppProfile, hosts: ReadonlyArray<readonly [string, string]>): void {
  ROUTE_HOSTS.set(profile, hosts);
  const profiles = PROFILES_BY_APP.get(profile.node.root);
  if (profiles) FIRST_CLAIMS.delete(profiles);
}

const hostsOf = (p: AppProfile) => ROUTE_HOSTS.get(p) ?? [];

/** One pass over the profiles, so that the checks across them stay linear in their number. */
function firstClaimsOf(profiles: AppProfiles<AppProfile>): FirstClaims {
  let claims = FIRST_CLAIMS.get(profiles);
  if (!claims) {
    const index = new Map<AppProfile, number>();
    const namespace = new Map<string, AppProfile>();
    const host = new Map<string, readonly [AppProfile, string]>();
    profiles.list.forEach((p, i) => {
      index.set(p, i);
      if (!namespace.has(p.namespace)) namespace.set(p.namespace, p);
      for (const [h, route] of hostsOf(p)) if (!host.has(h)) host.set(h, [p, route]);
    });
    claims = { index, namespace, host };
    FIRST_CLAIMS.set(profiles, claims);
  }
  return claims;
}

const classOf = (p: AppProfile) => p.constructor.name || 'NamespaceProfile';

/**
 * Checks across the profiles of one app: one profile per namespace, and each route host claimed
 * once. Reported on the later profile, naming the earliest one.
 *
 * @param routesField where the profile's routes are reported (`Payments.routes()`)
 */
export function appWideProblems<P extends AppProfile>(profile: P, profiles: AppProfiles<P>, routesField: string): Problem[] {
  const problems: Problem[] = [];
  const claims = firstClaimsOf(profiles);
  // A profile that is not a child of the app's root comes after every one that is.
  const at = claims.index.get(profile) ?? profiles.list.length;
  // Every profile the claims name is in the list, so it has an index.
  const earlier = (p: AppProfile | undefined): p is AppProfile => p !== undefined && p !== profile && claims.index.get(p)! < at;
  const sameNamespace = claims.namespace.get(profile.namespace);
  if (earlier(sameNamespace)) {
    problems.push({
      field: 'namespace',
      value: profile.namespace,
      message: `is also the namespace of profile '${sameNamespace.node.path}' (${classOf(sameNamespace)}): one profile's policies would overwrite the other's`,
      fix: 'give each namespace one profile class: register each class once in the team registry (TEAMS), under its own namespace',
    });
  }
  for (const [host, route] of hostsOf(profile)) {
    const first = claims.host.get(host);
    if (first && earlier(first[0])) {
      const [other, otherRoute] = first;
      problems.push({
        field: routesField,
        value: host,
        message: `is a host of route '${route}', and also of route '${otherRoute}' in namespace ${other.namespace} (${classOf(other)}): the gateway would send it to one of them only`,
        fix: 'give each host to one team; split by path under one route if both serve parts of it',
      });
    }
  }
  return problems;
}
