import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { HelmRelease } from '../../imports/flux-helm.toolkit.fluxcd.io';
import { Labels } from '../lib/labels';
import { isDnsLabel, isDnsSubdomain, isLabelKey, isLabelValue } from '../lib/names';
import { addCheck, Problem } from '../lib/validation';
import { IstioInstall } from './istio-install';

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
   *
   * @default true
   */
  readonly podReadinessGate?: boolean;
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
 * disabled` on the namespace would refuse (pods then stay on image `auto`). A check fails the synth
 * if anything adds that label.
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
    const readinessGate = props.podReadinessGate ?? true;
    if (props.namespace === props.install.namespace) {
      this.namespaceObject = props.install.namespaceObject;
    } else {
      this.namespaceObject = new k8s.KubeNamespace(this, 'Namespace', {
        metadata: { name: props.namespace, annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } },
      });
      }
    if (readinessGate) this.namespaceObject.metadata.addLabel(Labels.POD_READINESS_GATE_INJECT, 'enabled');

    addCheck(this, () => this.check(props));

    this.resource = props.install.addChartRelease(this, 'Resource', props.releaseName, 'gateway', {
      revision: props.install.revision === 'default' ? '' : props.install.revision,
      service: { type: 'ClusterIP' },
      serviceAccount: { create: true, name: props.serviceAccount },
      labels: { ...props.podLabels },
    }, props.namespace);
    this.node.defaultChild = this.resource;
  }

  private check(props: IngressGatewayReleaseProps): Problem[] {
    const problems: Problem[] = [];
    const bad = (field: string, value: unknown, message: string, fix: string) => problems.push({ field, value, message, fix });
    if (!isDnsLabel(props.namespace)) bad('namespace', props.namespace, 'is not a valid namespace name', 'use the namespace of the gateway');
    if (!isDnsLabel(props.releaseName, 53)) bad('releaseName', props.releaseName, 'is not a valid Helm release name (DNS label, at most 53 characters)', 'use a name such as istio-ingressgateway');
    if (!isDnsSubdomain(props.serviceAccount)) bad('serviceAccount', props.serviceAccount, 'is not a valid ServiceAccount name', 'use the ServiceAccount of the gateway pods');
    if (Object.keys(props.podLabels).length === 0) bad('podLabels', props.podLabels, 'must not be empty', "give the labels the Istio Gateway selects, e.g. { istio: 'ingressgateway' }");
    for (const [k, v] of Object.entries(props.podLabels)) {
      if (!isLabelKey(k) || !isLabelValue(v)) bad(`podLabels['${k}']`, v, 'is not a valid label', 'use Kubernetes label keys and values');
    }
    const labels = (this.namespaceObject.toJson() as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {};
    if (labels[Labels.INJECTION] === 'disabled') {
      bad('namespace', props.namespace, 'is labelled istio-injection: disabled, so the gateway pods would never be injected (image auto)', 'remove the label from the gateway namespace, or run the gateway in its own namespace');
    }
    return problems;
  }
}
