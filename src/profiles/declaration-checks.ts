/**
 * The validation of a namespace's declarations: a pure function from what the hooks (or the
 * `declarations` prop) returned, and the environment, to problems, in hook order. The checks of
 * each kind of declaration live beside it (`service-route-checks.ts`, `caller-l7-checks.ts`,
 * `jwt-external-traffic-checks.ts`, `namespace-setting-checks.ts`), their shared types and kit in
 * `declaration-kit.ts`, and the defaults applied to declarations that passed in
 * `declaration-defaults.ts`. No constructs: the profile collects the values and reports.
 */
import { closestName } from '../core/closest';
import { byCodePoint } from '../core/sort';
import { Problem } from '../core/problem';
import { DataplaneMode, NamespaceDeclarations } from './types';
import { CollectedDeclarations, DeclarationContext, declarationKit } from './declaration-kit';
import { checkRoutes, checkServices } from './service-route-checks';
import { checkCallers, checkL7Policies, checkRouteCoverage, checkWaypoint } from './caller-l7-checks';
import { checkDependencies, checkExternalHosts, checkJwtRules, checkTrafficPolicies } from './jwt-external-traffic-checks';
import { checkNamespaceLabels, checkPodSecurityLevel, checkTelemetry } from './namespace-setting-checks';

export type { CollectedDeclarations, DeclarationContext, ResolvedDeclarations } from './declaration-kit';
export { resolveDeclarations } from './declaration-defaults';
export { misplacedPathWildcard } from './caller-l7-checks';

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
  const kit = declarationKit(ctx, problems);
  const ambient = ctx.dataplaneMode === DataplaneMode.AMBIENT;
  const services = checkServices(kit, d.services);
  const routes = checkRoutes(kit, d.routes, services);
  const callers = checkCallers(kit, d.callers, services);
  checkDependencies(kit, d.dependencies);
  checkExternalHosts(kit, d.externalHosts);
  const waypoint = checkWaypoint(kit, d.waypoint, services);
  const l7Policies = checkL7Policies(kit, d.l7Policies, { ambient, waypoint, callers, services });
  checkRouteCoverage(kit, routes, l7Policies);
  checkJwtRules(kit, d.jwtRules, l7Policies, ambient && !waypoint, services);
  checkTrafficPolicies(kit, d.trafficPolicies, services);
  checkPodSecurityLevel(kit, d.podSecurityLevel);
  checkNamespaceLabels(kit, d.namespaceLabels);
  checkTelemetry(kit, d.telemetry, ambient && !waypoint);
  return problems;
}
