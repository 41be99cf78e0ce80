/**
 * How many pods a mesh component runs, and the numbers that let the ingress gateway roll behind the
 * ALB without dropping requests.
 */
import { Problem } from '../core/problem';

/** Replica policy of one Deployment (istiod, the ingress gateway, a waypoint). */
export interface ReplicaPolicy {
  /** Pods that always run (the HPA minimum when `maxReplicas` is set). At least 1. */
  readonly replicas: number;
  /**
   * Upper bound of a HorizontalPodAutoscaler. Set it only when metrics-server runs: an HPA without
   * resource metrics never scales.
   *
   * @default - fixed `replicas`, no HPA
   */
  readonly maxReplicas?: number;
}

/** A component is highly available when two pods or more always run. */
export function isHighlyAvailable(policy: ReplicaPolicy): boolean {
  return policy.replicas >= 2;
}

/** The single-pod policy (no PDB, no HPA). */
export const SINGLE_REPLICA: ReplicaPolicy = { replicas: 1 };

/** Check a replica policy given to a construct; `field` prefixes the problem fields. */
export function checkReplicaPolicy(field: string, policy: ReplicaPolicy): Problem[] {
  const problems: Problem[] = [];
  if (!Number.isInteger(policy.replicas) || policy.replicas < 1) {
    problems.push({
      field: `${field}.replicas`,
      value: policy.replicas,
      message: 'must be an integer of at least 1',
      fix: 'use 2 or more where one pod is an outage, 1 in a lab',
    });
  }
  if (policy.maxReplicas !== undefined && (!Number.isInteger(policy.maxReplicas) || policy.maxReplicas < policy.replicas)) {
    problems.push({
      field: `${field}.maxReplicas`,
      value: policy.maxReplicas,
      message: `must be an integer of at least replicas (${policy.replicas})`,
      fix: 'raise it, or remove it for a fixed replica count',
    });
  }
  return problems;
}

/**
 * Topology spread of a component's pods: across zones (hard: losing a zone is what two replicas
 * must survive) and across nodes (soft: a small cluster may have to place two pods on one node,
 * which the PodDisruptionBudget still protects). `pod-template-hash` makes the skew count only the
 * pods of one ReplicaSet, so a rollout's surge pod is not pushed aside by the pods it replaces.
 */
export function spreadConstraints(matchLabels: Readonly<Record<string, string>>): Array<Record<string, unknown>> {
  // A fresh selector per entry: shared objects would serialize as YAML aliases.
  const constraint = (topologyKey: string, whenUnsatisfiable: string) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable,
    labelSelector: { matchLabels: { ...matchLabels } },
    matchLabelKeys: ['pod-template-hash'],
  });
  return [constraint('topology.kubernetes.io/zone', 'DoNotSchedule'), constraint('kubernetes.io/hostname', 'ScheduleAnyway')];
}

/**
 * The ingress gateway's termination timeline behind the ALB, in seconds after the pod is deleted.
 *
 * - The AWS Load Balancer Controller sees the endpoint go away and deregisters the target; the ALB
 *   sends no new request to a draining target and gives in-flight ones `deregistrationDelay` to
 *   finish (target group attribute `deregistration_delay.timeout_seconds`; ELB's own default is
 *   300 s, the controller sends none unless annotated).
 * - pilot-agent, on SIGTERM, asks Envoy to drain its listeners, sleeps `terminationDrain`
 *   (`terminationDrainDuration`), then kills Envoy (istio/istio `pkg/envoy/agent.go`, `terminate`).
 *   Envoy runs with `--drain-strategy immediate` and `--drain-time-s` = `drainDuration` (default
 *   45 s, `pkg/envoy/proxy.go`, `args`): it keeps accepting while it tells clients to go away.
 * - The kubelet kills the container at `terminationGracePeriod`.
 *
 * No request is dropped when the ALB is done with the target before Envoy stops
 * (`controllerReaction + deregistrationDelay <= terminationDrain`) and Envoy's drain ends before the
 * kubelet's kill (`terminationDrain + shutdownMargin <= terminationGracePeriod`). There is no preStop
 * hook: the gateway chart renders no `lifecycle` for its container.
 */
export const GATEWAY_TERMINATION = {
  /** Time the controller takes to notice the endpoint change and call DeregisterTargets (allowance). */
  controllerReaction: 10,
  /** `deregistration_delay.timeout_seconds` of the gateway's target group. */
  deregistrationDelay: 20,
  /** Envoy's drain after SIGTERM (`terminationDrainDuration`). */
  terminationDrain: 30,
  /** What Envoy and pilot-agent need to exit after the drain (allowance). */
  shutdownMargin: 15,
  /** The gateway pods' `terminationGracePeriodSeconds`. */
  terminationGracePeriod: 45,
} as const;
