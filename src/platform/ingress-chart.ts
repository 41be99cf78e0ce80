import { Construct } from 'constructs';
import { ResolvedEnvironment } from '../config/resolve-environment';
import { AlbIngress } from '../constructs/alb-ingress';
import { GatewayCertificate } from '../constructs/gateway-certificate';
import { GatewayNetworkPolicy } from '../constructs/gateway-network-policy';
import { SharedGateway } from '../constructs/shared-gateway';
import { ChartLayer, MeshChart } from '../constructs/mesh-chart';

/**
 * The shared ingress path: ALB -> (HTTPS, self-signed) -> Istio ingress gateway. The gateway binds
 * VirtualServices of the enabled namespaces only, accepts connections from the ALB's subnets only,
 * and the ALB's IngressClass admits Ingresses of the gateway namespace only.
 */
export class IngressChart extends MeshChart {
  public readonly certificate: GatewayCertificate;
  public readonly gateway: SharedGateway;
  public readonly ingress: AlbIngress;
  public readonly networkPolicy: GatewayNetworkPolicy;

  constructor(scope: Construct, id: string, props: { readonly env: ResolvedEnvironment }) {
    super(scope, id, { env: props.env, layer: ChartLayer.INGRESS });
    const { env } = props;
    const gw = env.ingressGateway;

    // The ALB does not check the gateway's certificate, but cert-manager needs names:
    // give it each domain and its wildcard.
    this.certificate = new GatewayCertificate(this, 'Certificate', {
      namespace: gw.namespace,
      secretName: gw.tlsSecretName,
      dnsNames: env.domains.flatMap(d => [d, `*.${d}`]),
      organization: env.clusterName,
    });
    this.gateway = new SharedGateway(this, 'Gateway', {
      namespace: gw.namespace,
      name: gw.gatewayName,
      selector: gw.selectorLabels,
      credentialName: this.certificate.secretName,
      hosts: gw.hosts,
      plainHttpServer: gw.plainHttpServer,
    });
    this.ingress = new AlbIngress(this, 'Alb', {
      namespace: gw.namespace,
      name: env.alb.ingressName,
      gatewayServiceName: gw.serviceName,
      scheme: env.alb.scheme,
      certificateArns: env.alb.certificateArns,
      sslPolicy: env.alb.sslPolicy,
      groupName: env.alb.groupName,
      groupOrder: env.alb.groupOrder,
      subnets: env.alb.subnets,
      wafAclArn: env.alb.wafAclArn,
      tags: env.tags,
      loadBalancerAttributes: env.alb.loadBalancerAttributes,
    });
    // Metrics scraping of the gateway (15020/15090) is not admitted yet: add it as additionalIngress.
    this.networkPolicy = new GatewayNetworkPolicy(this, 'NetworkPolicy', {
      namespace: gw.namespace,
      name: `${gw.serviceName}-from-alb`,
      podLabels: gw.selectorLabels,
      sourceCidrs: env.alb.sourceCidrs,
    });
  }
}
