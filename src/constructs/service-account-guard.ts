import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import { isDnsLabel, isDnsSubdomain } from '../core/names';
import { Problem } from '../core/problem';
import { addCheck } from './checks';
import { NOT_A_NAMESPACE } from '../config/resolve/validators';

/** A ServiceAccount only its controller may run pods as, and who creates its workloads. */
export interface ProtectedServiceAccount {
  /** Namespace of the ServiceAccount. */
  readonly namespace: string;
  /** Name of the ServiceAccount. */
  readonly name: string;
  /**
   * Users (as the API server names them) that may create and change workloads (Deployments,
   * StatefulSets, DaemonSets, Jobs, CronJobs, ReplicationControllers) running as it, e.g.
   * `system:serviceaccount:istio-system:istiod` for a waypoint.
   */
  readonly workloadCreators: readonly string[];
}

/** Properties of a {@link ServiceAccountGuard}. */
export interface ServiceAccountGuardProps {
  /**
   * Name of the ValidatingAdmissionPolicy and its binding.
   *
   * @default 'mesh-protected-service-accounts'
   */
  readonly name?: string;
  /** The ServiceAccounts to protect. */
  readonly serviceAccounts: readonly ProtectedServiceAccount[];
  /**
   * An ALB IngressGroup that only Ingresses of one namespace may join (by the `group.name`
   * annotation): the group of the ALB in front of the ingress gateway.
   *
   * @default - no Ingress is checked
   */
  readonly albGroup?: { readonly name: string; readonly namespace: string };
}

/** The users that create pods of ReplicaSets and ReplicaSets of Deployments. */
export const REPLICASET_CONTROLLERS: readonly string[] = [
  'system:kube-controller-manager',
  'system:serviceaccount:kube-system:replicaset-controller',
];
export const DEPLOYMENT_CONTROLLERS: readonly string[] = [
  'system:kube-controller-manager',
  'system:serviceaccount:kube-system:deployment-controller',
];

const GROUP_NAME_ANNOTATION = 'alb.ingress.kubernetes.io/group.name';

function sorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A CEL string literal (the values are object names and user names: no quote or backslash). */
function str(value: string): string {
  return `'${value}'`;
}

function list(values: readonly string[]): string {
  return `[${values.map(str).join(', ')}]`;
}

/** The CEL expressions of the ServiceAccount policy, exported for tests. */
export function serviceAccountGuardExpressions(serviceAccounts: readonly ProtectedServiceAccount[]): {
  variables: Array<{ name: string; expression: string }>;
  validation: string;
  message: string;
} {
  const owners = new Map<string, string[]>();
  for (const sa of serviceAccounts)
    owners.set(`${sa.namespace}/${sa.name}`, sorted([...(owners.get(`${sa.namespace}/${sa.name}`) ?? []), ...sa.workloadCreators]));
  const map = `{${sorted(owners.keys())
    .map(k => `${str(k)}: ${list(owners.get(k)!)}`)
    .join(', ')}}`;
  return {
    variables: [
      { name: 'owners', expression: map },
      {
        name: 'podSpec',
        expression:
          "request.kind.kind == 'Pod' ? object.spec : (request.kind.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec)",
      },
      {
        name: 'serviceAccount',
        expression:
          "has(variables.podSpec.serviceAccountName) && variables.podSpec.serviceAccountName != '' ? variables.podSpec.serviceAccountName : (has(variables.podSpec.serviceAccount) && variables.podSpec.serviceAccount != '' ? variables.podSpec.serviceAccount : 'default')",
      },
      { name: 'key', expression: "request.namespace + '/' + variables.serviceAccount" },
      {
        name: 'allowed',
        expression: `request.kind.kind == 'Pod' ? ${list(REPLICASET_CONTROLLERS)} : (request.kind.kind == 'ReplicaSet' ? ${list(DEPLOYMENT_CONTROLLERS)} : (variables.key in variables.owners ? variables.owners[variables.key] : []))`,
      },
    ],
    // A change of metadata only (the garbage collector's owner references and finalizers) is let
    // through: it changes nothing that runs.
    validation:
      "!(variables.key in variables.owners) || request.userInfo.username in variables.allowed || (request.operation == 'UPDATE' && object.spec == oldObject.spec)",
    message:
      "'ServiceAccount ' + variables.key + ' is reserved for its Istio-managed workload; ' + request.userInfo.username + ' may not run a ' + request.kind.kind + ' as it'",
  };
}

/** The CEL expression of the IngressGroup check, exported for tests. */
export function albGroupExpression(group: { readonly name: string; readonly namespace: string }): string {
  return `request.namespace == ${str(group.namespace)} || !has(object.metadata.annotations) || !(${str(GROUP_NAME_ANNOTATION)} in object.metadata.annotations) || object.metadata.annotations[${str(GROUP_NAME_ANNOTATION)}] != ${str(group.name)}`;
}

/**
 * Admission guard for the identities that ztunnel trusts beyond a namespace's policies: the
 * waypoint ServiceAccounts (the namespace's `allow-waypoint` policy admits them to every pod and
 * port) and the ingress gateway's ServiceAccount.
 *
 * A Kubernetes ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) and its binding refuse,
 * for each protected `<namespace>/<ServiceAccount>`:
 * - a Pod running as it, unless the ReplicaSet controller creates it;
 * - a ReplicaSet whose pods run as it, unless the Deployment controller creates it;
 * - any other workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicationController)
 *   whose pods run as it, unless one of its `workloadCreators` writes it (istiod for waypoints: its
 *   gateway deployment controller server-side-applies them with its own client; Flux's
 *   helm-controller for the gateway);
 * - ephemeral containers added to such a pod.
 * Updates that leave `spec` unchanged pass. `failurePolicy: Fail`: when the expressions cannot be
 * evaluated the request is refused.
 *
 * With `albGroup`, a second policy refuses Ingresses outside the group's namespace that name the
 * group in their `group.name` annotation: the controller puts every Ingress with that annotation
 * into the group, whatever its class (`loadGroupID`, aws-load-balancer-controller
 * pkg/ingress/group_loader.go).
 */
export class ServiceAccountGuard extends Construct {
  /** The policy (the default child). */
  public readonly policy: k8s.KubeValidatingAdmissionPolicy;
  /** Its binding. */
  public readonly binding: k8s.KubeValidatingAdmissionPolicyBinding;

  constructor(scope: Construct, id: string, props: ServiceAccountGuardProps) {
    super(scope, id);
    const name = props.name ?? 'mesh-protected-service-accounts';
    addCheck(this, () => {
      const problems: Problem[] = [];
      if (!isDnsSubdomain(name))
        problems.push({ field: 'name', value: name, message: 'is not a valid object name', fix: 'use lowercase letters, digits, - and .' });
      if (props.serviceAccounts.length === 0)
        problems.push({
          field: 'serviceAccounts',
          value: [],
          message: 'must list at least one ServiceAccount',
          fix: "list the ingress gateway's ServiceAccount and the waypoints'",
        });
      props.serviceAccounts.forEach((sa, i) => {
        if (!isDnsLabel(sa.namespace))
          problems.push({
            field: `serviceAccounts[${i}].namespace`,
            value: sa.namespace,
            message: NOT_A_NAMESPACE,
            fix: 'use the namespace of the ServiceAccount',
          });
        if (!isDnsSubdomain(sa.name))
          problems.push({
            field: `serviceAccounts[${i}].name`,
            value: sa.name,
            message: 'is not a valid ServiceAccount name',
            fix: 'use lowercase letters, digits, - and .',
          });
        if (sa.name === 'default')
          problems.push({
            field: `serviceAccounts[${i}].name`,
            value: sa.name,
            message: "is the namespace's default ServiceAccount, which every pod without one runs as",
            fix: 'give the waypoint or gateway a ServiceAccount of its own',
          });
        if (sa.workloadCreators.length === 0)
          problems.push({
            field: `serviceAccounts[${i}].workloadCreators`,
            value: [],
            message: 'must name who creates the workload',
            fix: 'e.g. system:serviceaccount:istio-system:istiod',
          });
        sa.workloadCreators
          .filter(u => !/^[A-Za-z0-9:._@-]+$/.test(u))
          .forEach(u =>
            problems.push({
              field: `serviceAccounts[${i}].workloadCreators`,
              value: u,
              message: 'is not a user name',
              fix: 'use system:serviceaccount:<namespace>:<name>',
            }),
          );
      });
      if (props.albGroup && !isDnsLabel(props.albGroup.namespace))
        problems.push({
          field: 'albGroup.namespace',
          value: props.albGroup.namespace,
          message: NOT_A_NAMESPACE,
          fix: "use the ingress gateway's namespace",
        });
      if (props.albGroup && !/^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/.test(props.albGroup.name))
        problems.push({
          field: 'albGroup.name',
          value: props.albGroup.name,
          message: 'is not a valid IngressGroup name',
          fix: 'use at most 63 lowercase letters, digits, - and .',
        });
      return problems;
    });

    const cel = serviceAccountGuardExpressions(props.serviceAccounts);
    const operations = ['CREATE', 'UPDATE'];
    this.policy = new k8s.KubeValidatingAdmissionPolicy(this, 'Resource', {
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations, resources: ['pods', 'pods/ephemeralcontainers', 'replicationcontrollers'] },
            { apiGroups: ['apps'], apiVersions: ['v1'], operations, resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'] },
            { apiGroups: ['batch'], apiVersions: ['v1'], operations, resources: ['cronjobs', 'jobs'] },
          ],
        },
        variables: cel.variables,
        validations: [{ expression: cel.validation, messageExpression: cel.message, reason: 'Forbidden' }],
      },
    });
    this.binding = new k8s.KubeValidatingAdmissionPolicyBinding(this, 'Binding', {
      metadata: { name },
      spec: { policyName: name, validationActions: ['Deny'] },
    });
    this.node.defaultChild = this.policy;

    if (props.albGroup) {
      const groupPolicy = `${name}-alb-group`;
      new k8s.KubeValidatingAdmissionPolicy(this, 'AlbGroup', {
        metadata: { name: groupPolicy },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: [{ apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations, resources: ['ingresses'] }] },
          validations: [
            {
              expression: albGroupExpression(props.albGroup),
              message: `only Ingresses of namespace ${props.albGroup.namespace} may join the ALB IngressGroup ${props.albGroup.name}`,
              reason: 'Forbidden',
            },
          ],
        },
      });
      new k8s.KubeValidatingAdmissionPolicyBinding(this, 'AlbGroupBinding', {
        metadata: { name: groupPolicy },
        spec: { policyName: groupPolicy, validationActions: ['Deny'] },
      });
    }
  }
}
