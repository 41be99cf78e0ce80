import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import { IngressClassParams, IngressClassParamsSpecScheme } from '../../imports/awslbc-elbv2.k8s.aws';
import { AlbScheme } from '../config/environment-config';
import { isDnsLabel, isDnsSubdomain } from '../core/names';
import { Problem } from '../core/problem';
import { addCheck } from './checks';
import { GROUP_NAME, NOT_A_NAMESPACE, NOT_AN_INGRESS_GROUP, albSchemeProblems } from '../config/resolve/validators';

/** Properties of an {@link AlbIngressClass}. */
export interface AlbIngressClassProps {
  /** Name of the IngressClass and of its IngressClassParams (both cluster-scoped). */
  readonly name: string;
  /** The only namespace whose Ingresses may use the class: the ingress gateway's. */
  readonly namespace: string;
  /** Scheme of every ALB of the class. */
  readonly scheme: AlbScheme;
  /** Listener TLS policy of every ALB of the class. */
  readonly sslPolicy: string;
  /**
   * IngressGroup of every Ingress of the class.
   *
   * @default - each Ingress gets its own ALB
   */
  readonly groupName?: string;
}

/** The IngressClass controller name of the AWS Load Balancer Controller. */
export const ALB_CONTROLLER = 'ingress.k8s.aws/alb';

/**
 * An ALB IngressClass that only the ingress gateway's namespace may use, with its
 * IngressClassParams: `namespaceSelector` on `kubernetes.io/metadata.name`, and the group, scheme and
 * SSL policy, which take precedence over the same annotations on the Ingresses of the class.
 *
 * The controller refuses an Ingress of the class from another namespace (`Load`,
 * pkg/ingress/class_loader.go), takes the group name from the params before the `group.name`
 * annotation (`loadGroupID`, pkg/ingress/group_loader.go), and likewise the scheme
 * (`buildLoadBalancerScheme`, pkg/ingress/model_build_load_balancer.go) and SSL policy
 * (`computeIngressExplicitSSLPolicy`, pkg/ingress/model_build_listener.go).
 *
 * It does not stop an Ingress of another class from naming the same group in its `group.name`
 * annotation; {@link ServiceAccountGuard} refuses such Ingresses at admission.
 */
export class AlbIngressClass extends Construct {
  /** Name of the IngressClass, for `spec.ingressClassName`. */
  public readonly className: string;
  /** The IngressClass (the default child). */
  public readonly ingressClass: k8s.KubeIngressClass;
  /** Its parameters. */
  public readonly params: IngressClassParams;

  constructor(scope: Construct, id: string, props: AlbIngressClassProps) {
    super(scope, id);
    this.className = props.name;
    addCheck(this, () => {
      const problems: Problem[] = [];
      if (!isDnsSubdomain(props.name))
        problems.push({ field: 'name', value: props.name, message: 'is not a valid object name', fix: 'use lowercase letters, digits, - and .' });
      if (!isDnsLabel(props.namespace))
        problems.push({ field: 'namespace', value: props.namespace, message: NOT_A_NAMESPACE, fix: "use the ingress gateway's namespace" });
      if (props.groupName !== undefined && !GROUP_NAME.test(props.groupName))
        problems.push({
          field: 'groupName',
          value: props.groupName,
          message: NOT_AN_INGRESS_GROUP,
          fix: 'use at most 63 lowercase letters, digits, - and .',
        });
      problems.push(...albSchemeProblems(props.scheme));
      return problems;
    });

    this.params = new IngressClassParams(this, 'Params', {
      metadata: { name: props.name },
      spec: {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': props.namespace } },
        scheme:
          props.scheme === AlbScheme.INTERNET_FACING ? IngressClassParamsSpecScheme.INTERNET_HYPHEN_FACING : IngressClassParamsSpecScheme.INTERNAL,
        sslPolicy: props.sslPolicy,
        ...(props.groupName !== undefined ? { group: { name: props.groupName } } : {}),
      },
    });
    this.ingressClass = new k8s.KubeIngressClass(this, 'Resource', {
      metadata: { name: props.name },
      spec: {
        controller: ALB_CONTROLLER,
        parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: props.name },
      },
    });
    this.node.defaultChild = this.ingressClass;
  }
}
