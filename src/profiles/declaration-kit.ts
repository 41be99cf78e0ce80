/**
 * What the declaration checks share: the declarations as collected and as resolved, the context
 * they are checked in, the kit every check reports through (a problem under the hook's field, the
 * array and duplicate checks), and the small predicates several checks use.
 */
import { ResolvedEnvironment } from '../config/resolve-environment';
import { CallerPath } from '../profiles/namespace-authorization';
import { TelemetryOverrides } from '../constructs/mesh-telemetry';
import { byCodePoint } from '../core/sort';
import { Problem } from '../core/problem';
import {
  CallerDeclaration,
  DataplaneMode,
  DependencyDeclaration,
  ExternalHostDeclaration,
  JwtRuleDeclaration,
  L7PolicyDeclaration,
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

/** Declarations that passed `checkDeclarations`, with their defaults applied. */
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

/** Reports a problem of a hook's value at `path` below it (e.g. `[0].name`). */
export type Bad = (hook: string, path: string, value: unknown, message: string, fix: string) => void;

/** What a check reports through. */
export interface DeclarationKit {
  readonly ctx: DeclarationContext;
  readonly bad: Bad;
  /** The hook's value if it is an array; else a problem and an empty list. */
  readonly list: <T>(hook: string, value: T[]) => T[];
  /** A problem for each name given more than once. */
  readonly duplicates: (hook: string, names: string[], what: string) => void;
}

/** A kit that appends its problems to `problems`. */
export function declarationKit(ctx: DeclarationContext, problems: Problem[]): DeclarationKit {
  const bad: Bad = (hook, path, value, message, fix) => {
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
  return { ctx, bad, list, duplicates };
}

export const sortedUnique = (items: Iterable<string>) => [...new Set(items)].sort(byCodePoint);
export const isPort = (p: unknown): p is number => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
export const isAllow = (p: L7PolicyDeclaration) => (p?.action ?? PolicyAction.ALLOW) === PolicyAction.ALLOW;
export const readsJwt = (p: L7PolicyDeclaration) =>
  !!p?.from?.requestPrincipals?.length || (p?.when ?? []).some(w => String(w?.key).startsWith('request.auth.'));
