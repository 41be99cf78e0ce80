import { ApiObject, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import {
  DestinationRule, ServiceEntry, ServiceEntrySpecLocation, ServiceEntrySpecResolution,
  Sidecar, SidecarSpecOutboundTrafficPolicyMode,
} from '../../imports/istio-networking.istio.io';
import {
  AuthorizationPolicy, AuthorizationPolicySpec, AuthorizationPolicySpecAction, AuthorizationPolicySpecRules, AuthorizationPolicySpecTargetRefs,
  PeerAuthentication, PeerAuthenticationSpecMtlsMode, RequestAuthentication,
} from '../../imports/istio-security.istio.io';
import { InjectionStyle, MtlsMode } from '../config/environment-config';
import { ResolvedEnvironment } from '../config/resolve-environment';
import { AppRoute } from '../constructs/app-route';
import { FLUX_PRUNE_ANNOTATION, FLUX_PRUNE_DISABLED } from '../constructs/flux-prune';
import { MeshTelemetry, TelemetryOverrides } from '../constructs/mesh-telemetry';
import { NamespaceNetworkPolicies, PodPorts } from '../constructs/namespace-network-policies';
import { Waypoint } from '../constructs/waypoint';
import { Annotations, Labels } from '../lib/labels';
import { ChartLayer, MeshChart } from '../lib/mesh-chart';
import { isDnsLabel, isDnsSubdomain, isDomainName, isLabelKey, isLabelValue, isUnderDomain, principalOf } from '../lib/names';
import { coversRoutePrefix } from '../lib/http-paths';
import { closestName } from '../lib/closest';
import { byCodePoint } from '../lib/sort';
import { addCheck, addPrepare, Problem } from '../lib/validation';
import {
  CallerDeclaration, DataplaneMode, DependencyDeclaration, ExternalHostDeclaration, ExternalProtocol, JwtRuleDeclaration,
  L7PolicyDeclaration, PodSecurityLevel, PolicyAction, RouteDeclaration, ServiceDeclaration, TrafficPolicyDeclaration,
  WaypointOptions,
} from './types';

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
}

/** Public address ranges: everything but private, link-local and carrier-grade NAT space. */
const PUBLIC_INTERNET = { cidrs: ['0.0.0.0/0'], except: ['10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'] };

/** Namespace labels a profile owns; `namespaceLabels()` may not set them. */
const RESERVED_LABEL_PREFIXES = ['istio.io/', 'istio-injection', 'pod-security.kubernetes.io/', 'kubernetes.io/', 'mesh.eks-istio-mesh.io/', 'elbv2.k8s.aws/'];

const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const HTTP_METHODS = ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'];

const sortedUnique = (items: Iterable<string>) => [...new Set(items)].sort(byCodePoint);
const isPort = (p: unknown): p is number => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;

/** Everything the hooks returned, validated. */
export interface ProfileDeclarations {
  readonly services: readonly ServiceDeclaration[];
  readonly routes: readonly RouteDeclaration[];
  readonly callers: readonly CallerDeclaration[];
  readonly dependencies: readonly DependencyDeclaration[];
  readonly externalHosts: readonly ExternalHostDeclaration[];
  readonly l7Policies: readonly L7PolicyDeclaration[];
  readonly jwtRules: readonly JwtRuleDeclaration[];
  readonly trafficPolicies: readonly TrafficPolicyDeclaration[];
  readonly podSecurityLevel: PodSecurityLevel;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly waypoint?: Required<WaypointOptions>;
  readonly telemetry?: TelemetryOverrides;
}

const TAG_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;

/** The hooks a profile subclass may override (`waypoint` only in ambient profiles). */
export const PROFILE_HOOKS: readonly string[] = [
  'callers', 'dependencies', 'externalHosts', 'extraResources', 'jwtRules', 'l7Policies', 'namespaceLabels', 'podSecurityLevel',
  'routes', 'services', 'telemetry', 'trafficPolicies', 'waypoint',
];

/**
 * Kinds that are not namespaced, which `extraResources()` may not define: the cluster-scoped kinds
 * of the Kubernetes API (core groups, as `kubectl api-resources --namespaced=false` lists them),
 * and the kinds of the pinned CRDs with `scope: Cluster` (`.crds/`: cert-manager ClusterIssuer,
 * Gateway API GatewayClass, AWS Load Balancer Controller IngressClassParams; a test keeps this
 * list in step with the CRD files). A kind not listed here is taken to be namespaced.
 */
export const CLUSTER_SCOPED_KINDS: readonly string[] = [
  // Core Kubernetes API groups.
  'APIService', 'CertificateSigningRequest', 'ClusterRole', 'ClusterRoleBinding', 'ClusterTrustBundle', 'ComponentStatus',
  'CSIDriver', 'CSINode', 'CustomResourceDefinition', 'DeviceClass', 'DeviceTaintRule', 'FlowSchema', 'IngressClass', 'IPAddress',
  'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding', 'MutatingWebhookConfiguration', 'Namespace', 'Node',
  'PersistentVolume', 'PriorityClass', 'PriorityLevelConfiguration', 'ResourceSlice', 'RuntimeClass', 'SelfSubjectAccessReview',
  'SelfSubjectReview', 'SelfSubjectRulesReview', 'ServiceCIDR', 'StorageClass', 'StorageVersion', 'StorageVersionMigration',
  'SubjectAccessReview', 'TokenReview', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration', 'VolumeAttachment', 'VolumeAttributesClass',
  // Pinned CRDs with scope: Cluster.
  'ClusterIssuer', 'GatewayClass', 'IngressClassParams',
];

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
 * Where a caller's requests meet this namespace's authorization when the namespace has a waypoint.
 *
 * Istio 1.30 sends to a Service's waypoint only from ztunnel (ambient clients) and from gateways
 * that opt in (`pilot/pkg/xds/endpoints/endpoint_builder.go`, `findServiceWaypoint`: "Currently only
 * ingress and e/w gateway will call waypoints"). A sidecar sends straight to the destination pod,
 * so ztunnel there decides with the selector policies, at L4; the waypoint's policies
 * (`targetRefs`) never see that traffic.
 */
enum CallerPath {
  /** Ambient client: through the waypoint. */
  WAYPOINT = 'waypoint',
  /** Sidecar client: straight to the pod. */
  DIRECT = 'direct',
  /** Not known (outside the environment, or out of the mesh for now): both are admitted. */
  EITHER = 'either',
}

/** The namespace profiles of one app, in construction order and by namespace. */
interface AppProfiles {
  readonly list: readonly NamespaceProfile[];
  readonly byNamespace: ReadonlyMap<string, NamespaceProfile>;
}

/** Built once per app, at the first lookup (when the profiles render, after every one exists). */
const PROFILES_BY_APP = new WeakMap<object, AppProfiles>();

/**
 * A zero-trust namespace. App teams extend {@link AmbientNamespaceProfile} or
 * {@link SidecarNamespaceProfile} and override the `protected` hooks; this base class owns the
 * invariants and validates whatever a hook returns, naming the class and the hook in errors.
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
const NAMESPACE_PROFILE = Symbol.for('eks-istio-mesh.NamespaceProfile');

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

  /**
   * What the hooks declared, validated: undefined before the profile renders (the prepare step of
   * the synth) or when a hook failed. For tools that reason about the declared traffic.
   */
  public get declared(): ProfileDeclarations | undefined {
    return this.validated;
  }

  private readonly hookProblems: Problem[] = [];
  /** What the hooks declared, once rendered without problems. */
  private validated?: ProfileDeclarations;
  /** Route hosts the profile declared, once its hooks have run (for the app-wide host check). */
  private routeHosts: ReadonlyArray<readonly [string, string]> = [];

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
    addCheck(this, () => [
      ...(isDnsLabel(namespace) ? [] : [{ field: 'namespace', value: namespace, message: 'is not a valid namespace name', fix: 'use a DNS label' }]),
      ...(isLabelValue(team) && team !== '' ? [] : [{ field: 'team', value: team, message: 'is not a valid label value', fix: 'use at most 63 letters, digits, - _ and .' }]),
      ...this.hookProblems,
      ...this.appWideProblems(),
    ]);
    addPrepare(this, () => this.render());
  }

  // ---------------------------------------------------------------------------------------------
  // Hooks. Each returns data; the base validates it.

  /**
   * Override to declare the team's Services: their pod labels and ports. Routes, callers and
   * policies refer to Services by name, and authorization selects their pods.
   *
   * @returns the Services; the base returns none
   */
  protected services(): ServiceDeclaration[] {
    return [];
  }

  /**
   * Override to expose Services on the shared ingress gateway. Each route becomes a VirtualService,
   * and the ingress gateway's principal is allowed to exactly the Services and ports routed to.
   *
   * @returns the routes; the base exposes nothing
   */
  protected routes(): RouteDeclaration[] {
    return [];
  }

  /**
   * Override to allow workloads (namespace + ServiceAccount) to call the team's Services.
   *
   * @returns the callers; the base allows none (deny by default)
   */
  protected callers(): CallerDeclaration[] {
    return [];
  }

  /**
   * Override to declare the namespaces this namespace calls (Sidecar egress, NetworkPolicy egress).
   *
   * @returns the dependencies; the base has none
   */
  protected dependencies(): DependencyDeclaration[] {
    return [];
  }

  /**
   * Override to declare hosts outside the cluster that the namespace reaches (ServiceEntry,
   * NetworkPolicy egress).
   *
   * @returns the hosts; the base reaches none
   */
  protected externalHosts(): ExternalHostDeclaration[] {
    return [];
  }

  /**
   * Override to add HTTP-aware authorization (methods, paths, JWT principals). In ambient
   * namespaces this needs a waypoint; asking without one fails the synth.
   *
   * @returns the policies; the base has none
   */
  protected l7Policies(): L7PolicyDeclaration[] {
    return [];
  }

  /**
   * Override to accept JWTs from issuers (RequestAuthentication). A token is then validated when
   * present; require one with an L7 policy on `requestPrincipals`. Ambient needs a waypoint.
   *
   * @returns the issuers; the base accepts none
   */
  protected jwtRules(): JwtRuleDeclaration[] {
    return [];
  }

  /**
   * Override to give a declared Service a traffic policy (DestinationRule): sticky sessions,
   * outlier detection, connection pools. `tls.mode` may only be ISTIO_MUTUAL.
   *
   * @returns the policies; the base has none
   */
  protected trafficPolicies(): TrafficPolicyDeclaration[] {
    return [];
  }

  /**
   * Override to change the Pod Security Standards level enforced on the namespace.
   *
   * @returns the level; the base enforces `restricted`
   */
  protected podSecurityLevel(): PodSecurityLevel {
    return PodSecurityLevel.RESTRICTED;
  }

  /**
   * Override to add labels to the Namespace. Mesh, Pod Security and library labels are reserved.
   *
   * @returns the labels; the base adds none
   */
  protected namespaceLabels(): Record<string, string> {
    return {};
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
   * @returns the overrides; the base keeps the environment's telemetry
   */
  protected telemetry(): TelemetryOverrides | undefined {
    return undefined;
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
  // Invariants.

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

  private problem(hook: string, path: string, value: unknown, message: string, fix: string): void {
    this.hookProblems.push({ field: `${this.className}.${hook}()${path}`, value, message, fix });
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

  private render(): void {
    const d = this.declarations();
    if (this.hookProblems.length > 0) return;
    this.validated = d;
    const env = this.env;
    const ambient = this.dataplaneMode === DataplaneMode.AMBIENT;
    const services = new Map(d.services.map(s => [s.name, s]));
    const targetPort = (svc: string, port: number) => services.get(svc)!.ports.find(p => p.port === port)!.targetPort ?? port;
    const allTargetPorts = (svc: string) => services.get(svc)!.ports.map(p => p.targetPort ?? p.port);
    const gatewayPrincipal = env.ingressGateway.principal;

    // Which container ports each Service exposes to the ingress gateway, and who calls it.
    const exposed = new Map<string, number[]>();
    for (const route of d.routes) for (const rule of route.rules) exposed.set(rule.service, [...(exposed.get(rule.service) ?? []), targetPort(rule.service, rule.port)]);
    const callersOf = (svc: string) => d.callers.filter(c => !c.services || c.services.includes(svc));
    // An L7 ALLOW policy that admits the ingress gateway replaces the blanket gateway allow, so
    // that its conditions (for example a JWT) apply to internet traffic too.
    const gatewayGovernedByL7 = new Set(d.l7Policies.filter(p => (p.action ?? PolicyAction.ALLOW) === PolicyAction.ALLOW && p.from?.ingressGateway).flatMap(p => p.services));

    // Namespace.
    const labels: Record<string, string> = { ...d.namespaceLabels, [Labels.POD_SECURITY_ENFORCE]: d.podSecurityLevel };
    if (ambient) {
      labels[Labels.DATAPLANE_MODE] = 'ambient';
      if (d.waypoint) {
        labels[Labels.USE_WAYPOINT] = d.waypoint.name;
        if (d.waypoint.ingressThroughWaypoint) labels[Labels.INGRESS_USE_WAYPOINT] = 'true';
      }
    } else if (this.dataplaneMode === DataplaneMode.OUT_OF_MESH) {
      // Out of the mesh (not enrolled yet, or rollback level 2): no enrolment label at all.
    } else if (env.istio.injectionStyle === InjectionStyle.REVISION_LABEL) {
      labels[Labels.REVISION] = env.istio.revision;
    } else {
      labels[Labels.INJECTION] = 'enabled';
    }
    // The chart's default namespace (this namespace) must not land on the cluster-scoped Namespace.
    const serviceAccounts = sortedUnique(d.services.map(s => s.serviceAccount).filter((sa): sa is string => !!sa));
    // Flux never deletes the Namespace (and the team's workloads in it): see README, "Migration and rollback".
    const annotations = { ...(serviceAccounts.length ? { [Annotations.SERVICE_ACCOUNTS]: serviceAccounts.join(',') } : {}), [FLUX_PRUNE_ANNOTATION]: FLUX_PRUNE_DISABLED };
    new k8s.KubeNamespace(this, 'Namespace', { metadata: { name: this.namespace, labels, annotations } }).addJsonPatch(JsonPatch.remove('/metadata/namespace'));

    new PeerAuthentication(this, 'PeerAuthentication', {
      metadata: { name: 'default', namespace: this.namespace },
      spec: { mtls: { mode: this.mtlsMode as unknown as PeerAuthenticationSpecMtlsMode } },
    });

    // Authorization: deny by default, then explicit allows.
    const authz = new Construct(this, 'Authorization');
    const externalPrincipals = new Set([
      ...d.callers.filter(c => c.external).map(c => principalOf(env.istio.trustDomain, c.namespace, c.serviceAccount)),
      ...d.l7Policies.flatMap(p => p.from?.workloads ?? []).filter(w => w.external).map(w => principalOf(env.istio.trustDomain, w.namespace, w.serviceAccount)),
    ]);
    const policy = (name: string, spec: AuthorizationPolicySpec) => {
      // Principals outside this environment are declared, so the principal-resolves rule accepts them.
      const outside = sortedUnique((spec.rules ?? []).flatMap(r => (r.from ?? []).flatMap(f => f.source?.principals ?? [])).filter(pr => externalPrincipals.has(pr)));
      // A selector policy names the Service whose pods it selects, so that reports can draw it.
      const selected = spec.selector ? [...services.values()].find(s => JSON.stringify(s.selector) === JSON.stringify(spec.selector!.matchLabels)) : undefined;
      const annotations = {
        ...(outside.length ? { [Annotations.EXTERNAL_PRINCIPALS]: outside.join(',') } : {}),
        ...(selected ? { [Annotations.SERVICE]: selected.name } : {}),
      };
      return new AuthorizationPolicy(authz, name, { metadata: { name, namespace: this.namespace, annotations: Object.keys(annotations).length ? annotations : undefined }, spec });
    };
    policy('default-deny', {});
    const principalsRule = (principals: string[], ports?: number[]): AuthorizationPolicySpecRules => ({
      from: [{ source: { principals: sortedUnique(principals) } }],
      ...(ports ? { to: [{ operation: { ports: [...new Set(ports)].sort((a, b) => a - b).map(String) } }] } : {}),
    });
    const waypoint = ambient ? d.waypoint : undefined;
    const waypointRef: AuthorizationPolicySpecTargetRefs | undefined = waypoint ? { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: waypoint.name } : undefined;

    if (waypoint) {
      // ztunnel admits only the waypoint, so no client can skip the L7 policies below.
      policy('allow-waypoint', { rules: [principalsRule([principalOf(env.istio.trustDomain, this.namespace, waypoint.name)])] });
      // Waypoints ignore selector policies: deny by default there too.
      policy('waypoint-default-deny', { targetRefs: [waypointRef!] });
    }
    for (const svc of [...services.keys()].sort(byCodePoint)) {
      const callerPrincipals = callersOf(svc).map(c => principalOf(env.istio.trustDomain, c.namespace, c.serviceAccount));
      const gatewayPorts = gatewayGovernedByL7.has(svc) ? undefined : exposed.get(svc);
      if (waypoint) {
        // Where each caller is admitted depends on whether its traffic reaches the waypoint at all
        // (see callerPath): through the waypoint, the Service-attached policy decides; around it,
        // ztunnel on the destination node decides with selector policies, at L4.
        const viaWaypoint = callersOf(svc).filter(c => this.callerPath(c.namespace, c.dataplane) !== CallerPath.DIRECT);
        const direct = callersOf(svc).filter(c => this.callerPath(c.namespace, c.dataplane) !== CallerPath.WAYPOINT);
        const principals = (cs: readonly CallerDeclaration[]) => cs.map(c => principalOf(env.istio.trustDomain, c.namespace, c.serviceAccount));
        const rules: AuthorizationPolicySpecRules[] = [];
        if (gatewayPorts && waypoint.ingressThroughWaypoint) rules.push(principalsRule([gatewayPrincipal]));
        if (viaWaypoint.length > 0) rules.push(principalsRule(principals(viaWaypoint)));
        if (rules.length > 0) policy(`allow-${svc}`, { targetRefs: [{ group: '', kind: 'Service', name: svc }], rules });
        const directRules: AuthorizationPolicySpecRules[] = [];
        if (gatewayPorts && !waypoint.ingressThroughWaypoint) directRules.push(principalsRule([gatewayPrincipal], gatewayPorts));
        if (direct.length > 0) directRules.push(principalsRule(principals(direct), allTargetPorts(svc)));
        if (directRules.length > 0) {
          policy(`allow-direct-${svc}`, { selector: { matchLabels: { ...services.get(svc)!.selector } }, rules: directRules });
        }
      } else {
        const rules: AuthorizationPolicySpecRules[] = [];
        if (gatewayPorts) rules.push(principalsRule([gatewayPrincipal], gatewayPorts));
        if (callerPrincipals.length > 0) rules.push(principalsRule(callerPrincipals, allTargetPorts(svc)));
        if (rules.length > 0) policy(`allow-${svc}`, { selector: { matchLabels: { ...services.get(svc)!.selector } }, rules });
      }
    }
    for (const p of d.l7Policies) {
      const rule: AuthorizationPolicySpecRules = {
        ...(p.from ? {
          from: [{
            source: {
              ...(p.from.workloads?.length || p.from.ingressGateway ? {
                principals: sortedUnique([
                  ...(p.from.workloads ?? []).map(w => principalOf(env.istio.trustDomain, w.namespace, w.serviceAccount)),
                  ...(p.from.ingressGateway ? [gatewayPrincipal] : []),
                ]),
              } : {}),
              ...(p.from.requestPrincipals?.length ? { requestPrincipals: sortedUnique(p.from.requestPrincipals) } : {}),
            },
          }],
        } : {}),
        ...(p.to?.methods?.length || p.to?.paths?.length ? {
          to: [{ operation: { ...(p.to.methods?.length ? { methods: sortedUnique(p.to.methods) } : {}), ...(p.to.paths?.length ? { paths: sortedUnique(p.to.paths) } : {}) } }],
        } : {}),
        ...(p.when?.length ? { when: p.when.map(w => ({ key: w.key, values: [...w.values] })) } : {}),
      };
      const action = (p.action ?? PolicyAction.ALLOW) as unknown as AuthorizationPolicySpecAction;
      if (waypoint) {
        policy(p.name, { targetRefs: sortedUnique(p.services).map(s => ({ group: '', kind: 'Service', name: s })), action, rules: [rule] });
      } else {
        for (const svc of sortedUnique(p.services)) {
          policy(p.services.length === 1 ? p.name : `${p.name}-${svc}`, { selector: { matchLabels: { ...services.get(svc)!.selector } }, action, rules: [rule] });
        }
      }
    }

    // JWT validation only where a policy reads the token: one RequestAuthentication per Service,
    // attached to it at the waypoint (targetRefs) or selecting its pods (sidecars).
    const jwtBySvc = new Map<string, JwtRuleDeclaration[]>();
    for (const r of d.jwtRules) for (const svc of r.services ?? []) jwtBySvc.set(svc, [...(jwtBySvc.get(svc) ?? []), r]);
    const jwt = new Construct(this, 'RequestAuthentication');
    for (const svc of [...jwtBySvc.keys()].sort(byCodePoint)) {
      // A raw object: the imported class renders the legacy field name jwks_uri; Istio documents jwksUri.
      new ApiObject(jwt, svc, {
        apiVersion: RequestAuthentication.GVK.apiVersion,
        kind: RequestAuthentication.GVK.kind,
        metadata: { name: `jwt-${svc}`, namespace: this.namespace },
        spec: {
          ...(waypoint ? { targetRefs: [{ group: '', kind: 'Service', name: svc }] } : { selector: { matchLabels: { ...services.get(svc)!.selector } } }),
          jwtRules: [...jwtBySvc.get(svc)!].sort((a, b) => byCodePoint(a.issuer, b.issuer)).map(r => ({
            issuer: r.issuer,
            jwksUri: r.jwksUri,
            ...(r.audiences?.length ? { audiences: sortedUnique(r.audiences) } : {}),
            ...(r.forwardOriginalToken ? { forwardOriginalToken: true } : {}),
          })),
        },
      });
    }

    if (waypoint) new Waypoint(this, 'Waypoint', { namespace: this.namespace, name: waypoint.name, revision: env.istio.revision, availability: env.availability.replicas });

    // Ambient: only the waypoint can trace, and it applies only Telemetry that targets it.
    const sidecarMode = this.dataplaneMode === DataplaneMode.SIDECAR;
    if (waypoint || (sidecarMode && d.telemetry)) {
      const o = d.telemetry ?? {};
      new MeshTelemetry(this, 'Telemetry', {
        namespace: this.namespace,
        name: waypoint ? waypoint.name : 'default',
        tracingProvider: env.telemetry.tracingProvider,
        samplingPercentage: o.samplingPercentage ?? env.telemetry.samplingPercentage,
        customTags: { ...env.telemetry.customTags, ...(o.customTags ?? {}) },
        accessLogging: o.accessLogging ?? env.telemetry.accessLogging,
        waypoint: waypoint?.name,
      });
    }

    if (sidecarMode) {
      // Egress lockdown for sidecars: only the registry, and only the namespaces declared.
      new Sidecar(this, 'Sidecar', {
        metadata: { name: 'default', namespace: this.namespace },
        spec: {
          egress: [{ hosts: sortedUnique(['./*', `${env.istio.rootNamespace}/*`, `${env.telemetry.collectorNamespace}/*`, ...d.dependencies.map(dep => `${dep.namespace}/*`)]) }],
          outboundTrafficPolicy: { mode: SidecarSpecOutboundTrafficPolicyMode.REGISTRY_UNDERSCORE_ONLY },
        },
      });
    }

    const hosts = new Map<string, ExternalHostDeclaration[]>();
    for (const h of d.externalHosts) hosts.set(h.host, [...(hosts.get(h.host) ?? []), h]);
    const external = new Construct(this, 'External');
    for (const host of [...hosts.keys()].sort(byCodePoint)) {
      new ServiceEntry(external, host, {
        metadata: { name: host, namespace: this.namespace },
        spec: {
          hosts: [host],
          exportTo: ['.'],
          location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
          resolution: ServiceEntrySpecResolution.DNS,
          ports: hosts.get(host)!.sort((a, b) => a.port - b.port).map(h => ({ number: h.port, name: `${h.protocol.toLowerCase()}-${h.port}`, protocol: h.protocol })),
        },
      });
    }

    const trafficPolicies = new Construct(this, 'TrafficPolicies');
    for (const tp of d.trafficPolicies) {
      new DestinationRule(trafficPolicies, tp.service, {
        metadata: { name: tp.service, namespace: this.namespace },
        spec: { host: `${tp.service}.${this.namespace}.svc.cluster.local`, trafficPolicy: tp.trafficPolicy },
      });
    }

    const routes = new Construct(this, 'Routes');
    for (const r of d.routes) {
      new AppRoute(routes, r.name, {
        namespace: this.namespace,
        name: r.name,
        gateway: env.ingressGateway.gatewayRef,
        hosts: r.hosts,
        allowedDomains: env.domains,
        rules: r.rules.map(rule => ({ pathPrefix: rule.pathPrefix, serviceName: rule.service, port: rule.port })),
      });
    }

    const targets: PodPorts[] = [...services.values()].map(s => ({
      name: s.name,
      selector: s.selector,
      ports: allTargetPorts(s.name),
      gatewayPorts: exposed.get(s.name) ?? [],
      // Workloads an L7 ALLOW admits must get through the NetworkPolicies too.
      fromNamespaces: [
        ...callersOf(s.name).map(c => c.namespace),
        ...d.l7Policies.filter(p => (p.action ?? PolicyAction.ALLOW) === PolicyAction.ALLOW && p.services.includes(s.name)).flatMap(p => (p.from?.workloads ?? []).map(w => w.namespace)),
      ].filter(ns => ns !== this.namespace),
    }));
    const envoyInNamespace = this.dataplaneMode === DataplaneMode.SIDECAR || !!waypoint;
    new NamespaceNetworkPolicies(this, 'NetworkPolicies', {
      namespace: this.namespace,
      ambient,
      waypoint: !!waypoint,
      ingressGateway: { namespace: env.ingressGateway.namespace, podLabels: env.ingressGateway.selectorLabels },
      targets,
      dependencies: d.dependencies,
      external: d.externalHosts.map(h => (h.cidrs?.length ? { cidrs: [...h.cidrs].sort(byCodePoint), port: h.port } : { ...PUBLIC_INTERNET, port: h.port })),
      istiod: envoyInNamespace ? { namespace: env.istio.rootNamespace } : undefined,
      telemetry: envoyInNamespace ? { namespace: env.telemetry.collectorNamespace, port: env.telemetry.collectorPort } : undefined,
      ipFamily: env.cluster.ipFamily,
      monitoring: envoyInNamespace ? env.monitoring : undefined,
    });

    const extra = new Construct(this, 'Extra');
    this.call('extraResources', () => this.extraResources(extra), undefined, true);
    addCheck(extra, () => this.checkExtraResources(extra));
  }

  /**
   * With a waypoint, L7 rules are enforced only at the waypoint (they attach with `targetRefs`), so
   * they can only govern requests that pass it: ambient clients and the ingress gateway when it
   * goes through the waypoint. A sidecar, or the gateway without `ingressThroughWaypoint`, sends
   * straight to the pods (`pilot/pkg/xds/endpoints/endpoint_builder.go`, `findServiceWaypoint`):
   * an ALLOW for it never admits anything, and a DENY never stops it.
   */
  private checkL7ReachesWaypoint(p: L7PolicyDeclaration, i: number, ingressThroughWaypoint: boolean, callers: readonly CallerDeclaration[],
    bad: (hook: string, path: string, value: unknown, message: string, fix: string) => void): void {
    const deny = p.action === PolicyAction.DENY;
    const effect = deny ? 'this DENY would never stop it' : 'this ALLOW would never admit it';
    (p.from?.workloads ?? []).forEach((w, j) => {
      const path = this.callerPath(w?.namespace, w?.dataplane);
      if (path === CallerPath.WAYPOINT) return;
      const why = path === CallerPath.DIRECT
        ? `runs with sidecars, which send straight to the pods and never through the waypoint where L7 rules are enforced, so ${effect}`
        : `has no known dataplane, so its requests may bypass the waypoint where L7 rules are enforced (sidecars do), and ${effect}`;
      bad('l7Policies', `[${i}].from.workloads[${j}]`, w, why,
        path === CallerPath.DIRECT
          ? `grant it at L4 with callers() (all ports of the Service), or move namespace ${w.namespace} to ambient`
          : `declare dataplane: DataplaneMode.AMBIENT if it is an ambient workload, or grant it at L4 with callers()`);
    });
    if (p.from?.ingressGateway && !ingressThroughWaypoint) {
      bad('l7Policies', `[${i}].from.ingressGateway`, true, `needs the ingress gateway to go through the waypoint, but waypoint().ingressThroughWaypoint is false, so ${deny ? 'this DENY would never stop it' : 'every routed request would be denied'}`,
        `remove ingressThroughWaypoint: false from ${this.className}.waypoint()`);
    }
    if (deny) {
      // A DENY on a Service cannot hold for callers that reach its pods without the waypoint.
      const around = callers.filter(c => (!c.services || (p.services ?? []).some(s => c.services!.includes(s))) && this.callerPath(c.namespace, c.dataplane) !== CallerPath.WAYPOINT);
      if (around.length > 0) {
        bad('l7Policies', `[${i}]`, p.name, `is enforced at the waypoint only, but callers() admits ${around.map(c => `${c.namespace}/${c.serviceAccount}`).join(', ')}, whose requests reach the pods without it (sidecars or an unknown dataplane): the DENY would not apply to them`,
          'move those callers to ambient (or declare their dataplane), or remove them from callers()');
      }
    }
  }

  /**
   * Methods of the team's class that look like hooks but are not: a misspelled hook (`calers()`)
   * is never called, so what it declares is silently missing (`noImplicitOverride` in tsconfig.json
   * catches it at compile time, but `npm run synth` does not type check). Only names within two
   * edits of a hook are refused, so helper methods with other names stay free. A `waypoint()` on a
   * sidecar profile is never called either: only ambient namespaces have waypoints.
   */
  private checkHookNames(bad: (hook: string, path: string, value: unknown, message: string, fix: string) => void): void {
    const base = new Set<string>();
    for (let proto = NamespaceProfile.prototype; proto; proto = Object.getPrototypeOf(proto)) Object.getOwnPropertyNames(proto).forEach(n => base.add(n));
    const own = new Set<string>();
    for (let proto = Object.getPrototypeOf(this); proto && proto !== NamespaceProfile.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        const d = Object.getOwnPropertyDescriptor(proto, name);
        if (typeof d?.value === 'function' && name !== 'constructor') own.add(name);
      }
    }
    for (const name of [...own].sort(byCodePoint)) {
      if (PROFILE_HOOKS.includes(name) || base.has(name)) continue;
      const hook = closestName(name, PROFILE_HOOKS, 2);
      if (hook) {
        bad(name, '', name, `is not a hook (did you mean ${hook}()?): the profile never calls it, so what it returns is ignored`, `rename it to ${hook}() and mark it override, or give the helper a name further from the hooks'`);
      }
    }
    if (this.targetDataplaneMode === DataplaneMode.SIDECAR && typeof (this as unknown as { waypoint?: unknown }).waypoint === 'function') {
      bad('waypoint', '', this.className, 'is defined on a sidecar profile: only ambient namespaces have waypoints, so it is never called', 'extend AmbientNamespaceProfile for a waypoint, or remove waypoint(): sidecars enforce L7 policies in each pod\'s proxy');
    }
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
          field: `${this.className}.routes()`, value: host,
          message: `is a host of route '${route}', and also of route '${otherRoute}' in namespace ${other.namespace} (${other.className}): the gateway would send it to one of them only`,
          fix: 'give each host to one team; split by path under one route if both serve parts of it',
        });
      }
    }
    return problems;
  }

  /** Objects added by `extraResources()` must stay in the namespace and leave its invariants alone. */
  private checkExtraResources(extra: Construct): Problem[] {
    const problems: Problem[] = [];
    const owned = ['Namespace', 'PeerAuthentication'];
    for (const obj of extra.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)) {
      const where = `${obj.kind} ${obj.name}`;
      const field = `${this.className}.extraResources()`;
      if (obj.kind === 'List' || obj.kind.endsWith('List')) {
        // kustomize expands a List into its items, which would then skip every check here.
        problems.push({ field, value: where, message: 'is a List: kustomize applies its items, which no check of the profile sees', fix: 'define each item as its own object in extraResources()' });
        continue;
      }
      if (CLUSTER_SCOPED_KINDS.includes(obj.kind)) {
        problems.push({ field, value: where, message: 'is cluster-scoped: it would reach beyond the namespace', fix: 'define cluster-wide objects in the platform charts' });
      } else if (obj.metadata.namespace !== this.namespace) {
        problems.push({ field, value: where, message: `defines an object outside namespace ${this.namespace} (in ${obj.metadata.namespace})`, fix: `keep extra objects in ${this.namespace}; cluster-wide objects belong to the platform charts` });
      }
      if (owned.includes(obj.kind)) {
        problems.push({ field, value: where, message: `defines a ${obj.kind}, which the profile owns`, fix: 'override the matching hook instead (mTLS comes from the environment config)' });
      }
      if (obj.kind === 'Sidecar' && this.dataplaneMode === DataplaneMode.AMBIENT) {
        problems.push({ field, value: where, message: 'defines a Sidecar in an ambient namespace, where ztunnel and waypoints ignore it', fix: 'remove it; restrict egress with externalHosts() and NetworkPolicies' });
      }
    }
    return problems;
  }

  /** Call every hook and validate what it returns. */
  private declarations(): ProfileDeclarations {
    const env = this.env;
    const ambient = this.dataplaneMode === DataplaneMode.AMBIENT;
    const bad = (hook: string, path: string, value: unknown, message: string, fix: string) => this.problem(hook, path, value, message, fix);
    const list = <T>(hook: string, fn: () => T[]): T[] => {
      const value = this.call(hook, fn, []);
      if (!Array.isArray(value)) {
        bad(hook, '', value, 'must return an array', 'return a list (empty for none)');
        return [];
      }
      return value;
    };
    const duplicates = (hook: string, names: string[], what: string) => {
      for (const n of sortedUnique(names.filter((x, i) => names.indexOf(x) !== i))) bad(hook, '', n, `declares ${what} '${n}' twice`, 'keep one');
    };

    this.checkHookNames(bad);

    if (![DataplaneMode.AMBIENT, DataplaneMode.SIDECAR].includes(this.targetDataplaneMode)) {
      bad('targetDataplaneMode', '', this.targetDataplaneMode, 'is not a dataplane a profile can target', 'extend AmbientNamespaceProfile or SidecarNamespaceProfile');
    }

    // services()
    const services = list('services', () => this.services());
    services.forEach((s, i) => {
      if (!isDnsLabel(s?.name)) bad('services', `[${i}].name`, s?.name, 'is not a valid Service name', 'use a DNS label');
      const selector = Object.entries(s?.selector ?? {});
      if (selector.length === 0) bad('services', `[${i}].selector`, s?.selector, 'must not be empty (it would select every pod of the namespace)', "give the pod labels of the Service's spec.selector");
      for (const [k, v] of selector) if (!isLabelKey(k) || !isLabelValue(v)) bad('services', `[${i}].selector['${k}']`, v, 'is not a valid label', 'use Kubernetes label keys and values');
      if (!Array.isArray(s?.ports) || s.ports.length === 0) bad('services', `[${i}].ports`, s?.ports, 'must list at least one port', 'list the Service ports');
      (s?.ports ?? []).forEach((p, j) => {
        if (!isPort(p?.port)) bad('services', `[${i}].ports[${j}].port`, p?.port, 'is not a port number', 'use 1 to 65535');
        if (p?.targetPort !== undefined && !isPort(p.targetPort)) bad('services', `[${i}].ports[${j}].targetPort`, p.targetPort, 'is not a port number', 'use the container port, 1 to 65535 (named ports are not supported)');
      });
      duplicates('services', (s?.ports ?? []).map(p => String(p?.port)), 'port');
      if (s?.serviceAccount !== undefined && !isDnsSubdomain(s.serviceAccount)) bad('services', `[${i}].serviceAccount`, s.serviceAccount, 'is not a valid ServiceAccount name', "use the pods' ServiceAccount");
    });
    duplicates('services', services.map(s => s?.name), 'Service');
    const declared = new Map(services.map(s => [s?.name, s]));
    const knownService = (hook: string, path: string, name: string) => {
      if (!declared.has(name)) bad(hook, path, name, 'is not a Service declared by services()', `declare it in ${this.className}.services(), or use one of: ${[...declared.keys()].join(', ') || '(none declared)'}`);
      return declared.has(name);
    };

    // routes()
    const routes = list('routes', () => this.routes());
    routes.forEach((r, i) => {
      if (!isDnsLabel(r?.name)) bad('routes', `[${i}].name`, r?.name, 'is not a valid object name', 'use a DNS label');
      if (!Array.isArray(r?.hosts) || r.hosts.length === 0) bad('routes', `[${i}].hosts`, r?.hosts, 'must list at least one host', 'add the host name clients use');
      (r?.hosts ?? []).forEach((h, j) => {
        if (!isDomainName(h)) bad('routes', `[${i}].hosts[${j}]`, h, 'is not a host name (wildcards are not allowed)', 'give the exact host name');
        else if (!env.domains.some(dom => isUnderDomain(h, dom))) bad('routes', `[${i}].hosts[${j}]`, h, `is not under any domain of environment ${env.name} (${env.domains.join(', ')})`, 'use a host under one of those domains, or add the domain to the environment config');
      });
      if (!Array.isArray(r?.rules) || r.rules.length === 0) bad('routes', `[${i}].rules`, r?.rules, 'must have at least one rule', 'send a path prefix to a declared Service port');
      (r?.rules ?? []).forEach((rule, j) => {
        if (rule?.pathPrefix !== undefined && !String(rule.pathPrefix).startsWith('/')) bad('routes', `[${i}].rules[${j}].pathPrefix`, rule.pathPrefix, "must start with '/'", `write '/${rule.pathPrefix}'`);
        if (knownService('routes', `[${i}].rules[${j}].service`, rule?.service) && !declared.get(rule.service)!.ports.some(p => p.port === rule.port)) {
          bad('routes', `[${i}].rules[${j}].port`, rule?.port, `is not a port of Service ${rule.service}`, `use one of ${declared.get(rule.service)!.ports.map(p => p.port).join(', ')}`);
        }
      });
    });
    duplicates('routes', routes.map(r => r?.name), 'route');
    duplicates('routes', routes.flatMap(r => (Array.isArray(r?.hosts) ? r.hosts : [])), 'host');
    this.routeHosts = routes.flatMap(r => (Array.isArray(r?.hosts) ? r.hosts.map(h => [h, r.name] as const) : []));

    // callers()
    const callers = list('callers', () => this.callers());
    callers.forEach((c, i) => {
      if (c?.namespace === '*' || c?.serviceAccount === '*') bad('callers', `[${i}]`, c, 'uses a wildcard: it would allow every workload', 'name the namespace and ServiceAccount of each caller');
      else {
        if (!isDnsLabel(c?.namespace)) bad('callers', `[${i}].namespace`, c?.namespace, 'is not a valid namespace name', 'use the caller namespace');
        if (!isDnsSubdomain(c?.serviceAccount)) bad('callers', `[${i}].serviceAccount`, c?.serviceAccount, 'is not a valid ServiceAccount name', "use the caller pods' ServiceAccount");
      }
      (c?.services ?? []).forEach((s, j) => knownService('callers', `[${i}].services[${j}]`, s));
      if (c?.services && c.services.length === 0) bad('callers', `[${i}].services`, c.services, 'is empty: the caller would reach nothing', 'list the Services it calls, or omit the field for all');
    });

    // dependencies()
    const dependencies = list('dependencies', () => this.dependencies());
    dependencies.forEach((dep, i) => {
      if (!isDnsLabel(dep?.namespace)) bad('dependencies', `[${i}].namespace`, dep?.namespace, 'is not a valid namespace name', 'name the namespace called');
      (dep?.ports ?? []).forEach((p, j) => { if (!isPort(p)) bad('dependencies', `[${i}].ports[${j}]`, p, 'is not a port number', 'use 1 to 65535'); });
    });
    duplicates('dependencies', dependencies.map(dep => dep?.namespace), 'dependency');

    // externalHosts()
    const externalHosts = list('externalHosts', () => this.externalHosts());
    externalHosts.forEach((h, i) => {
      if (!isDomainName(h?.host)) bad('externalHosts', `[${i}].host`, h?.host, 'is not a DNS name (wildcards are not allowed)', 'give the exact host, e.g. api.stripe.com');
      if (!isPort(h?.port)) bad('externalHosts', `[${i}].port`, h?.port, 'is not a port number', 'use 1 to 65535');
      if (!Object.values(ExternalProtocol).includes(h?.protocol)) bad('externalHosts', `[${i}].protocol`, h?.protocol, `must be one of ${Object.values(ExternalProtocol).join(', ')}`, 'use ExternalProtocol.TLS for HTTPS APIs reached by the app itself');
      (h?.cidrs ?? []).forEach((c, j) => {
        if (!CIDR.test(c)) bad('externalHosts', `[${i}].cidrs[${j}]`, c, 'is not an IPv4 CIDR', 'e.g. 203.0.113.0/24');
        else if (c.endsWith('/0')) bad('externalHosts', `[${i}].cidrs[${j}]`, c, 'opens every address', 'omit cidrs to allow public addresses only, or list the provider ranges');
      });
    });
    duplicates('externalHosts', externalHosts.map(h => `${h?.host}:${h?.port}`), 'host and port');

    // waypoint (ambient only)
    const wp = this.call('waypoint', () => this._waypointOptions(), undefined, true);
    const waypoint = wp ? { name: wp.name ?? 'waypoint', ingressThroughWaypoint: wp.ingressThroughWaypoint ?? true } : undefined;
    if (waypoint && (!isDnsLabel(waypoint.name) || waypoint.name === 'none')) bad('waypoint', '.name', waypoint.name, 'is not a valid waypoint name', "use a DNS label other than 'none'");
    if (waypoint && declared.has(waypoint.name)) bad('waypoint', '.name', waypoint.name, 'is also the name of a declared Service', 'name the waypoint differently');

    // l7Policies()
    const l7Policies = list('l7Policies', () => this.l7Policies());
    l7Policies.forEach((p, i) => {
      if (!isDnsLabel(p?.name) || ['default-deny', 'allow-waypoint', 'waypoint-default-deny'].includes(p?.name)) bad('l7Policies', `[${i}].name`, p?.name, 'is not a valid or free policy name', 'use a DNS label not used by the profile');
      if (!Array.isArray(p?.services) || p.services.length === 0) bad('l7Policies', `[${i}].services`, p?.services, 'must name at least one declared Service', 'list the Services the policy protects');
      (p?.services ?? []).forEach((s, j) => knownService('l7Policies', `[${i}].services[${j}]`, s));
      if (p?.action !== undefined && !Object.values(PolicyAction).includes(p.action)) bad('l7Policies', `[${i}].action`, p.action, 'must be ALLOW or DENY', 'use PolicyAction.ALLOW or PolicyAction.DENY');
      (p?.from?.workloads ?? []).forEach((w, j) => {
        if (!isDnsLabel(w?.namespace) || !isDnsSubdomain(w?.serviceAccount)) bad('l7Policies', `[${i}].from.workloads[${j}]`, w, 'is not a namespace and ServiceAccount (wildcards are not allowed)', 'name the namespace and ServiceAccount of each caller');
      });
      (p?.to?.methods ?? []).forEach((m, j) => { if (!HTTP_METHODS.includes(m)) bad('l7Policies', `[${i}].to.methods[${j}]`, m, 'is not an HTTP method', `use one of ${HTTP_METHODS.join(', ')}`); });
      (p?.to?.paths ?? []).forEach((path, j) => {
        if (typeof path !== 'string' || !path.startsWith('/')) bad('l7Policies', `[${i}].to.paths[${j}]`, path, "must start with '/'", 'give an absolute path, optionally ending in *');
        else if (misplacedPathWildcard(path)) {
          bad('l7Policies', `[${i}].to.paths[${j}]`, path, "has a '*' that is neither the first nor the last character: Istio matches it literally, so the path matches no request", `end the path with '*' (a prefix), or use a path template such as '${path.replace(/\*+/g, '{*}')}' ({*} is one segment, {**} the rest)`);
        }
      });
      (p?.when ?? []).forEach((w, j) => { if (!w?.key || !Array.isArray(w.values) || w.values.length === 0) bad('l7Policies', `[${i}].when[${j}]`, w, 'needs a key and at least one value', 'e.g. { key: "request.auth.claims[groups]", values: ["admins"] }'); });
      const hasSource = !!(p?.from?.workloads?.length || p?.from?.ingressGateway || p?.from?.requestPrincipals?.length);
      if ((p?.action ?? PolicyAction.ALLOW) === PolicyAction.ALLOW && !hasSource) bad('l7Policies', `[${i}].from`, p?.from, 'allows any source', 'name workloads, the ingress gateway or request principals');
      if (ambient && !waypoint) bad('l7Policies', `[${i}]`, p?.name, 'needs a waypoint: ztunnel enforces L4 only and would turn this ALLOW into deny-all (or a DENY into a wider deny)', `override waypoint() in ${this.className} to return {}`);
      if (ambient && waypoint) this.checkL7ReachesWaypoint(p, i, waypoint.ingressThroughWaypoint, callers, bad);
    });
    duplicates('l7Policies', l7Policies.map(p => p?.name), 'policy');

    // A route the ingress gateway may only use through L7 ALLOW policies must be allowed on every
    // path it sends, or part of it answers 403.
    const gatewayL7 = l7Policies.filter(p => (p?.action ?? PolicyAction.ALLOW) === PolicyAction.ALLOW && p?.from?.ingressGateway);
    routes.forEach((r, i) => (r?.rules ?? []).forEach((rule, j) => {
      const governing = gatewayL7.filter(p => (p.services ?? []).includes(rule?.service));
      if (governing.length === 0 || governing.some(p => !p.to?.paths?.length)) return;
      const prefix = rule.pathPrefix ?? '/';
      const paths = sortedUnique(governing.flatMap(p => p.to!.paths!));
      if (!coversRoutePrefix(paths, prefix)) {
        const below = prefix.endsWith('/') ? `${prefix}*` : `${prefix}/*`;
        bad('routes', `[${i}].rules[${j}].pathPrefix`, prefix,
          `sends requests to ${rule.service}, where the ingress gateway is admitted only by ${governing.map(p => p.name).join(', ')} on paths ${paths.join(', ')}: part of the route would answer 403 (a policy path '${below}' does not match '${prefix}' itself)`,
          `allow both '${prefix}' and '${below}' in the L7 policy, or change the route prefix to what the policy allows`);
      }
    }));

    // jwtRules()
    const readsJwt = (p: L7PolicyDeclaration) => !!p?.from?.requestPrincipals?.length || (p?.when ?? []).some(w => String(w?.key).startsWith('request.auth.'));
    const jwtServices = sortedUnique(l7Policies.filter(readsJwt).flatMap(p => p?.services ?? []));
    const jwtRules = list('jwtRules', () => this.jwtRules()).map((r, i) => {
      if (typeof r?.issuer !== 'string' || r.issuer.length === 0) bad('jwtRules', `[${i}].issuer`, r?.issuer, 'must not be empty', 'give the iss claim of accepted tokens');
      if (typeof r?.jwksUri !== 'string' || !/^https:\/\/[^\s/]+\/\S*$/.test(r.jwksUri)) bad('jwtRules', `[${i}].jwksUri`, r?.jwksUri, 'must be an https URL', "give the issuer's JWKS URL");
      if (ambient && !waypoint) bad('jwtRules', `[${i}]`, r?.issuer, 'needs a waypoint: ztunnel cannot validate JWTs', `override waypoint() in ${this.className} to return {}`);
      if (r?.forwardOriginalToken !== undefined && typeof r.forwardOriginalToken !== 'boolean') bad('jwtRules', `[${i}].forwardOriginalToken`, r.forwardOriginalToken, 'must be true or false', 'return a boolean');
      (r?.services ?? []).forEach((svc, j) => knownService('jwtRules', `[${i}].services[${j}]`, svc));
      if (r?.services !== undefined && r.services.length === 0) bad('jwtRules', `[${i}].services`, r.services, 'is empty: no request would be checked against this issuer', 'list the Services, or omit the field for those whose L7 policies read the JWT');
      const scoped = r?.services ?? jwtServices;
      if (r?.services === undefined && scoped.length === 0) {
        bad('jwtRules', `[${i}]`, r?.issuer, 'applies to no Service: no L7 policy reads a JWT (requestPrincipals or a request.auth. condition), and the rule names no services', 'require the token in l7Policies(), or list the Services in services');
      }
      return { ...r, services: sortedUnique(scoped) };
    });
    duplicates('jwtRules', jwtRules.map(r => r?.issuer), 'issuer');

    // trafficPolicies()
    const trafficPolicies = list('trafficPolicies', () => this.trafficPolicies());
    trafficPolicies.forEach((tp, i) => {
      knownService('trafficPolicies', `[${i}].service`, tp?.service);
      const tlsModes: Array<[string, string | undefined]> = [['.trafficPolicy.tls.mode', tp?.trafficPolicy?.tls?.mode]];
      (tp?.trafficPolicy?.portLevelSettings ?? []).forEach((pl, j) => tlsModes.push([`.trafficPolicy.portLevelSettings[${j}].tls.mode`, pl.tls?.mode]));
      for (const [path, mode] of tlsModes) {
        if (mode !== undefined && mode !== 'ISTIO_MUTUAL') bad('trafficPolicies', `[${i}]${path}`, mode, 'would replace Istio mTLS to an in-mesh Service', 'remove tls (auto-mTLS applies) or set ISTIO_MUTUAL');
      }
    });
    duplicates('trafficPolicies', trafficPolicies.map(tp => tp?.service), 'traffic policy for');

    const podSecurityLevel = this.call('podSecurityLevel', () => this.podSecurityLevel(), PodSecurityLevel.RESTRICTED);
    if (!Object.values(PodSecurityLevel).includes(podSecurityLevel)) bad('podSecurityLevel', '', podSecurityLevel, 'is not a Pod Security Standards level', 'use PodSecurityLevel.RESTRICTED, BASELINE or PRIVILEGED');

    const namespaceLabels = this.call('namespaceLabels', () => this.namespaceLabels(), {});
    for (const [k, v] of Object.entries(namespaceLabels)) {
      if (RESERVED_LABEL_PREFIXES.some(prefix => k.startsWith(prefix))) bad('namespaceLabels', `['${k}']`, v, 'sets a label the profile owns (mesh enrolment, Pod Security, library labels)', 'remove it; use the matching hook or the environment config');
      else if (!isLabelKey(k) || !isLabelValue(v)) bad('namespaceLabels', `['${k}']`, v, 'is not a valid label', 'use Kubernetes label keys and values');
    }

    // telemetry()
    const telemetry = this.call<TelemetryOverrides | undefined>('telemetry', () => this.telemetry(), undefined, true);
    if (telemetry !== undefined) {
      if (typeof telemetry !== 'object' || telemetry === null || Array.isArray(telemetry)) {
        bad('telemetry', '', telemetry, 'must return an object or undefined', 'return { samplingPercentage, accessLogging, customTags } with the fields to change');
      } else {
        const known = ['samplingPercentage', 'accessLogging', 'customTags'];
        for (const k of Object.keys(telemetry)) if (!known.includes(k)) bad('telemetry', `.${k}`, (telemetry as Record<string, unknown>)[k], 'is not a telemetry setting a namespace may change', `use ${known.join(', ')}`);
        const pct = telemetry.samplingPercentage;
        if (pct !== undefined && (typeof pct !== 'number' || !(pct >= 0 && pct <= 100))) bad('telemetry', '.samplingPercentage', pct, 'must be a percentage from 0 to 100', 'e.g. 10 for one request in ten');
        if (telemetry.accessLogging !== undefined && typeof telemetry.accessLogging !== 'boolean') bad('telemetry', '.accessLogging', telemetry.accessLogging, 'must be true or false', 'return a boolean');
        for (const [k, v] of Object.entries(telemetry.customTags ?? {})) {
          if (!TAG_KEY.test(k)) bad('telemetry', `.customTags['${k}']`, k, 'is not a valid tag name', 'use letters, digits, _ . and -, at most 63 characters');
          else if (k === 'cluster' || k === 'environment') bad('telemetry', `.customTags['${k}']`, v, 'is set by the platform for every span', 'use another tag name');
          if (typeof v !== 'string' || v.length === 0 || v.length > 256) bad('telemetry', `.customTags['${k}']`, v, 'must be a non-empty string of at most 256 characters', 'give the literal value of the tag');
        }
        if (ambient && !waypoint) {
          bad('telemetry', '', telemetry, 'needs a waypoint: in ambient mode ztunnel emits no spans and no HTTP access logs, so only a waypoint can apply it', `override waypoint() in ${this.className} to return {}, or remove telemetry()`);
        }
      }
    }

    return { services, routes, callers, dependencies, externalHosts, l7Policies, jwtRules, trafficPolicies, podSecurityLevel, namespaceLabels, waypoint, telemetry };
  }
}
