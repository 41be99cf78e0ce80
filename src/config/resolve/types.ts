/** The shape of a resolved environment: every default applied and the derived values computed. */
import { ReplicaPolicy } from '../availability';
import { AlbScheme, InjectionStyle, IpFamily, MtlsMode, NamespaceSettings } from '../environment-config';

/** An environment with every default applied and the derived values computed. */
export interface ResolvedEnvironment {
  readonly name: string;
  readonly clusterName: string;
  readonly awsRegion: string;
  /** In the order the config lists them (duplicates are refused). */
  readonly domains: readonly string[];
  /** The first domain the config lists: the one profiles build their route hosts from. */
  readonly primaryDomain: string;
  /** AWS tags, including `Environment` and `Cluster`, sorted by key. */
  readonly tags: Readonly<Record<string, string>>;
  readonly alb: {
    readonly scheme: AlbScheme;
    readonly certificateArns: readonly string[];
    readonly sslPolicy: string;
    readonly groupName?: string;
    readonly groupOrder?: number;
    readonly subnets?: readonly string[];
    readonly wafAclArn?: string;
    readonly loadBalancerAttributes: Readonly<Record<string, string>>;
    readonly ingressName: string;
    /** IPv4 CIDRs the ALB sends from, sorted: the only sources the gateway pods accept. */
    readonly sourceCidrs: readonly string[];
  };
  readonly istio: {
    readonly revision: string;
    readonly injectionStyle: InjectionStyle;
    readonly mtlsMode: MtlsMode;
    readonly trustDomain: string;
    readonly rootNamespace: string;
    /** istiod revisions installed in the environment, sorted; `revision` is one of them. */
    readonly installedRevisions: readonly string[];
    /** The platform's Istio version (every chart and the default image tag). */
    readonly version: string;
    /** Image registry (`global.hub`). */
    readonly hub: string;
    /** Image tag (`global.tag`): the version, or the version and a mirror suffix. */
    readonly tag: string;
    /** Helm repository of the Istio charts (`https://` or `oci://`). */
    readonly chartRepository: string;
    /** Why the mesh-wide mode may be ahead of the previous environment's. */
    readonly mtlsAheadOfPreviousBecause?: string;
  };
  readonly ingressGateway: {
    readonly namespace: string;
    readonly serviceName: string;
    readonly serviceAccount: string;
    readonly selectorLabels: Readonly<Record<string, string>>;
    readonly gatewayName: string;
    readonly tlsSecretName: string;
    /**
     * Hosts of the gateway's servers: `<namespace>/*` for each enabled app-team namespace, sorted,
     * so that only VirtualServices of those namespaces bind; `<gateway namespace>/*` when none is
     * enabled.
     */
    readonly hosts: readonly string[];
    readonly plainHttpServer: boolean;
    /** SPIFFE principal of the gateway pods. */
    readonly principal: string;
    /** `<namespace>/<gatewayName>`, as VirtualService `gateways` names it. */
    readonly gatewayRef: string;
  };
  /** Enabled app-team namespaces, by name, sorted, with their migration settings. */
  readonly namespaces: Readonly<Record<string, ResolvedNamespaceSettings>>;
  /** Namespaces taken out of the environment, by name, sorted, with the reason. */
  readonly retiredNamespaces: Readonly<Record<string, string>>;
  readonly cluster: {
    readonly ipFamily: IpFamily;
  };
  /** The Prometheus admitted to the proxies' metrics ports, when configured. */
  readonly monitoring?: {
    readonly namespace: string;
    /** Sorted by key; undefined admits every pod of the namespace. */
    readonly podLabels?: Readonly<Record<string, string>>;
  };
  readonly telemetry: {
    readonly tracingProvider: string;
    readonly collectorHost: string;
    /** Namespace of the collector Service, parsed from its host. */
    readonly collectorNamespace: string;
    readonly collectorPort: number;
    readonly samplingPercentage: number;
    readonly accessLogging: boolean;
    /** Literal span tags: `cluster`, `environment` and the configured ones, sorted by key. */
    readonly customTags: Readonly<Record<string, string>>;
  };
  readonly flux: {
    readonly namespace: string;
    readonly sourceName: string;
    /** Infrastructure Kustomizations the Istio install waits for. */
    readonly dependsOn: readonly string[];
    /** Path of `dist/<env>` in the repository, starting with `./`. */
    readonly path: string;
    readonly kustomizationPrefix: string;
    readonly interval: string;
    /** Most app-team namespaces per folder of `dist/<env>/` (`NamespaceShards`). */
    readonly namespacesPerFolder: number;
  };
  readonly availability: {
    readonly highlyAvailable: boolean;
    readonly metricsServer: boolean;
    /** Replica policy of istiod, the ingress gateway and every waypoint. */
    readonly replicas: ReplicaPolicy;
  };
  readonly encryptedStorage?: {
    readonly kmsKeyArn: string;
    readonly name: string;
    readonly isDefault: boolean;
  };
}

/** A namespace's settings with the mTLS default applied (the dataplane default comes from its profile). */
export interface ResolvedNamespaceSettings extends NamespaceSettings {
  readonly mtlsMode: MtlsMode;
}
