/**
 * Well-known label and annotation keys, in one place.
 *
 * @see https://istio.io/latest/docs/reference/config/labels/
 */
export const Labels = {
  /** Ambient enrolment: `ambient` or `none`. */
  DATAPLANE_MODE: 'istio.io/dataplane-mode',
  /** Revision-based sidecar injection (and the revision a waypoint belongs to). */
  REVISION: 'istio.io/rev',
  /** Legacy sidecar injection: `enabled` or `disabled`, default revision only. */
  INJECTION: 'istio-injection',
  /** Sends a namespace's or Service's traffic through the named waypoint. */
  USE_WAYPOINT: 'istio.io/use-waypoint',
  /** What traffic a waypoint handles: service, workload, all or none. */
  WAYPOINT_FOR: 'istio.io/waypoint-for',
  /** Lets the ingress gateway route through a Service's waypoint. */
  INGRESS_USE_WAYPOINT: 'istio.io/ingress-use-waypoint',
  /** AWS Load Balancer Controller injects a readiness gate into pods of this namespace. */
  POD_READINESS_GATE_INJECT: 'elbv2.k8s.aws/pod-readiness-gate-inject',
  /** Pod Security Standards level enforced in a namespace. */
  POD_SECURITY_ENFORCE: 'pod-security.kubernetes.io/enforce',
  /** Recommended labels. */
  MANAGED_BY: 'app.kubernetes.io/managed-by',
  PART_OF: 'app.kubernetes.io/part-of',
  /** This library's own labels. */
  ENVIRONMENT: 'mesh.eks-istio-mesh.io/environment',
  TEAM: 'mesh.eks-istio-mesh.io/team',
} as const;

/** Value of `app.kubernetes.io/managed-by` on everything this library emits. */
export const MANAGED_BY_VALUE = 'eks-istio-mesh';

/** Annotations this library reads and writes. */
export const Annotations = {
  /** On a Namespace: the ServiceAccounts its workloads run as (comma-separated). */
  SERVICE_ACCOUNTS: 'mesh.eks-istio-mesh.io/service-accounts',
  /** On an AuthorizationPolicy: principals it allows that live outside this environment's output. */
  EXTERNAL_PRINCIPALS: 'mesh.eks-istio-mesh.io/external-principals',
  /** On a policy that selects the pods of one declared Service: that Service (for reports). */
  SERVICE: 'mesh.eks-istio-mesh.io/service',
  /** Prefix of a silence: `silence.mesh.eks-istio-mesh.io/<rule id>: <reason>`. */
  SILENCE_PREFIX: 'silence.mesh.eks-istio-mesh.io/',
} as const;
