import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import { IpFamily } from '../config/environment-config';
import { HBONE_PORT } from './waypoint';
import { byCodePoint } from '../core/sort';

/** Pods of one Service and the container ports they serve. */
export interface PodPorts {
  /** Name used in the policy name (`allow-to-<name>`). */
  readonly name: string;
  /** Selector of the pods: the labels they carry (the Service's `spec.selector`). */
  readonly selector: Readonly<Record<string, string>>;
  /** Namespaces (other than this one) whose pods may connect, to every port in `ports`. */
  readonly fromNamespaces: readonly string[];
  /** Container ports of the Service. */
  readonly ports: readonly number[];
  /** Container ports the ingress gateway may connect to (those its routes reach); empty for none. */
  readonly gatewayPorts: readonly number[];
}

/** Properties of {@link NamespaceNetworkPolicies}. */
export interface NamespaceNetworkPoliciesProps {
  readonly namespace: string;
  /** Ambient namespaces receive mesh traffic on HBONE 15008 and kubelet probes from 169.254.7.127. */
  readonly ambient: boolean;
  /**
   * Ambient with a waypoint: every mesh peer connects to the waypoint first, so HBONE is admitted
   * to all pods of the namespace (ztunnel's authorization then admits only the waypoint to apps).
   */
  readonly waypoint: boolean;
  /** The ingress gateway pods: their namespace, and the selector that matches them. */
  readonly ingressGateway: { readonly namespace: string; readonly selector: Readonly<Record<string, string>> };
  /** Who may reach which pods. */
  readonly targets: readonly PodPorts[];
  /** Other namespaces called, with container ports (any port when absent). */
  readonly dependencies: ReadonlyArray<{ readonly namespace: string; readonly ports?: readonly number[] }>;
  /** External destinations. */
  readonly external: ReadonlyArray<{ readonly cidrs: readonly string[]; readonly except?: readonly string[]; readonly port: number }>;
  /** istiod, when pods of the namespace run an Envoy (sidecars, waypoint). */
  readonly istiod?: { readonly namespace: string };
  /**
   * The telemetry collector, when pods of the namespace emit spans (sidecars, waypoint). HBONE
   * 15008 is admitted beside the OTLP port: a collector in an ambient namespace is reached there.
   */
  readonly telemetry?: { readonly namespace: string; readonly port: number };
  /**
   * IP family of the cluster: IPv6 clusters also admit the IPv6 probe source to ambient pods.
   *
   * @default IpFamily.IPV4
   */
  readonly ipFamily?: IpFamily;
  /**
   * The Prometheus admitted to the proxies' metrics ports (15020 merged metrics, 15090 Envoy
   * stats), when pods of the namespace run an Envoy (sidecars, waypoint): its namespace, and the
   * selector of its pods (every pod of the namespace when absent).
   *
   * @default - no scrape is admitted
   */
  readonly monitoring?: { readonly namespace: string; readonly selector?: Readonly<Record<string, string>> };
}

/** Source address of kubelet probes to ambient pods (SNAT by istio-cni). */
export const AMBIENT_PROBE_SOURCE = '169.254.7.127/32';
/**
 * Source address of kubelet probes to ambient pods in IPv6 clusters (istio/istio
 * `cni/pkg/nodeagent/options.go`, `DefaultHostProbeSNATIPV6`).
 */
export const AMBIENT_PROBE_SOURCE_IPV6 = 'fd16:9254:7127:1337:ffff:ffff:ffff:ffff/128';
/** Ports Prometheus scrapes on an Envoy: the agent's merged metrics, and Envoy's own stats. */
export const PROXY_METRICS_PORTS: readonly number[] = [15020, 15090];
/** istiod's xDS and CA port. */
export const ISTIOD_XDS_PORT = 15012;

const NAME_LABEL = 'kubernetes.io/metadata.name';

function tcp(ports: readonly number[]): k8s.NetworkPolicyPort[] {
  return [...new Set(ports)].sort((a, b) => a - b).map(p => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(p) }));
}

function namespacePeer(namespace: string, selector?: Readonly<Record<string, string>>): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { [NAME_LABEL]: namespace } },
    ...(selector ? { podSelector: { matchLabels: { ...selector } } } : {}),
  };
}

/**
 * Defense-in-depth NetworkPolicies for a mesh namespace: default deny both ways, then exactly the
 * flows the mesh needs.
 *
 * - DNS to kube-system (UDP and TCP 53);
 * - within the namespace;
 * - per exposed or called Service: from the ingress gateway pods and the callers' namespaces, to its
 *   container ports and HBONE 15008 (peers on HBONE-enabled proxies connect there);
 * - ambient: kubelet probes from 169.254.7.127/32 (and the IPv6 source in IPv6 clusters), HBONE
 *   15008 everywhere mesh traffic flows;
 * - egress to called namespaces, external ranges, istiod 15012 and the collector (its port and
 *   15008) where needed;
 * - Prometheus to 15020 and 15090, when configured and the namespace runs an Envoy.
 *
 * NetworkPolicies cannot see identities: the AuthorizationPolicies stay the primary control.
 *
 * @see https://istio.io/latest/docs/ambient/usage/networkpolicy/
 */
export class NamespaceNetworkPolicies extends Construct {
  /** Every NetworkPolicy defined, by name. */
  public readonly policies: ReadonlyMap<string, k8s.KubeNetworkPolicy>;

  constructor(scope: Construct, id: string, props: NamespaceNetworkPoliciesProps) {
    super(scope, id);
    const policies = new Map<string, k8s.KubeNetworkPolicy>();
    const define = (name: string, spec: k8s.NetworkPolicySpec) => {
      policies.set(name, new k8s.KubeNetworkPolicy(this, name, { metadata: { name, namespace: props.namespace }, spec }));
    };
    const all = {};
    const gatewayPeer = namespacePeer(props.ingressGateway.namespace, props.ingressGateway.selector);

    define('default-deny', { podSelector: all, policyTypes: ['Ingress', 'Egress'] });
    define('allow-dns', {
      podSelector: all,
      policyTypes: ['Egress'],
      egress: [
        {
          to: [namespacePeer('kube-system')],
          ports: [
            { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
            { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
          ],
        },
      ],
    });
    define('allow-same-namespace', {
      podSelector: all,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: all }] }],
      egress: [{ to: [{ podSelector: all }] }],
    });
    if (props.ambient) {
      const sources = props.ipFamily === IpFamily.IPV6 ? [AMBIENT_PROBE_SOURCE, AMBIENT_PROBE_SOURCE_IPV6] : [AMBIENT_PROBE_SOURCE];
      define('allow-kubelet-probes', {
        podSelector: all,
        policyTypes: ['Ingress'],
        ingress: [{ from: sources.map(cidr => ({ ipBlock: { cidr } })) }],
      });
    }

    if (props.ambient && props.waypoint) {
      const namespaces = [...new Set(props.targets.flatMap(t => t.fromNamespaces))].sort(byCodePoint);
      const from = [...(props.targets.some(t => t.gatewayPorts.length > 0) ? [gatewayPeer] : []), ...namespaces.map(ns => namespacePeer(ns))];
      if (from.length > 0) define('allow-hbone', { podSelector: all, policyTypes: ['Ingress'], ingress: [{ from, ports: tcp([HBONE_PORT]) }] });
    } else {
      for (const target of [...props.targets].sort((a, b) => byCodePoint(a.name, b.name))) {
        const namespaces = [...new Set(target.fromNamespaces)].sort(byCodePoint);
        const ingress: k8s.NetworkPolicyIngressRule[] = [];
        if (target.gatewayPorts.length > 0) ingress.push({ from: [gatewayPeer], ports: tcp([...target.gatewayPorts, HBONE_PORT]) });
        if (namespaces.length > 0) ingress.push({ from: namespaces.map(ns => namespacePeer(ns)), ports: tcp([...target.ports, HBONE_PORT]) });
        if (ingress.length === 0) continue;
        define(`allow-to-${target.name}`, { podSelector: { matchLabels: { ...target.selector } }, policyTypes: ['Ingress'], ingress });
      }
    }

    if (props.dependencies.length > 0) {
      define('allow-egress-mesh', {
        podSelector: all,
        policyTypes: ['Egress'],
        egress: [...props.dependencies]
          .sort((a, b) => byCodePoint(a.namespace, b.namespace))
          .map(d => ({
            to: [namespacePeer(d.namespace)],
            ...(d.ports ? { ports: tcp([...d.ports, HBONE_PORT]) } : {}),
          })),
      });
    }
    if (props.external.length > 0) {
      define('allow-egress-external', {
        podSelector: all,
        policyTypes: ['Egress'],
        egress: props.external.map(e => ({
          to: e.cidrs.map(cidr => ({ ipBlock: { cidr, ...(e.except?.length ? { except: [...e.except] } : {}) } })),
          ports: tcp([e.port]),
        })),
      });
    }
    if (props.istiod) {
      define('allow-egress-istiod', {
        podSelector: all,
        policyTypes: ['Egress'],
        egress: [{ to: [namespacePeer(props.istiod.namespace, { app: 'istiod' })], ports: tcp([ISTIOD_XDS_PORT]) }],
      });
    }
    if (props.telemetry) {
      define('allow-egress-telemetry', {
        podSelector: all,
        policyTypes: ['Egress'],
        egress: [{ to: [namespacePeer(props.telemetry.namespace)], ports: tcp([props.telemetry.port, HBONE_PORT]) }],
      });
    }
    if (props.monitoring && (props.istiod || props.telemetry)) {
      define('allow-metrics-scrape', {
        podSelector: all,
        policyTypes: ['Ingress'],
        ingress: [{ from: [namespacePeer(props.monitoring.namespace, props.monitoring.selector)], ports: tcp(PROXY_METRICS_PORTS) }],
      });
    }
    this.policies = policies;
  }
}
