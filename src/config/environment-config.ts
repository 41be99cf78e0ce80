/**
 * The typed description of one environment: the only source of per-environment difference.
 *
 * Every field is readonly. Optional fields document their default with `@default`; the resolved
 * values (defaults applied) are produced by {@link resolveEnvironment}, whose section resolvers in
 * `./resolve/` hold the defaults as code (one `DEFAULTS` object per section).
 *
 * This file is longer than the others on purpose: it is the documented config type, one interface
 * per section with a doc comment per field, and the known-field tables that must list exactly the
 * fields of those interfaces. Splitting it would scatter the reference users read.
 */

/** Whether the ALB faces the internet or only the VPC. */
export enum AlbScheme {
  INTERNET_FACING = 'internet-facing',
  INTERNAL = 'internal',
}

/** Mesh-wide mutual TLS mode, as PeerAuthentication spells it. DISABLE is not offered. */
export enum MtlsMode {
  /** Only mTLS traffic is accepted. */
  STRICT = 'STRICT',
  /** mTLS and plaintext are both accepted (migration only). */
  PERMISSIVE = 'PERMISSIVE',
}

/**
 * How sidecar namespaces select the injector.
 *
 * @see https://istio.io/latest/docs/setup/upgrade/canary/
 */
export enum InjectionStyle {
  /** `istio.io/rev: <revision>`: works with any revision, required for canary upgrades. */
  REVISION_LABEL = 'revision-label',
  /** `istio-injection: enabled`: only the default revision answers it. */
  INJECTION_LABEL = 'injection-label',
}

/** AWS Load Balancer Controller settings of the one ALB in front of the ingress gateway. */
export interface AlbConfig {
  /** Internet-facing or internal. */
  readonly scheme: AlbScheme;
  /** ACM certificate ARNs for the HTTPS listener, in the environment's region; the first is the default. */
  readonly certificateArns: readonly string[];
  /**
   * Listener TLS policy; must be a known ELB security policy name.
   *
   * @default 'ELBSecurityPolicy-TLS13-1-2-2021-06'
   */
  readonly sslPolicy?: string;
  /**
   * IngressGroup name, to share the ALB with other Ingresses (anyone who can create an Ingress can
   * join the group: prefer a dedicated name).
   *
   * @default - the ALB is not shared
   */
  readonly groupName?: string;
  /**
   * Order of this Ingress's rules in the group (-1000 to 1000).
   *
   * @default - no order annotation (the controller uses 0); only with `groupName`
   */
  readonly groupOrder?: number;
  /**
   * Subnet IDs (`subnet-...`) or Name tags, at least two in different AZs.
   *
   * @default - subnets are discovered by their `kubernetes.io/role/elb` or `internal-elb` tags
   */
  readonly subnets?: readonly string[];
  /**
   * Regional WAFv2 web ACL ARN.
   *
   * @default - no web ACL
   */
  readonly wafAclArn?: string;
  /**
   * ALB attributes (`load-balancer-attributes`), merged over the defaults.
   *
   * @default { 'routing.http.drop_invalid_header_fields.enabled': 'true' }
   */
  readonly loadBalancerAttributes?: Readonly<Record<string, string>>;
  /**
   * Name of the Ingress object; also the name of its IngressClass and IngressClassParams.
   *
   * @default 'istio-ingress'
   */
  readonly ingressName?: string;
  /**
   * IPv4 CIDRs the ALB sends from: the CIDRs of the ALB's subnets. The gateway pods accept
   * connections (HTTPS and the health check) only from them, so in-cluster pods cannot skip the ALB
   * and its WAF. Use subnets that hold no pods, or those pods are admitted too.
   */
  readonly sourceCidrs: readonly string[];
}

/** Istio control-plane facts the manifests depend on. */
export interface IstioConfig {
  /**
   * The istiod revision sidecar namespaces are injected by.
   *
   * @default 'default'
   */
  readonly revision?: string;
  /**
   * How sidecar namespaces select the injector.
   *
   * @default InjectionStyle.REVISION_LABEL
   */
  readonly injectionStyle?: InjectionStyle;
  /**
   * Mesh-wide mTLS mode (root-namespace PeerAuthentication). STRICT only once every namespace is
   * in the mesh (or exempted).
   *
   * @default MtlsMode.STRICT
   */
  readonly mtlsMode?: MtlsMode;
  /**
   * Why the mesh-wide mode may be ahead of the previous environment's (promotion order).
   *
   * @default - it may not be
   */
  readonly mtlsAheadOfPreviousBecause?: string;
  /**
   * The mesh trust domain, first part of every SPIFFE principal.
   *
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
  /**
   * The Istio root namespace (where istiod runs and mesh-wide policy lives).
   *
   * @default 'istio-system'
   */
  readonly rootNamespace?: string;
  /**
   * istiod revisions installed side by side, one `istiod` Helm release each, all at the platform's
   * one Istio version. List two during a canary: namespaces move when `revision` changes, and the
   * old revision is removed from this list once nothing uses it. `revision` must be one of them.
   * The name `default` installs the default revision (answers `istio.io/rev=default`).
   *
   * @default - only `revision`
   * @see https://istio.io/latest/docs/setup/upgrade/canary/
   */
  readonly revisions?: readonly string[];
  /**
   * Registry the Istio images are pulled from (`global.hub`), for example a private ECR mirror.
   *
   * @default 'docker.io/istio'
   */
  readonly hub?: string;
  /**
   * Image tag (`global.tag`). It must be the platform's Istio version, optionally followed by a
   * suffix your mirror adds (`1.30.3-mirror1`): another version cannot be written down.
   *
   * @default - the platform's Istio version (ISTIO_VERSION)
   */
  readonly tag?: string;
  /**
   * Helm repository of the Istio charts: an `https://` index or an `oci://` registry (a mirror of
   * the official one).
   *
   * @default 'https://istio-release.storage.googleapis.com/charts'
   */
  readonly chartRepository?: string;
}

/** The shared Istio ingress gateway that the ALB targets. */
export interface IngressGatewayConfig {
  /**
   * Namespace of the gateway Deployment; the TLS Secret and Certificate live here too.
   *
   * @default 'istio-system'
   */
  readonly namespace?: string;
  /**
   * Name of the gateway's Service (the Helm `istio/gateway` release name).
   *
   * @default 'istio-ingressgateway'
   */
  readonly serviceName?: string;
  /**
   * ServiceAccount of the gateway pods; its SPIFFE principal is what namespaces allow in.
   *
   * @default - the Service name (the Helm chart names the ServiceAccount after the release)
   */
  readonly serviceAccount?: string;
  /**
   * Labels that select the gateway pods (Istio Gateway `selector`).
   *
   * @default - { istio: <service name without its 'istio-' prefix> }, as the Helm chart labels pods
   */
  readonly selectorLabels?: Readonly<Record<string, string>>;
  /**
   * Name of the shared `networking.istio.io` Gateway that routes bind to.
   *
   * @default 'shared-gateway'
   */
  readonly gatewayName?: string;
  /**
   * Name of the TLS Secret cert-manager writes and the gateway reads (`credentialName`).
   *
   * @default - '<service name>-tls'
   */
  readonly tlsSecretName?: string;
  /**
   * Add a plain-HTTP server on port 80. The ALB redirects HTTP to HTTPS, so this is rarely wanted.
   *
   * @default false
   */
  readonly plainHttpServer?: boolean;
}

/** Tracing and access logging. */
export interface TelemetryConfig {
  /**
   * Name of the OpenTelemetry extension provider defined in meshConfig.
   *
   * @default 'otel-tracing'
   */
  readonly tracingProvider?: string;
  /**
   * FQDN of the OpenTelemetry collector Service.
   *
   * @default 'opentelemetry-collector.observability.svc.cluster.local'
   */
  readonly collectorHost?: string;
  /**
   * OTLP gRPC port of the collector.
   *
   * @default 4317
   */
  readonly collectorPort?: number;
  /**
   * Percentage of requests traced, 0 to 100.
   *
   * @default 1
   */
  readonly samplingPercentage?: number;
  /**
   * Envoy access logs on the gateway, sidecars and waypoints (the built-in `envoy` provider).
   *
   * @default false
   */
  readonly accessLogging?: boolean;
  /**
   * Literal span tags added to every trace, besides `cluster` (the cluster name) and `environment`
   * (the environment name), which are always set.
   *
   * @default - only cluster and environment
   */
  readonly customTags?: Readonly<Record<string, string>>;
}

/** How the cluster's Flux applies `dist/<env>/`. */
export interface FluxConfig {
  /**
   * Namespace of the Flux Kustomizations and of their GitRepository.
   *
   * @default 'flux-system'
   */
  readonly namespace?: string;
  /**
   * Name of the GitRepository that holds this repository (the one `flux bootstrap` creates).
   *
   * @default 'flux-system'
   */
  readonly sourceName?: string;
  /**
   * Flux Kustomizations of the cluster that must be ready before the Istio install: the ones that
   * install cert-manager, the AWS Load Balancer Controller and the Gateway API CRDs.
   *
   * @default ['infrastructure']
   */
  readonly dependsOn?: readonly string[];
  /**
   * Path of this environment's folder in the repository.
   *
   * @default - './dist/<name>'
   */
  readonly path?: string;
  /**
   * Prefix of the Flux Kustomization names (`<prefix>-control-plane`, `<prefix>-config`,
   * `<prefix>-namespaces`).
   *
   * @default 'mesh'
   */
  readonly kustomizationPrefix?: string;
  /**
   * How often Flux reconciles, as a Go duration.
   *
   * @default '10m'
   */
  readonly interval?: string;
  /**
   * Most app-team namespaces in one folder of `dist/<env>/`, and so in one Flux Kustomization
   * (`namespaces/`, or `namespaces-<bits>/` once there are more). `kustomize build` of a folder,
   * which kustomize-controller runs on every reconcile, takes time that grows faster than the
   * folder (README, "Namespace shards"): lower it when the namespaces hold many objects each. A
   * change moves namespaces between Kustomizations (README, "`dist/` layout").
   *
   * @default 25
   */
  readonly namespacesPerFolder?: number;
}

/** An encrypted gp3 StorageClass for the environment (EBS CSI driver). */
export interface EncryptedStorageConfig {
  /** ARN of the KMS key that encrypts the volumes, in the cluster's region. */
  readonly kmsKeyArn: string;
  /**
   * StorageClass name.
   *
   * @default 'gp3-encrypted'
   */
  readonly name?: string;
  /**
   * Make it the cluster's default StorageClass.
   *
   * @default false
   */
  readonly isDefault?: boolean;
}

/**
 * How many pods the control plane and the data path run: istiod, the ingress gateway and every
 * waypoint. One pod of any of them is an outage when its node drains: istiod's injection and
 * validation webhooks fail closed, so no pod can be created and no Istio object written.
 */
export interface AvailabilityConfig {
  /**
   * Run istiod, the ingress gateway and waypoints with at least two pods each, a
   * PodDisruptionBudget and zone spreading. Set `false` only where an outage during a node drain
   * is acceptable (a lab).
   *
   * @default true
   */
  readonly highlyAvailable?: boolean;
  /**
   * metrics-server runs in the cluster, so HorizontalPodAutoscalers can read CPU usage. Without it
   * no HPA is emitted and the replica counts are fixed.
   *
   * @default false
   */
  readonly metricsServer?: boolean;
  /**
   * Pods each component always runs (the HPA minimum with metrics-server).
   *
   * @default - 2 when highly available, else 1
   */
  readonly replicas?: number;
  /**
   * Upper bound of the HPAs; only with `metricsServer`.
   *
   * @default 5
   */
  readonly maxReplicas?: number;
}

/** How a namespace's pods join the mesh, as a migration state. */
export enum DataplaneMode {
  /** ztunnel (L4) and optional waypoints (L7); no sidecars. */
  AMBIENT = 'ambient',
  /** An Envoy sidecar injected into every pod. */
  SIDECAR = 'sidecar',
  /** Not in the mesh yet (or taken out: rollback level 2); policies are emitted but not enforced. */
  OUT_OF_MESH = 'out-of-mesh',
}

/** Per-environment settings of one app team's namespace: its migration state. */
export interface NamespaceSettings {
  /**
   * Where the namespace stands in its migration. Taking it out of the mesh is rollback level 2.
   *
   * @default - the mode of the team's profile class (its target)
   */
  readonly dataplane?: DataplaneMode;
  /**
   * mTLS mode of this namespace (its own PeerAuthentication). PERMISSIVE is rollback level 1.
   *
   * @default - the environment's mesh-wide mode
   */
  readonly mtlsMode?: MtlsMode;
  /**
   * Why this namespace may be ahead of the previous environment in the promotion order.
   *
   * @default - it may not be
   */
  readonly aheadOfPreviousBecause?: string;
  /**
   * Why this namespace may stay out of the mesh while the mesh-wide mode is STRICT.
   *
   * @default - it may not
   */
  readonly strictExemptionBecause?: string;
  /**
   * Why a jump that skips the safe intermediate step (sidecar -> ambient without PERMISSIVE,
   * out of the mesh -> STRICT) is accepted.
   *
   * @default - it is refused
   */
  readonly unsafeTransitionBecause?: string;
}

/** IP family of the cluster's pods (EKS clusters are IPv4 or IPv6, chosen at creation). */
export enum IpFamily {
  IPV4 = 'IPv4',
  IPV6 = 'IPv6',
}

/** Facts about the cluster that the manifests depend on and nothing in `dist/` can check. */
export interface ClusterConfig {
  /**
   * IP family of the pods. In IPv6 clusters, istio-cni rewrites the source of kubelet probes to
   * ambient pods to `fd16:9254:7127:1337:ffff:ffff:ffff:ffff` (istio/istio
   * `cni/pkg/nodeagent/options.go`, `DefaultHostProbeSNATIPV6`), which the ambient NetworkPolicies
   * then admit besides the IPv4 `169.254.7.127`.
   *
   * @default IpFamily.IPV4
   */
  readonly ipFamily?: IpFamily;
}

/** The Prometheus that scrapes the proxies' metrics. */
export interface MonitoringConfig {
  /** Namespace of the Prometheus pods. */
  readonly namespace: string;
  /**
   * Labels of the Prometheus pods, to admit only them.
   *
   * @default - every pod of `namespace`
   */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** One environment (one EKS cluster, one `dist/<name>/` folder). */
export interface EnvironmentConfig {
  /** Environment name, a DNS label (`lab`, `prod`); also the `dist/` folder name. */
  readonly name: string;
  /** EKS cluster name. */
  readonly clusterName: string;
  /** AWS region of the cluster, e.g. `eu-west-1`. */
  readonly awsRegion: string;
  /**
   * DNS domains served by the shared gateway; every route host must be one of them or under one.
   * The order is kept: the first one is the primary domain (`env.primaryDomain`), which profiles
   * build their route hosts from.
   */
  readonly domains: readonly string[];
  /** The ALB in front of the ingress gateway. */
  readonly alb: AlbConfig;
  /**
   * Istio control-plane facts.
   *
   * @default - every IstioConfig default
   */
  readonly istio?: IstioConfig;
  /**
   * The shared ingress gateway.
   *
   * @default - every IngressGatewayConfig default
   */
  readonly ingressGateway?: IngressGatewayConfig;
  /**
   * Tracing and access logs.
   *
   * @default - every TelemetryConfig default
   */
  readonly telemetry?: TelemetryConfig;
  /**
   * App-team namespaces enabled in this environment, by namespace name. A namespace is emitted only
   * in the environments that list it; its profile class is registered in the team registry (`buildPlatform`'s `teams`).
   *
   * @default - no app-team namespace
   */
  readonly namespaces?: Readonly<Record<string, NamespaceSettings>>;
  /**
   * App-team namespaces taken out of this environment, by name, each with the reason (at least 10
   * characters): the ticket, and that the workloads are drained. A namespace that the committed
   * `dist/<env>/` holds and `namespaces` no longer lists is refused without it. Flux then prunes
   * the namespace's policies but never deletes the Namespace itself (it carries
   * `kustomize.toolkit.fluxcd.io/prune: disabled`): delete it by hand once it is empty.
   *
   * @default - no namespace is retired
   */
  readonly retiredNamespaces?: Readonly<Record<string, string>>;
  /**
   * Cluster facts the manifests depend on.
   *
   * @default - every ClusterConfig default
   */
  readonly cluster?: ClusterConfig;
  /**
   * The Prometheus that scrapes the Envoy proxies (sidecars and waypoints): team NetworkPolicies
   * admit it to 15020 (merged metrics) and 15090 (Envoy stats).
   *
   * @default - no scrape is admitted
   */
  readonly monitoring?: MonitoringConfig;
  /**
   * How Flux applies this environment.
   *
   * @default - every FluxConfig default
   */
  readonly flux?: FluxConfig;
  /**
   * An encrypted gp3 StorageClass, in the control-plane file.
   *
   * @default - none
   */
  readonly encryptedStorage?: EncryptedStorageConfig;
  /**
   * Replicas, disruption budgets and autoscaling of istiod, the ingress gateway and waypoints.
   *
   * @default - highly available, fixed replicas (no metrics-server)
   */
  readonly availability?: AvailabilityConfig;
  /**
   * AWS tags for what the controllers create (the ALB), as key/value.
   *
   * @default - only the `Environment` and `Cluster` tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

// -------------------------------------------------------------------------------------------------
// Known fields, per object level. `npm run synth` runs the configs through tsx, which does not type
// check, so a misspelled field would otherwise be ignored silently (a rollback setting that does
// nothing). Each table must list exactly the fields of its interface: `satisfies` makes tsc fail
// when a field is added to (or removed from) an interface without updating its table.

/** Every field of `T`, each mapped to true. */
export type KnownFields<T> = { readonly [K in keyof Required<T>]: true };

/** The fields of {@link EnvironmentConfig}. */
export const ENVIRONMENT_CONFIG_FIELDS = {
  name: true,
  clusterName: true,
  awsRegion: true,
  domains: true,
  alb: true,
  istio: true,
  ingressGateway: true,
  telemetry: true,
  namespaces: true,
  retiredNamespaces: true,
  cluster: true,
  monitoring: true,
  flux: true,
  encryptedStorage: true,
  availability: true,
  tags: true,
} as const satisfies KnownFields<EnvironmentConfig>;

/** The fields of {@link AlbConfig}. */
export const ALB_CONFIG_FIELDS = {
  scheme: true,
  certificateArns: true,
  sslPolicy: true,
  groupName: true,
  groupOrder: true,
  subnets: true,
  wafAclArn: true,
  loadBalancerAttributes: true,
  ingressName: true,
  sourceCidrs: true,
} as const satisfies KnownFields<AlbConfig>;

/** The fields of {@link IstioConfig}. */
export const ISTIO_CONFIG_FIELDS = {
  revision: true,
  injectionStyle: true,
  mtlsMode: true,
  mtlsAheadOfPreviousBecause: true,
  trustDomain: true,
  rootNamespace: true,
  revisions: true,
  hub: true,
  tag: true,
  chartRepository: true,
} as const satisfies KnownFields<IstioConfig>;

/** The fields of {@link IngressGatewayConfig}. */
export const INGRESS_GATEWAY_CONFIG_FIELDS = {
  namespace: true,
  serviceName: true,
  serviceAccount: true,
  selectorLabels: true,
  gatewayName: true,
  tlsSecretName: true,
  plainHttpServer: true,
} as const satisfies KnownFields<IngressGatewayConfig>;

/** The fields of {@link TelemetryConfig}. */
export const TELEMETRY_CONFIG_FIELDS = {
  tracingProvider: true,
  collectorHost: true,
  collectorPort: true,
  samplingPercentage: true,
  accessLogging: true,
  customTags: true,
} as const satisfies KnownFields<TelemetryConfig>;

/** The fields of {@link FluxConfig}. */
export const FLUX_CONFIG_FIELDS = {
  namespace: true,
  sourceName: true,
  dependsOn: true,
  path: true,
  kustomizationPrefix: true,
  interval: true,
  namespacesPerFolder: true,
} as const satisfies KnownFields<FluxConfig>;

/** The fields of {@link EncryptedStorageConfig}. */
export const ENCRYPTED_STORAGE_CONFIG_FIELDS = {
  kmsKeyArn: true,
  name: true,
  isDefault: true,
} as const satisfies KnownFields<EncryptedStorageConfig>;

/** The fields of {@link AvailabilityConfig}. */
export const AVAILABILITY_CONFIG_FIELDS = {
  highlyAvailable: true,
  metricsServer: true,
  replicas: true,
  maxReplicas: true,
} as const satisfies KnownFields<AvailabilityConfig>;

/** The fields of {@link NamespaceSettings}. */
export const NAMESPACE_SETTINGS_FIELDS = {
  dataplane: true,
  mtlsMode: true,
  aheadOfPreviousBecause: true,
  strictExemptionBecause: true,
  unsafeTransitionBecause: true,
} as const satisfies KnownFields<NamespaceSettings>;

/** The fields of {@link ClusterConfig}. */
export const CLUSTER_CONFIG_FIELDS = { ipFamily: true } as const satisfies KnownFields<ClusterConfig>;

/** The fields of {@link MonitoringConfig}. */
export const MONITORING_CONFIG_FIELDS = { namespace: true, podLabels: true } as const satisfies KnownFields<MonitoringConfig>;
