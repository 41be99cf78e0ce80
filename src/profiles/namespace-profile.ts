/**
 * `NamespaceProfile`: the hook API app teams extend (through the ambient and sidecar profiles),
 * the `declarations` prop the hooks default to, and the profile's lifecycle: call the hooks,
 * check what they returned (`declaration-checks.ts`), render (`render-workloads.ts`,
 * `render-routing.ts`, `NamespaceAuthorization`), and the checks across the profiles of one app.
 */
import { Construct } from 'constructs';
import { MtlsMode } from '../config/environment-config';
import { ResolvedEnvironment } from '../config/resolve-environment';
import { TelemetryOverrides } from '../constructs/mesh-telemetry';
import { CallerPath, NamespaceAuthorization } from '../constructs/namespace-authorization';
import { Labels } from '../lib/labels';
import { ChartLayer, MeshChart } from '../lib/mesh-chart';
import { isDnsLabel, isLabelValue } from '../lib/names';
import { addCheck, addPrepare, Problem } from '../lib/validation';
import { checkDeclarations, checkDeclarationsProp, CollectedDeclarations, DeclarationContext, resolveDeclarations } from './declaration-checks';
import { extraResourceProblems, hookNameProblems } from './profile-checks';
import { renderDataplane, renderNamespace, renderNetworkPolicies, RenderedNamespace, routedTargetPorts } from './render-workloads';
import { renderRouting } from './render-routing';
import {
  CallerDeclaration, DataplaneMode, DependencyDeclaration, ExternalHostDeclaration, JwtRuleDeclaration,
  L7PolicyDeclaration, NamespaceDeclarations, PodSecurityLevel, RouteDeclaration, ServiceDeclaration, TrafficPolicyDeclaration,
  WaypointOptions,
} from './types';

export { misplacedPathWildcard } from './declaration-checks';
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

/** The namespace profiles of one app, in construction order and by namespace. */
interface AppProfiles {
  readonly list: readonly NamespaceProfile[];
  readonly byNamespace: ReadonlyMap<string, NamespaceProfile>;
}

/** Built once per app, at the first lookup (when the profiles render, after every one exists). */
const PROFILES_BY_APP = new WeakMap<object, AppProfiles>();

const NAMESPACE_PROFILE = Symbol.for('eks-istio-mesh.NamespaceProfile');
/** Set on the library's own profile classes: their hooks return the `declarations` prop. */
const LIBRARY_PROFILE = Symbol.for('eks-istio-mesh.LibraryProfile');

const listOf = <T>(items: readonly T[] | undefined): T[] => (Array.isArray(items) ? [...items] : (items ?? []) as T[]);
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

  private readonly hookProblems: Problem[] = [];
  /** Route hosts the profile declared, once its hooks have run (for the app-wide host check). */
  private routeHosts: ReadonlyArray<readonly [string, string]> = [];
  /** The profile was given the `declarations` prop: problems then name its fields. */
  private readonly fromProps: boolean;

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
    this.fromProps = props.declarations !== undefined;
    addCheck(this, () => [
      ...(isDnsLabel(namespace) ? [] : [{ field: 'namespace', value: namespace, message: 'is not a valid namespace name', fix: 'use a DNS label' }]),
      ...(isLabelValue(team) && team !== '' ? [] : [{ field: 'team', value: team, message: 'is not a valid label value', fix: 'use at most 63 letters, digits, - _ and .' }]),
      ...checkDeclarationsProp(props.declarations, this.targetDataplaneMode),
      ...this.hookProblems,
      ...this.appWideProblems(),
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

  /**
   * How pods of `namespace` join the mesh in this environment: this profile, another profile of the
   * same app, the environment's migration state, or what the declaration says (external callers).
   */
  private peerDataplane(namespace: string, declared?: DataplaneMode): DataplaneMode | undefined {
    if (namespace === this.namespace) return this.dataplaneMode;
    return this.appProfiles().byNamespace.get(namespace)?.dataplaneMode ?? this.env.namespaces[namespace]?.dataplane ?? declared;
  }

  /** Every namespace profile of this profile's app (one environment). */
  private appProfiles(): AppProfiles {
    const root = this.node.root;
    let profiles = PROFILES_BY_APP.get(root);
    if (!profiles) {
      const list = root.node.children.filter(NamespaceProfile.isNamespaceProfile);
      profiles = { list, byNamespace: new Map(list.map(p => [p.namespace, p])) };
      PROFILES_BY_APP.set(root, profiles);
    }
    return profiles;
  }

  private callerPath(namespace: string, declared?: DataplaneMode): CallerPath {
    switch (this.peerDataplane(namespace, declared)) {
      case DataplaneMode.AMBIENT: return CallerPath.WAYPOINT;
      case DataplaneMode.SIDECAR: return CallerPath.DIRECT;
      default: return CallerPath.EITHER;
    }
  }

  private get className(): string {
    return this.constructor.name || 'NamespaceProfile';
  }

  /** The hook is the library's, returning the `declarations` prop (not overridden by the team). */
  private fromDeclarations(hook: string): boolean {
    if (!this.fromProps) return false;
    let proto = Object.getPrototypeOf(this);
    while (proto && !Object.prototype.hasOwnProperty.call(proto, hook)) proto = Object.getPrototypeOf(proto);
    return !!proto && Object.prototype.hasOwnProperty.call(proto.constructor, LIBRARY_PROFILE);
  }

  /** Where a hook's value is reported: `Payments.routes()`, or `declarations.routes`. */
  private fieldOf(hook: string): string {
    return this.fromDeclarations(hook) ? `declarations.${hook}` : `${this.className}.${hook}()`;
  }

  private problem(hook: string, path: string, value: unknown, message: string, fix: string): void {
    this.hookProblems.push({ field: `${this.fieldOf(hook)}${path}`, value, message, fix });
  }

  /**
   * Call a hook; a throw becomes a problem naming the class and hook, and so does returning nothing
   * from a hook that must return a value (the base implementations always return one, so only an
   * override without `return` does).
   */
  private call<T>(hook: string, fn: () => T, fallback: T, undefinedOk = false): T {
    try {
      const value = fn.call(this);
      if (value === undefined || value === null) {
        if (!undefinedOk) {
          const empty = Array.isArray(fallback) ? '[]' : JSON.stringify(fallback);
          this.problem(hook, '', value, 'returned nothing: a missing return statement drops everything the hook declares', `return a value from ${this.className}.${hook}() (${empty} for none)`);
        }
        return fallback;
      }
      return value;
    } catch (e) {
      this.problem(hook, '', undefined, `threw: ${(e as Error).message}`, `fix ${this.className}.${hook}()`);
      return fallback;
    }
  }

  /** Call every hook and check what they return; the problems go to `hookProblems`. */
  private collectDeclarations(): CollectedDeclarations {
    this.hookProblems.push(...hookNameProblems(this, NamespaceProfile.prototype, this.className, this.targetDataplaneMode));
    if (![DataplaneMode.AMBIENT, DataplaneMode.SIDECAR].includes(this.targetDataplaneMode)) {
      this.problem('targetDataplaneMode', '', this.targetDataplaneMode, 'is not a dataplane a profile can target', 'extend AmbientNamespaceProfile or SidecarNamespaceProfile');
    }
    const collected: CollectedDeclarations = {
      services: this.call('services', () => this.services(), []),
      routes: this.call('routes', () => this.routes(), []),
      callers: this.call('callers', () => this.callers(), []),
      dependencies: this.call('dependencies', () => this.dependencies(), []),
      externalHosts: this.call('externalHosts', () => this.externalHosts(), []),
      waypoint: this.call('waypoint', () => this._waypointOptions(), undefined, true),
      l7Policies: this.call('l7Policies', () => this.l7Policies(), []),
      jwtRules: this.call('jwtRules', () => this.jwtRules(), []),
      trafficPolicies: this.call('trafficPolicies', () => this.trafficPolicies(), []),
      podSecurityLevel: this.call('podSecurityLevel', () => this.podSecurityLevel(), PodSecurityLevel.RESTRICTED),
      namespaceLabels: this.call('namespaceLabels', () => this.namespaceLabels(), {}),
      telemetry: this.call<TelemetryOverrides | undefined>('telemetry', () => this.telemetry(), undefined, true),
    };
    const routes = Array.isArray(collected.routes) ? collected.routes : [];
    this.routeHosts = routes.flatMap(r => (Array.isArray(r?.hosts) ? r.hosts.map(h => [h, r.name] as const) : []));
    const ctx: DeclarationContext = {
      env: this.env,
      dataplaneMode: this.dataplaneMode,
      callerPath: (namespace, declared) => this.callerPath(namespace, declared),
      field: hook => this.fieldOf(hook),
      written: hook => (this.fromDeclarations(hook) ? `declarations.${hook}` : `${hook}()`),
      addWaypoint: this.fromDeclarations('waypoint') ? 'set declarations.waypoint to {}' : `override waypoint() in ${this.className} to return {}`,
    };
    this.hookProblems.push(...checkDeclarations(collected, ctx));
    return collected;
  }

  private render(): void {
    const collected = this.collectDeclarations();
    if (this.hookProblems.length > 0) return;
    const d = resolveDeclarations(collected);
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
    this.call('extraResources', () => this.extraResources(extra), undefined, true);
    addCheck(extra, () => extraResourceProblems(extra, this.namespace, this.className, this.dataplaneMode));
  }

  /**
   * Checks across the profiles of one app (one environment): one profile per namespace, and each
   * route host claimed once. Reported on the later profile, naming the earlier one.
   */
  private appWideProblems(): Problem[] {
    const problems: Problem[] = [];
    const siblings = this.appProfiles().list;
    const earlier = siblings.slice(0, siblings.indexOf(this));
    const sameNamespace = earlier.find(p => p.namespace === this.namespace);
    if (sameNamespace) {
      problems.push({
        field: 'namespace', value: this.namespace,
        message: `is also the namespace of profile '${sameNamespace.node.path}' (${sameNamespace.className}): one profile's policies would overwrite the other's`,
        fix: 'give each namespace one profile class: register each class once in charts/teams/index.ts, under its own namespace',
      });
    }
    for (const [host, route] of this.routeHosts) {
      const other = earlier.find(p => p !== this && p.routeHosts.some(([h]) => h === host));
      if (other) {
        const otherRoute = other.routeHosts.find(([h]) => h === host)![1];
        problems.push({
          field: `${this.fieldOf('routes')}`, value: host,
          message: `is a host of route '${route}', and also of route '${otherRoute}' in namespace ${other.namespace} (${other.className}): the gateway would send it to one of them only`,
          fix: 'give each host to one team; split by path under one route if both serve parts of it',
        });
      }
    }
    return problems;
  }
}

Object.defineProperty(NamespaceProfile, LIBRARY_PROFILE, { value: true });
