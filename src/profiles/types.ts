/**
 * What namespace-profile hooks return, and the same data as one object a profile can be built
 * from (`NamespaceDeclarations`). Plain data: the profile validates it and renders it.
 */
import { DestinationRuleSpecTrafficPolicy } from '../../imports/istio-networking.istio.io';

import { DataplaneMode } from '../config/environment-config';
import { TelemetryOverrides } from '../constructs/mesh-telemetry';

export { DataplaneMode };

/** Pod Security Standards level enforced on the namespace. */
export enum PodSecurityLevel {
  RESTRICTED = 'restricted',
  BASELINE = 'baseline',
  PRIVILEGED = 'privileged',
}

/** One port of a declared Service. */
export interface ServicePortDeclaration {
  /** The Service port clients and routes use. */
  readonly port: number;
  /**
   * The container port behind it. Authorization and NetworkPolicies match container ports.
   *
   * @default - the same as `port`
   */
  readonly targetPort?: number;
}

/**
 * A Service of the team (deployed by the team itself, e.g. with its Helm chart). Declaring it
 * tells the profile which pods to protect and on which ports.
 */
export interface ServiceDeclaration {
  /** Service name. */
  readonly name: string;
  /** Labels of the Service's pods (its `spec.selector`). */
  readonly selector: Readonly<Record<string, string>>;
  /** Its ports. */
  readonly ports: readonly ServicePortDeclaration[];
  /**
   * ServiceAccount its pods run as. Declared on the Namespace (annotation
   * `mesh.eks-istio-mesh.io/service-accounts`) so that policies naming it can be checked.
   *
   * @default - not declared
   */
  readonly serviceAccount?: string;
}

/** A path prefix of an exposed route, sent to a declared Service port. */
export interface RouteRuleDeclaration {
  /**
   * URI prefix.
   *
   * @default '/'
   */
  readonly pathPrefix?: string;
  /** A Service declared by `services()`. */
  readonly service: string;
  /** One of that Service's ports. */
  readonly port: number;
}

/** Hosts exposed on the shared ingress gateway. */
export interface RouteDeclaration {
  /** Name of the VirtualService. */
  readonly name: string;
  /** Host names, each under one of the environment's domains. */
  readonly hosts: readonly string[];
  /** Where requests go. */
  readonly rules: readonly RouteRuleDeclaration[];
}

/** A workload elsewhere in the mesh allowed to call this namespace's Services (all their ports). */
export interface CallerDeclaration {
  /** Namespace of the caller. */
  readonly namespace: string;
  /** ServiceAccount of the caller's pods; its SPIFFE principal is what is allowed. */
  readonly serviceAccount: string;
  /**
   * Declared Services it may call.
   *
   * @default - every declared Service
   */
  readonly services?: readonly string[];
  /**
   * The caller lives outside this environment's output (a namespace the platform does not manage
   * here); it is listed in the policy's `mesh.eks-istio-mesh.io/external-principals` annotation.
   *
   * @default false
   */
  readonly external?: boolean;
  /**
   * How the caller's pods join the mesh, for a caller outside this environment's output (for
   * namespaces of the environment it is read from their profile and migration state). It decides
   * where the caller is admitted in a namespace with a waypoint: ambient callers go through the
   * waypoint; sidecars send straight to the pods, where ztunnel decides.
   *
   * @default - unknown: admitted both at the waypoint and, at L4, by ztunnel
   */
  readonly dataplane?: DataplaneMode;
}

/** Another namespace this namespace calls. */
export interface DependencyDeclaration {
  /** The namespace called. */
  readonly namespace: string;
  /**
   * Container ports called there (NetworkPolicy egress; HBONE 15008 is always added).
   *
   * @default - any port of that namespace
   */
  readonly ports?: readonly number[];
}

/** Protocols of an external host, as ServiceEntry names them. */
export enum ExternalProtocol {
  HTTPS = 'HTTPS',
  TLS = 'TLS',
  HTTP = 'HTTP',
  TCP = 'TCP',
  GRPC = 'GRPC',
}

/** A host outside the cluster that the namespace reaches. */
export interface ExternalHostDeclaration {
  /** DNS name, e.g. `api.stripe.com`. */
  readonly host: string;
  /** Port. */
  readonly port: number;
  /** Protocol. */
  readonly protocol: ExternalProtocol;
  /**
   * Address ranges the host resolves into, for the NetworkPolicy egress rule.
   *
   * @default - any public address (0.0.0.0/0 except private, link-local and carrier-grade NAT ranges)
   */
  readonly cidrs?: readonly string[];
}

/** A principal for a rule: a workload by namespace and ServiceAccount. */
export interface WorkloadIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
  /**
   * Lives outside this environment's output (see {@link CallerDeclaration.external}).
   *
   * @default false
   */
  readonly external?: boolean;
  /**
   * How the workload joins the mesh, when it is outside this environment's output (see
   * {@link CallerDeclaration.dataplane}). An L7 rule for it in a namespace with a waypoint needs
   * `DataplaneMode.AMBIENT`: only traffic through the waypoint meets L7 rules.
   *
   * @default - unknown
   */
  readonly dataplane?: DataplaneMode;
}

/** A condition of an authorization rule (`when`). */
export interface Condition {
  /** Attribute, e.g. `request.auth.claims[groups]`. */
  readonly key: string;
  /** Accepted values. */
  readonly values: readonly string[];
}

/** Authorization actions a team may use. */
export enum PolicyAction {
  ALLOW = 'ALLOW',
  DENY = 'DENY',
}

/**
 * An HTTP-aware (L7) authorization policy. In ambient namespaces it requires a waypoint and is
 * attached to the Services with `targetRefs`; in sidecar namespaces it selects their pods.
 */
export interface L7PolicyDeclaration {
  /** Policy name. */
  readonly name: string;
  /** Declared Services it applies to. */
  readonly services: readonly string[];
  /**
   * ALLOW or DENY.
   *
   * @default PolicyAction.ALLOW
   */
  readonly action?: PolicyAction;
  /** Who: workloads, the ingress gateway, JWT principals (`<iss>/<sub>`; `*` means any valid JWT). */
  readonly from?: {
    readonly workloads?: readonly WorkloadIdentity[];
    readonly ingressGateway?: boolean;
    readonly requestPrincipals?: readonly string[];
  };
  /** What: HTTP methods and paths. */
  readonly to?: {
    readonly methods?: readonly string[];
    readonly paths?: readonly string[];
  };
  /**
   * Extra conditions.
   *
   * @default - none
   */
  readonly when?: readonly Condition[];
}

/** A JWT issuer accepted by the namespace (RequestAuthentication). */
export interface JwtRuleDeclaration {
  /** `iss` of accepted tokens. */
  readonly issuer: string;
  /** HTTPS URL of the issuer's JSON Web Key Set. */
  readonly jwksUri: string;
  /**
   * Accepted `aud` values.
   *
   * @default - any audience
   */
  readonly audiences?: readonly string[];
  /**
   * Declared Services whose requests are checked against this issuer (RequestAuthentication
   * attached to them only).
   *
   * @default - the Services whose L7 policies read the JWT (`requestPrincipals` or a
   * `request.auth.` condition)
   */
  readonly services?: readonly string[];
  /**
   * Pass the original `Authorization` header on to the application (Istio removes it after
   * validating the token otherwise).
   *
   * @default false
   */
  readonly forwardOriginalToken?: boolean;
}

/** Traffic policy for one declared Service (a DestinationRule). */
export interface TrafficPolicyDeclaration {
  /** A declared Service. */
  readonly service: string;
  /**
   * Load balancing, connection pool, outlier detection. `tls.mode` may only be ISTIO_MUTUAL (or
   * absent: auto-mTLS already applies).
   */
  readonly trafficPolicy: DestinationRuleSpecTrafficPolicy;
}

/** A waypoint for the namespace (ambient only). */
export interface WaypointOptions {
  /**
   * Name of the waypoint Gateway (and of its ServiceAccount).
   *
   * @default 'waypoint'
   */
  readonly name?: string;
  /**
   * Send traffic from the ingress gateway through the waypoint too, so L7 policies apply to it.
   * When false, the gateway bypasses the waypoint and is admitted by ztunnel directly.
   *
   * @default true
   */
  readonly ingressThroughWaypoint?: boolean;
}

/**
 * Everything a namespace declares, as one object: what the hooks of a profile return when a
 * subclass does not override them (`NamespaceProfileProps.declarations`). Each field has the name
 * of its hook and the type the hook returns.
 */
export interface NamespaceDeclarations {
  /**
   * The team's Services (`services()`).
   *
   * @default - none
   */
  readonly services?: readonly ServiceDeclaration[];
  /**
   * Routes on the shared ingress gateway (`routes()`).
   *
   * @default - none
   */
  readonly routes?: readonly RouteDeclaration[];
  /**
   * Workloads allowed to call the Services (`callers()`).
   *
   * @default - none (deny by default)
   */
  readonly callers?: readonly CallerDeclaration[];
  /**
   * Namespaces this namespace calls (`dependencies()`).
   *
   * @default - none
   */
  readonly dependencies?: readonly DependencyDeclaration[];
  /**
   * Hosts outside the cluster (`externalHosts()`).
   *
   * @default - none
   */
  readonly externalHosts?: readonly ExternalHostDeclaration[];
  /**
   * HTTP-aware authorization (`l7Policies()`).
   *
   * @default - none
   */
  readonly l7Policies?: readonly L7PolicyDeclaration[];
  /**
   * Accepted JWT issuers (`jwtRules()`).
   *
   * @default - none
   */
  readonly jwtRules?: readonly JwtRuleDeclaration[];
  /**
   * DestinationRules for declared Services (`trafficPolicies()`).
   *
   * @default - none
   */
  readonly trafficPolicies?: readonly TrafficPolicyDeclaration[];
  /**
   * Pod Security Standards level (`podSecurityLevel()`).
   *
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly podSecurityLevel?: PodSecurityLevel;
  /**
   * Extra Namespace labels (`namespaceLabels()`).
   *
   * @default - none
   */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /**
   * The waypoint (`waypoint()`); ambient profiles only, a sidecar profile refuses it.
   *
   * @default - no waypoint
   */
  readonly waypoint?: WaypointOptions;
  /**
   * Telemetry overrides (`telemetry()`).
   *
   * @default - the environment's telemetry
   */
  readonly telemetry?: TelemetryOverrides;
}
