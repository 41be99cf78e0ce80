import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { HelmRelease } from '../../imports/flux-helm.toolkit.fluxcd.io';
import { checkReplicaPolicy, GATEWAY_TERMINATION, isHighlyAvailable, ReplicaPolicy, spreadConstraints } from '../config/availability';
import { Labels } from '../core/labels';
import { isDnsLabel, isDnsSubdomain, isLabelKey, isLabelValue } from '../core/names';
import { Problem } from '../core/problem';
import { addCheck } from './checks';
import { FLUX_PRUNE_ANNOTATION, FLUX_PRUNE_DISABLED } from './flux-prune';
import { IstioInstall } from './istio-install';
import { NOT_A_NAMESPACE } from '../config/resolve/validators';

/** Pod annotation with ProxyConfig overrides, read by the injector (istio/api `annotation`). */
export const PROXY_CONFIG_ANNOTATION = 'proxy.istio.io/config';

/**
 * The labels the gateway's Namespace carries: the ALB pod readiness gate (see
 * `podReadinessGate`). When the gateway runs in the root namespace, give them to the
 * {@link IstioInstall} (`namespaceLabels`), which creates that Namespace.
 */
export function gatewayNamespaceLabels(podReadinessGate = true): Readonly<Record<string, string>> {
  return podReadinessGate ? { [Labels.POD_READINESS_GATE_INJECT]: 'enabled' } : {};
}

/** Properties of an {@link IngressGatewayRelease}. */
export interface IngressGatewayReleaseProps {
  /** The control plane whose repository, version and istiod the gateway uses. */
  readonly install: IstioInstall;
  /** Namespace of the gateway Deployment and Service. */
  readonly namespace: string;
  /** Release name, which is also the name of the Service and Deployment. */
  readonly releaseName: string;
  /** ServiceAccount of the gateway pods: their SPIFFE identity, allowed by the namespaces. */
  readonly serviceAccount: string;
  /** Labels of the gateway pods, which the Istio Gateway selects. */
  readonly podLabels: Readonly<Record<string, string>>;
  /**
   * Label the namespace so the AWS Load Balancer Controller adds a readiness gate to the gateway
   * pods: a pod is Ready only once the ALB target is healthy, so rollouts do not drop requests.
   * In the root namespace the {@link IstioInstall} must carry the label (its `namespaceLabels`,
   * from {@link gatewayNamespaceLabels}); the synth fails otherwise.
   *
   * @default true
   */
  readonly podReadinessGate?: boolean;
  /**
   * Gateway pods. With two or more: a PodDisruptionBudget (`maxUnavailable: 1`) and spreading over
   * zones and nodes. With `maxReplicas`: the chart's HPA (needs metrics-server), else fixed
   * replicas and no HPA.
   *
   * @default { replicas: 2 } (fixed, no HPA)
   */
  readonly availability?: ReplicaPolicy;
}

/**
 * The shared ingress gateway, as a Flux Helm release of the `istio/gateway` chart, and its
 * Namespace.
 *
 * The chart names the Service and Deployment after the release and uses `serviceAccount.name` and
 * `labels` as given, so the gateway's ServiceAccount (the ingress principal namespaces allow) and
 * pod labels (the Istio Gateway selector) are exactly the environment config's. The Service is
 * `ClusterIP`: the ALB targets pod IPs (`target-type: ip`), and a `LoadBalancer` Service would make
 * AWS create a second load balancer.
 *
 * The Namespace carries no injection label: the chart's pods ask for the gateway injection
 * themselves (pod label `sidecar.istio.io/inject` and the revision), which `istio-injection:
 * disabled` on the namespace would refuse (pods then stay on image `auto`). The rule
 * `gateway-namespace-injection` fails the synth if anything adds that label.
 *
 * Rollouts behind the ALB drop no request (see {@link GATEWAY_TERMINATION} for the timeline):
 * - `strategy` surges a new pod before removing an old one (`maxUnavailable: 0`), and the ALB
 *   readiness gate keeps the new pod unready until its target is healthy;
 * - pilot-agent drains Envoy for `terminationDrainDuration` (pod annotation `proxy.istio.io/config`)
 *   after SIGTERM, longer than the controller's reaction plus the target group's deregistration
 *   delay, and `terminationGracePeriodSeconds` outlasts the drain;
 * - no preStop hook: the chart renders no `lifecycle` for the container, istiod's
 *   `global.proxy.lifecycle` would reach every injected proxy, and the distroless image variant
 *   has no `sleep`; the drain runs from SIGTERM instead.
 *
 * The chart's own autoscaling default (an HPA of one to five pods) is replaced: an HPA is emitted
 * only when `availability.maxReplicas` says metrics-server runs.
 *
 * @see https://istio.io/latest/docs/setup/additional-setup/gateway/
 */
export class IngressGatewayRelease extends Construct {
  /** The HelmRelease (the default child). */
  public readonly resource: HelmRelease;
  /** The Namespace object (shared with the control plane when the gateway runs in the root namespace). */
  public readonly namespaceObject: ApiObject;

  constructor(scope: Construct, id: string, props: IngressGatewayReleaseProps) {
    super(scope, id);
    const labels = gatewayNamespaceLabels(props.podReadinessGate ?? true);
    if (props.namespace === props.install.namespace) {
      this.namespaceObject = props.install.namespaceObject;
    } else {
      this.namespaceObject = new k8s.KubeNamespace(this, 'Namespace', {
        metadata: {
          name: props.namespace,
          ...(Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
          annotations: { [FLUX_PRUNE_ANNOTATION]: FLUX_PRUNE_DISABLED },
        },
      });
    }

    addCheck(this, () => this.check(props, labels));

    const availability = props.availability ?? { replicas: 2 };
    addCheck(this, () => checkReplicaPolicy('availability', availability));
    const ha = isHighlyAvailable(availability);

    this.resource = props.install.addChartRelease(
      this,
      'Resource',
      props.releaseName,
      'gateway',
      {
        revision: props.install.revision === 'default' ? '' : props.install.revision,
        service: { type: 'ClusterIP' },
        serviceAccount: { create: true, name: props.serviceAccount },
        labels: { ...props.podLabels },
        ...(availability.maxReplicas !== undefined
          ? { autoscaling: { enabled: true, minReplicas: availability.replicas, maxReplicas: availability.maxReplicas } }
          : { autoscaling: { enabled: false }, replicaCount: availability.replicas }),
        // The chart renders the PDB only with more than one replica (templates/poddisruptionbudget.yaml).
        ...(ha ? { podDisruptionBudget: { maxUnavailable: 1 }, topologySpreadConstraints: spreadConstraints(props.podLabels) } : {}),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        terminationGracePeriodSeconds: GATEWAY_TERMINATION.terminationGracePeriod,
        podAnnotations: { [PROXY_CONFIG_ANNOTATION]: `terminationDrainDuration: ${GATEWAY_TERMINATION.terminationDrain}s` },
      },
      props.namespace,
    );
    this.node.defaultChild = this.resource;
  }

  private check(props: IngressGatewayReleaseProps, labels: Readonly<Record<string, string>>): Problem[] {
    const problems: Problem[] = [];
    const bad = (field: string, value: unknown, message: string, fix: string) => problems.push({ field, value, message, fix });
    if (!isDnsLabel(props.namespace)) bad('namespace', props.namespace, NOT_A_NAMESPACE, 'use the namespace of the gateway');
    if (!isDnsLabel(props.releaseName, 53))
      bad(
        'releaseName',
        props.releaseName,
        'is not a valid Helm release name (DNS label, at most 53 characters)',
        'use a name such as istio-ingressgateway',
      );
    if (!isDnsSubdomain(props.serviceAccount))
      bad('serviceAccount', props.serviceAccount, 'is not a valid ServiceAccount name', 'use the ServiceAccount of the gateway pods');
    if (Object.keys(props.podLabels).length === 0)
      bad('podLabels', props.podLabels, 'must not be empty', "give the labels the Istio Gateway selects, e.g. { istio: 'ingressgateway' }");
    for (const [key, value] of Object.entries(props.podLabels)) {
      if (!isLabelKey(key) || !isLabelValue(value)) bad(`podLabels['${key}']`, value, 'is not a valid label', 'use Kubernetes label keys and values');
    }
    if (props.namespace === props.install.namespace) {
      const missing = Object.entries(labels).filter(([key, value]) => props.install.namespaceLabels[key] !== value);
      if (missing.length > 0) {
        bad(
          'namespace',
          props.namespace,
          `is the root namespace, whose Namespace (created by IstioInstall) lacks ${missing.map(([key, value]) => `${key}: ${value}`).join(', ')}, so the ALB would not gate the gateway pods' readiness`,
          'give the IstioInstall namespaceLabels: gatewayNamespaceLabels(), or set podReadinessGate: false',
        );
      }
    }
    return problems;
  }
}
