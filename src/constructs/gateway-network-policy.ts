import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import { ipv4CidrProblem } from '../config/resolve-environment';
import { isDnsLabel, isDnsSubdomain, isLabelKey, isLabelValue } from '../core/names';
import { Problem } from '../core/problem';
import { addCheck } from './checks';
import { GATEWAY_STATUS_PORT } from './alb-ingress';
import { GATEWAY_HTTPS_PORT } from './shared-gateway';
import { isPort, NOT_A_NAMESPACE, NOT_A_PORT } from '../config/resolve/validators';

/** Properties of a {@link GatewayNetworkPolicy}. */
export interface GatewayNetworkPolicyProps {
  /** Namespace of the gateway pods. */
  readonly namespace: string;
  /**
   * Name of the NetworkPolicy.
   *
   * @default 'ingress-gateway-from-alb'
   */
  readonly name?: string;
  /** Labels of the gateway pods (the Istio Gateway `selector`). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** IPv4 CIDRs the ALB sends from. */
  readonly sourceCidrs: readonly string[];
  /**
   * Container port of the gateway's HTTPS listener. The `istio/gateway` chart's Service maps 443 to
   * target port 443 (manifests/charts/gateway/values.yaml), so the pods listen on 443.
   *
   * @default 443
   */
  readonly httpsPort?: number;
  /**
   * Further ingress rules, for sources other than the ALB, e.g. a metrics scraper on 15020/15090.
   *
   * @default - none
   */
  readonly additionalIngress?: readonly k8s.NetworkPolicyIngressRule[];
}

/**
 * Ingress NetworkPolicy of the ingress gateway pods: only the ALB's addresses may connect, on the
 * HTTPS port and the status port 15021 (the ALB health check). In-cluster pods can no longer call
 * the gateway directly and skip the ALB and its web ACL.
 *
 * Egress is not restricted. Nothing in the mesh connects to the gateway pods: istiod is called by
 * the gateway (xDS on 15012), not the other way round. kubelet probes come from the node, which
 * NetworkPolicy always admits (the AWS network policy agent adds the node IP to every policy:
 * aws/aws-network-policy-agent#65).
 */
export class GatewayNetworkPolicy extends Construct {
  /** The raw NetworkPolicy (the default child). */
  public readonly resource: k8s.KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: GatewayNetworkPolicyProps) {
    super(scope, id);
    const name = props.name ?? 'ingress-gateway-from-alb';
    const httpsPort = props.httpsPort ?? GATEWAY_HTTPS_PORT;
    const cidrs = [...new Set(props.sourceCidrs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    addCheck(this, () => {
      const problems: Problem[] = [];
      if (!isDnsSubdomain(name))
        problems.push({ field: 'name', value: name, message: 'is not a valid object name', fix: 'use lowercase letters, digits, - and .' });
      if (!isDnsLabel(props.namespace))
        problems.push({ field: 'namespace', value: props.namespace, message: NOT_A_NAMESPACE, fix: "use the gateway pods' namespace" });
      const labels = Object.entries(props.podLabels);
      if (labels.length === 0)
        problems.push({
          field: 'podLabels',
          value: props.podLabels,
          message: 'must not be empty (the policy would select every pod of the namespace)',
          fix: "give the gateway pods' labels, e.g. { istio: 'ingressgateway' }",
        });
      labels
        .filter(([key, value]) => !isLabelKey(key) || !isLabelValue(value))
        .forEach(([key, value]) =>
          problems.push({ field: `podLabels['${key}']`, value, message: 'is not a valid label', fix: 'use Kubernetes label keys and values' }),
        );
      if (cidrs.length === 0)
        problems.push({
          field: 'sourceCidrs',
          value: props.sourceCidrs,
          message: 'must list the CIDRs the ALB sends from',
          fix: "list the ALB subnets' CIDRs",
        });
      cidrs.forEach(cidr => {
        const why = ipv4CidrProblem(cidr);
        if (why) problems.push({ field: 'sourceCidrs', value: cidr, message: why, fix: "give the CIDR of one ALB subnet, e.g. '10.0.0.0/24'" });
      });
      if (!isPort(httpsPort))
        problems.push({ field: 'httpsPort', value: httpsPort, message: NOT_A_PORT, fix: "use the gateway container's HTTPS port, 443" });
      return problems;
    });

    this.resource = new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name, namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: { ...props.podLabels } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: cidrs.map(cidr => ({ ipBlock: { cidr } })),
            ports: [httpsPort, GATEWAY_STATUS_PORT].map(port => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
          },
          ...(props.additionalIngress ?? []),
        ],
      },
    });
    this.node.defaultChild = this.resource;
  }
}
