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

/** Record the route hosts a profile declared, for {@link appWideProblems}. */
export function recordRouteHosts(profile: AppProfile, hosts: ReadonlyArray<readonly [string, string]>): void {
  ROUTE_HOSTS.set(profile, hosts);
}

const classOf = (p: AppProfile) => p.constructor.name || 'NamespaceProfile';

/**
 * Checks across the profiles of one app: one profile per namespace, and each route host claimed
 * once. Reported on the later profile, naming the earlier one.
 *
 * @param routesField where the profile's routes are reported (`Payments.routes()`)
 */
export function appWideProblems<P extends AppProfile>(profile: P, profiles: AppProfiles<P>, routesField: string): Problem[] {
  const problems: Problem[] = [];
  const earlier = profiles.list.slice(0, profiles.list.indexOf(profile));
  const sameNamespace = earlier.find(p => p.namespace === profile.namespace);
  if (sameNamespace) {
    problems.push({
      field: 'namespace',
      value: profile.namespace,
      message: `is also the namespace of profile '${sameNamespace.node.path}' (${classOf(sameNamespace)}): one profile's policies would overwrite the other's`,
      fix: 'give each namespace one profile class: register each class once in the team registry (TEAMS), under its own namespace',
    });
  }
  const hostsOf = (p: AppProfile) => ROUTE_HOSTS.get(p) ?? [];
  for (const [host, route] of hostsOf(profile)) {
    const other = earlier.find(p => p !== profile && hostsOf(p).some(([h]) => h === host));
    if (other) {
      const otherRoute = hostsOf(other).find(([h]) => h === host)![1];
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
