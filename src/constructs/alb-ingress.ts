import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import { AlbConfig } from '../config/environment-config';
import { DEFAULT_SSL_POLICY } from '../config/ssl-policies';
import { isPort, NOT_A_PORT, albSchemeProblems } from '../config/resolve/validators';
import { GATEWAY_TERMINATION } from '../config/availability';
import { isDnsLabel, isDnsSubdomain } from '../core/names';
import { Problem } from '../core/problem';
import { addCheck } from './checks';
import { AlbIngressClass } from './alb-ingress-class';
import { byCodePoint } from '../core/sort';

/**
 * Properties of an {@link AlbIngress}: the environment's ALB settings, plus where the gateway is.
 * Config validation has checked the values already; the construct re-checks what it relies on.
 */
export interface AlbIngressProps extends Omit<AlbConfig, 'ingressName' | 'sourceCidrs'> {
  /** Namespace of the gateway Service (the Ingress must live beside its backend). */
  readonly namespace: string;
  /**
   * Name of the Ingress.
   *
   * @default 'istio-ingress'
   */
  readonly name?: string;
  /** The ingress gateway's Service: the only backend the ALB may ever target. */
  readonly gatewayServiceName: string;
  /**
   * The gateway Service port that serves HTTPS.
   *
   * @default 443
   */
  readonly gatewayServicePort?: number;
  /**
   * AWS tags of the ALB and its target groups.
   *
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Istio's readiness endpoint on the gateway's status port: plain HTTP, whatever the traffic port speaks. */
export const GATEWAY_STATUS_PORT = 15021;
export const GATEWAY_READINESS_PATH = '/healthz/ready';

const ANNOTATION = 'alb.ingress.kubernetes.io';

/** `k=v,k=v` in key order, as the controller's map annotations expect. */
function joinMap(record: Readonly<Record<string, string>>): string {
  return Object.entries(record)
    .sort(([a], [b]) => byCodePoint(a, b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * The AWS Load Balancer Controller Ingress that puts an ALB in front of the ingress gateway.
 *
 * - `target-type: ip`: the ALB sends to gateway pod IPs (the gateway Service stays ClusterIP);
 * - HTTPS listener with ACM certificates and a TLS 1.3 policy (the rule `alb-ssl-policy` fails the
 *   synth on any other), HTTP redirected to HTTPS;
 * - re-encrypted to the gateway (`backend-protocol: HTTPS`), whose certificate is self-signed;
 * - health check on the status port 15021 `/healthz/ready` over **HTTP**: the controller defaults
 *   the health-check protocol to the backend protocol, and HTTPS against 15021 always fails.
 *
 * The single backend is the gateway Service: the ALB speaks no mTLS, so it must never reach a
 * workload directly.
 *
 * The Ingress uses its own {@link AlbIngressClass} (named like the Ingress), whose parameters carry
 * the IngressGroup, scheme and SSL policy and admit Ingresses of the gateway namespace only: no
 * `group.name` annotation, which any Ingress of the cluster could copy.
 *
 * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/
 */
export class AlbIngress extends Construct {
  /** The raw Ingress (the default child). */
  public readonly resource: k8s.KubeIngress;
  /** The IngressClass and IngressClassParams of this Ingress. */
  public readonly ingressClass: AlbIngressClass;

  constructor(scope: Construct, id: string, props: AlbIngressProps) {
    super(scope, id);
    const name = props.name ?? 'istio-ingress';
    const port = props.gatewayServicePort ?? 443;
    const sslPolicy = props.sslPolicy ?? DEFAULT_SSL_POLICY;

    addCheck(this, () => {
      const problems: Problem[] = [];
      if (props.certificateArns.length === 0)
        problems.push({
          field: 'certificateArns',
          value: props.certificateArns,
          message: 'must list at least one ACM certificate ARN',
          fix: 'add the ACM certificate that covers the domains',
        });
      problems.push(...albSchemeProblems(props.scheme));
      if (!isDnsLabel(props.gatewayServiceName))
        problems.push({
          field: 'gatewayServiceName',
          value: props.gatewayServiceName,
          message: 'is not a valid Service name',
          fix: "use the ingress gateway's Service name",
        });
      if (!isDnsSubdomain(name))
        problems.push({ field: 'name', value: name, message: 'is not a valid object name', fix: 'use lowercase letters, digits, - and .' });
      if (!isPort(port))
        problems.push({ field: 'gatewayServicePort', value: port, message: NOT_A_PORT, fix: 'use the HTTPS port of the gateway Service, 443' });
      return problems;
    });

    const annotations: Record<string, string> = {
      [`${ANNOTATION}/scheme`]: props.scheme,
      [`${ANNOTATION}/target-type`]: 'ip',
      [`${ANNOTATION}/certificate-arn`]: props.certificateArns.join(','),
      [`${ANNOTATION}/listen-ports`]: '[{"HTTP": 80}, {"HTTPS": 443}]',
      [`${ANNOTATION}/ssl-redirect`]: '443',
      [`${ANNOTATION}/ssl-policy`]: sslPolicy,
      [`${ANNOTATION}/backend-protocol`]: 'HTTPS',
      [`${ANNOTATION}/healthcheck-protocol`]: 'HTTP',
      [`${ANNOTATION}/healthcheck-port`]: String(GATEWAY_STATUS_PORT),
      [`${ANNOTATION}/healthcheck-path`]: GATEWAY_READINESS_PATH,
      // Shorter than the gateway's drain (ELB's default is 300 s): see GATEWAY_TERMINATION.
      [`${ANNOTATION}/target-group-attributes`]: `deregistration_delay.timeout_seconds=${GATEWAY_TERMINATION.deregistrationDelay}`,
    };
    // The group name is in the IngressClassParams, which take precedence over the annotation.
    if (props.groupOrder !== undefined) annotations[`${ANNOTATION}/group.order`] = String(props.groupOrder);
    if (props.subnets?.length) annotations[`${ANNOTATION}/subnets`] = [...props.subnets].join(',');
    if (props.wafAclArn !== undefined) annotations[`${ANNOTATION}/wafv2-acl-arn`] = props.wafAclArn;
    if (props.tags && Object.keys(props.tags).length) annotations[`${ANNOTATION}/tags`] = joinMap(props.tags);
    if (props.loadBalancerAttributes && Object.keys(props.loadBalancerAttributes).length) {
      annotations[`${ANNOTATION}/load-balancer-attributes`] = joinMap(props.loadBalancerAttributes);
    }

    this.ingressClass = new AlbIngressClass(this, 'Class', {
      name,
      namespace: props.namespace,
      scheme: props.scheme,
      sslPolicy,
      groupName: props.groupName,
    });
    this.resource = new k8s.KubeIngress(this, 'Resource', {
      metadata: { name, namespace: props.namespace, annotations },
      spec: {
        ingressClassName: this.ingressClass.className,
        rules: [
          {
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: props.gatewayServiceName, port: { number: port } } },
                },
              ],
            },
          },
        ],
      },
    });
    this.node.defaultChild = this.resource;
  }
}
