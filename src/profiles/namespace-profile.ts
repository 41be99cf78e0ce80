/**
 * `NamespaceProfile`: the hook API app teams extend (through the ambient and sidecar profiles),
 * the `declarations` prop the hooks default to, and the profile's lifecycle: call the hooks,
 * check what they returned (`declaration-checks.ts`), render (`render-workloads.ts`,
 * `render-routing.ts`, `NamespaceAuthorization`), and the checks across the profiles of one app.
 * One file: the hooks and the lifecycle that calls them are one class; each step it delegates to
 * already lives in its own file.
 */
import { Construct } from 'constructs';
import { MtlsMode } from '../config/environment-config';
import { ResolvedEnvironment } from '../config/resolve-environment';
import { TelemetryOverrides } from '../constructs/mesh-telemetry';
import { CallerPath, NamespaceAuthorization } from './namespace-authorization';
import { Labels } from '../core/labels';
import { ChartLayer, MeshChart } from '../constructs/mesh-chart';
import { isDnsLabel, isLabelValue } from '../core/names';
import { addCheck, addPrepare } from '../constructs/checks';
import { appProfiles, appWideProblems, recordRouteHosts } from './app-profiles';
import { checkDeclarations, checkDeclarationsProp, CollectedDeclarations, ResolvedDeclarations, resolveDeclarations } from './declaration-checks';
import { HookCalls, LIBRARY_PROFILE } from './hook-calls';
import { extraResourceProblems, hookNameProblems } from './profile-checks';
import { renderDataplane, renderNamespace, renderNetworkPolicies, RenderedNamespace, routedTargetPorts } from './render-workloads';
import { renderRouting } from './render-routing';
import {
  CallerDeclaration,
  DataplaneMode,
  DependencyDeclaration,
  ExternalHostDeclaration,
  JwtRuleDeclaration,
  L7PolicyDeclaration,
  NamespaceDeclarations,
  PodSecurityLevel,
  RouteDeclaration,
  ServiceDeclaration,
  TrafficPolicyDeclaration,
  WaypointOptions,
} from './types';

export { misplacedPathWildcard } from './declaration-checks';

/** What a profile declared, checked and with defaults applied (see `NamespaceProfile.declared`). */
export type ProfileDeclarations = ResolvedDeclarations;
export { CLUSTER_SCOPED_KINDS, PROFILE_HOOKS } from './profile-checks';

/** Properties of a namespace profile. */
export interface NamespaceProfileProps {
  /** The environment. */
  readonly env: ResolvedEnvironment;
  /**
   * Namespace name.
   *
   * @default - the construct id
   */
  readonly namespace?: string;
  /**
   * Team name (the `mesh.eks-istio-mesh.io/team` label).
   *
   * @default - the namespace name
   */
  readonly team?: string;
  /**
   * What the namespace declares, as data: each field is what the hook of the same name returns
   * unless a subclass overrides that hook (an override wins; `super.<hook>()` returns the field).
   *
   * @default - nothing declared
   */
  readonly declarations?: NamespaceDeclarations;
}

const NAMESPACE_PROFILE = Symbol.for('eks-istio-mesh.NamespaceProfile');

const listOf = <T>(items: readonly T[] | undefined): T[] => (Array.isArray(items) ? [...items] : ((items ?? []) as T[]));
const isObject = (x: unknown): x is object => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * A zero-trust namespace. App teams get one in either of two ways, which can be mixed:
 * - extend {@link AmbientNamespaceProfile} or {@link SidecarNamespaceProfile} and override the
 *   `protected` hooks (they may compute from `this.env`);
 * - or construct one of those classes with `declarations`, the same data as one object.
 *
 * Each hook of the base returns the field of `declarations` with its name, so a hook a subclass
 * overrides wins over that field (call `super.<hook>()` to extend it). This class owns the
 * invariants and validates whatever a hook returns, naming the class and the hook in errors (or
 * the `declarations` field, for a profile built from the prop).
 *
 * Every profile emits, in its own file `40-<namespace>.yaml`:
 * - the Namespace with its mesh labels (never both injection labels), Pod Security level and team;
 * - a PeerAuthentication with the namespace's mTLS mode;
 * - a deny-by-default AuthorizationPolicy, then exactly the allows the hooks declare (the ingress
 *   gateway to the Services its routes reach, declared callers, L7 policies);
 * - NetworkPolicies: default deny, then only the flows the mesh needs;
 * - VirtualServices for the routes on the shared gateway; ServiceEntries for external hosts;
 *   DestinationRules for traffic policies.
 *
 * Hooks run once, after construction (so they may read fields the subclass sets).
 */
export abstract class NamespaceProfile extends MeshChart {
  /** True when `x` is a namespace profile (works across copies of the library). */
  public static isNamespaceProfile(x: unknown): x is NamespaceProfile {
    return typeof x === 'object' && x !== null && NAMESPACE_PROFILE in x;
  }

  /** Namespace name; also the chart's default namespace for objects that set none. */
  public override readonly namespace: string;
  /** Team name. */
  public readonly team: string;
  /** mTLS mode of the namespace (its setting in the environment, else the mesh-wide mode). */
  public readonly mtlsMode: MtlsMode;
  /** How the team wants its pods to join the mesh: its profile class (ambient or sidecar). */
  public abstract readonly targetDataplaneMode: DataplaneMode;

  /**
   * Where the namespace stands in this environment: its `dataplane` setting in the environment
   * config (a migration state, possibly out of the mesh), else the target.
   */
  public get dataplaneMode(): DataplaneMode {
    return this.env.namespaces[this.namespace]?.dataplane ?? this.targetDataplaneMode;
  }

  /** The `declarations` prop: what the hooks return unless overridden. */
  protected readonly declarations: NamespaceDeclarations;

  /** Calls the hooks and collects the problems of what they return. */
  private readonly hooks: HookCalls;

  constructor(scope: Construct, id: string, props: NamespaceProfileProps) {
    const namespace = props.namespace ?? id;
    const team = props.team ?? namespace;
    super(scope, id, {
      env: props.env,
      layer: ChartLayer.NAMESPACES,
      fileName: namespace,
      labels: isLabelValue(team) ? { [Labels.TEAM]: team } : {},
    });
    Object.defineProperty(this, NAMESPACE_PROFILE, { value: true });
    this.namespace = namespace;
    this.team = team;
    this.mtlsMode = props.env.namespaces[namespace]?.mtlsMode ?? props.env.istio.mtlsMode;
    this.declarations = isObject(props.declarations) ? props.declarations : {};
    this.hooks = new HookCalls(this, props.declarations !== undefined);
    addCheck(this, () => [
      ...(isDnsLabel(namespace) ? [] : [{ field: 'namespace', value: namespace, message: 'is not a valid namespace name', fix: 'use a DNS label' }]),
      ...(isLabelValue(team) && team !== ''
        ? []
        : [{ field: 'team', value: team, message: 'is not a valid label value', fix: 'use at most 63 letters, digits, - _ and .' }]),
      ...checkDeclarationsProp(props.declarations, this.targetDataplaneMode),
      ...this.hooks.problems,
      ...appWideProblems(this, this.appProfiles(), this.hooks.fieldOf('routes')),
    ]);
    addPrepare(this, () => this.render());
  }

  // ---------------------------------------------------------------------------------------------
  // Hooks. Each returns data; the base validates it. The base implementations return the
  // `declarations` prop, so an override replaces that field of the prop (`super` reads it).

  /**
   * Override to declare the team's Services: their pod labels and ports. Routes, callers and
   * policies refer to Services by name, and authorization selects their pods.
   *
   * @returns the Services; the base returns `declarations.services` (none by default)
   */
  protected services(): ServiceDeclaration[] {
    return listOf(this.declarations.services);
  }

  /**
   * Override to expose Services on the shared ingress gateway. Each route becomes a VirtualService,
   * and the ingress gateway's principal is allowed to exactly the Services and ports routed to.
   *
   * @returns the routes; the base returns `declarations.routes` (nothing exposed by default)
   */
  protected routes(): RouteDeclaration[] {
    return listOf(this.declarations.routes);
  }

  /**
   * Override to allow workloads (namespace + ServiceAccount) to call the team's Services.
   *
   * @returns the callers; the base returns `declarations.callers` (none by default: deny)
   */
  protected callers(): CallerDeclaration[] {
    return listOf(this.declarations.callers);
  }

  /**
   * Override to declare the namespaces this namespace calls (Sidecar egress, NetworkPolicy egress).
   *
   * @returns the dependencies; the base returns `declarations.dependencies` (none by default)
   */
  protected dependencies(): DependencyDeclaration[] {
    return listOf(this.declarations.dependencies);
  }

  /**
   * Override to declare hosts outside the cluster that the namespace reaches (ServiceEntry,
   * NetworkPolicy egress).
   *
   * @returns the hosts; the base returns `declarations.externalHosts` (none by default)
   */
  protected externalHosts(): ExternalHostDeclaration[] {
    return listOf(this.declarations.externalHosts);
  }

  /**
   * Override to add HTTP-aware authorization (methods, paths, JWT principals). In ambient
   * namespaces this needs a waypoint; asking without one fails the synth.
   *
   * @returns the policies; the base returns `declarations.l7Policies` (none by default)
   */
  protected l7Policies(): L7PolicyDeclaration[] {
    return listOf(this.declarations.l7Policies);
  }

  /**
   * Override to accept JWTs from issuers (RequestAuthentication). A token is then validated when
   * present; require one with an L7 policy on `requestPrincipals`. Ambient needs a waypoint.
   *
   * @returns the issuers; the base returns `declarations.jwtRules` (none by default)
   */
  protected jwtRules(): JwtRuleDeclaration[] {
    return listOf(this.declarations.jwtRules);
  }

  /**
   * Override to give a declared Service a traffic policy (DestinationRule): sticky sessions,
   * outlier detection, connection pools. `tls.mode` may only be ISTIO_MUTUAL.
   *
   * @returns the policies; the base returns `declarations.trafficPolicies` (none by default)
   */
  protected trafficPolicies(): TrafficPolicyDeclaration[] {
    return listOf(this.declarations.trafficPolicies);
  }

  /**
   * Override to change the Pod Security Standards level enforced on the namespace.
   *
   * @returns the level; the base returns `declarations.podSecurityLevel`, else `restricted`
   */
  protected podSecurityLevel(): PodSecurityLevel {
    return this.declarations.podSecurityLevel ?? PodSecurityLevel.RESTRICTED;
  }

  /**
   * Override to add labels to the Namespace. Mesh, Pod Security and library labels are reserved.
   *
   * @returns the labels; the base returns `declarations.namespaceLabels` (none by default)
   */
  protected namespaceLabels(): Record<string, string> {
    return { ...(this.declarations.namespaceLabels ?? {}) };
  }

  /**
   * Override to change tracing (sampling, literal span tags) or access logging for this namespace;
   * fields left out keep the environment's setting. The provider stays the environment's.
   *
   * Sidecar namespaces get a namespace-wide Telemetry. Ambient namespaces need a waypoint: ztunnel
   * works at L4 and emits no spans or HTTP access logs, so the profile attaches the Telemetry to
   * the waypoint (`targetRefs`); an ambient namespace with a waypoint always gets one, with the
   * environment's settings when this hook returns nothing.
   *
   * @returns the overrides; the base returns `declarations.telemetry` (by default the environment's telemetry stays)
   */
  protected telemetry(): TelemetryOverrides | undefined {
    return this.declarations.telemetry;
  }

  /**
   * Override to add objects the library does not model (raw `ApiObject`s or imported classes) to
   * the namespace. Objects that set no namespace get this one; cluster-scoped kinds are refused.
   *
   * @param _scope where to define them
   */
  protected extraResources(_scope: Construct): void {
    // The base adds nothing.
  }

  /**
   * The waypoint of the namespace, if any. Only ambient profiles have one.
   *
   * @internal
   */
  protected _waypointOptions(): WaypointOptions | undefined {
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle.

  /** How requests of a workload in `namespace` travel (its profile, migration state or declaration). */
  private callerPath(namespace: string, declared?: DataplaneMode): CallerPath {
    const dataplane =
      namespace === this.namespace
        ? this.dataplaneMode
        : (this.appProfiles().byNamespace.get(namespace)?.dataplaneMode ?? this.env.namespaces[namespace]?.dataplane ?? declared);
    switch (dataplane) {
      case DataplaneMode.AMBIENT:
        return CallerPath.WAYPOINT;
      case DataplaneMode.SIDECAR:
        return CallerPath.DIRECT;
      default:
        return CallerPath.EITHER;
    }
  }

  private appProfiles() {
    return appProfiles(this, NamespaceProfile.isNamespaceProfile);
  }

  /** Call every hook and check what they return; the problems go to `hooks.problems`. */
  private collectDeclarations(): CollectedDeclarations {
    const hooks = this.hooks;
    hooks.problems.push(...hookNameProblems(this, NamespaceProfile.prototype, hooks.className, this.targetDataplaneMode));
    if (![DataplaneMode.AMBIENT, DataplaneMode.SIDECAR].includes(this.targetDataplaneMode)) {
      hooks.problem(
        'targetDataplaneMode',
        '',
        this.targetDataplaneMode,
        'is not a dataplane a profile can target',
        'extend AmbientNamespaceProfile or SidecarNamespaceProfile',
      );
    }
    const collected: CollectedDeclarations = {
      services: hooks.call('services', () => this.services(), []),
      routes: hooks.call('routes', () => this.routes(), []),
      callers: hooks.call('callers', () => this.callers(), []),
      dependencies: hooks.call('dependencies', () => this.dependencies(), []),
      externalHosts: hooks.call('externalHosts', () => this.externalHosts(), []),
      waypoint: hooks.call('waypoint', () => this._waypointOptions(), undefined, true),
      l7Policies: hooks.call('l7Policies', () => this.l7Policies(), []),
      jwtRules: hooks.call('jwtRules', () => this.jwtRules(), []),
      trafficPolicies: hooks.call('trafficPolicies', () => this.trafficPolicies(), []),
      podSecurityLevel: hooks.call('podSecurityLevel', () => this.podSecurityLevel(), PodSecurityLevel.RESTRICTED),
      namespaceLabels: hooks.call('namespaceLabels', () => this.namespaceLabels(), {}),
      telemetry: hooks.call<TelemetryOverrides | undefined>('telemetry', () => this.telemetry(), undefined, true),
    };
    const routes = Array.isArray(collected.routes) ? collected.routes : [];
    recordRouteHosts(
      this,
      routes.flatMap(r => (Array.isArray(r?.hosts) ? r.hosts.map(h => [h, r.name] as const) : [])),
    );
    hooks.problems.push(
      ...checkDeclarations(collected, {
        env: this.env,
        dataplaneMode: this.dataplaneMode,
        callerPath: (namespace, declared) => this.callerPath(namespace, declared),
        field: hook => hooks.fieldOf(hook),
        written: hook => hooks.written(hook),
        addWaypoint: hooks.fromDeclarations('waypoint')
          ? 'set declarations.waypoint to {}'
          : `override waypoint() in ${hooks.className} to return {}`,
      }),
    );
    return collected;
  }

  /**
   * What the hooks declared, checked and with defaults applied: undefined before the profile
   * renders (the prepare step of the synth) or when a hook failed. For tools that reason about the
   * declared traffic (`src/checks/flows`).
   */
  public get declared(): ProfileDeclarations | undefined {
    return this.validated;
  }

  /** What the hooks declared, once rendered without problems. */
  private validated?: ProfileDeclarations;

  private render(): void {
    const collected = this.collectDeclarations();
    if (this.hooks.problems.length > 0) return;
    const d = resolveDeclarations(collected);
    this.validated = d;
    const env = this.env;
    const n: RenderedNamespace = {
      namespace: this.namespace,
      env,
      dataplaneMode: this.dataplaneMode,
      mtlsMode: this.mtlsMode,
      declarations: d,
      waypoint: this.dataplaneMode === DataplaneMode.AMBIENT ? d.waypoint : undefined,
      gatewayPorts: routedTargetPorts(d),
    };
    renderNamespace(this, n);
    new NamespaceAuthorization(this, 'Authorization', {
      namespace: this.namespace,
      trustDomain: env.istio.trustDomain,
      gatewayPrincipal: env.ingressGateway.principal,
      services: d.services,
      gatewayPorts: n.gatewayPorts,
      callers: d.callers,
      l7Policies: d.l7Policies,
      jwtRules: d.jwtRules,
      waypoint: n.waypoint,
      callerPath: (namespace, declared) => this.callerPath(namespace, declared),
    });
    renderDataplane(this, n);
    renderRouting(this, this.namespace, env, d);
    renderNetworkPolicies(this, n);

    const extra = new Construct(this, 'Extra');
    this.hooks.call('extraResources', () => this.extraResources(extra), undefined, true);
    addCheck(extra, () => extraResourceProblems(extra, this.namespace, this.hooks.className, this.dataplaneMode));
  }
}

Object.defineProperty(NamespaceProfile, LIBRARY_PROFILE, { value: true });
