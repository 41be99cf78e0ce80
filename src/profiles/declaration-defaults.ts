/**
 * The defaults applied to declarations that passed the checks: the waypoint's name and path, and
 * the Services each JWT rule applies to.
 */
import { WaypointOptions } from './types';
import { CollectedDeclarations, readsJwt, ResolvedDeclarations, sortedUnique } from './declaration-kit';

/** The declarations with their defaults: the waypoint's name and path, each JWT rule's Services. */
export function resolveDeclarations(d: CollectedDeclarations): ResolvedDeclarations {
  const jwtServices = sortedUnique(d.l7Policies.filter(readsJwt).flatMap(p => p.services));
  return {
    ...d,
    waypoint: waypointWithDefaults(d.waypoint),
    jwtRules: d.jwtRules.map(r => ({ ...r, services: sortedUnique(r.services ?? jwtServices) })),
  };
}

/** The waypoint options with their defaults (`waypoint`, through the waypoint), if any. */
export function waypointWithDefaults(wp: WaypointOptions | undefined): Required<WaypointOptions> | undefined {
  return wp ? { name: wp.name ?? 'waypoint', ingressThroughWaypoint: wp.ingressThroughWaypoint ?? true } : undefined;
}
