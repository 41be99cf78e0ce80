/**
 * The files shared with the flows engine (`verify/flows`): `flows.json` (what to decide),
 * `decisions.json` (what it decided), and the recorded `flows/<env>.json` (both, with a fingerprint
 * of each flow's inputs).
 */

/** Where a flow starts: a pod (`namespace/name`) or the ALB. */
export type FlowSource = { readonly pod: string } | { readonly alb: true };

/** Where a flow goes: a Service port, a pod port (around the Service), or a host outside the cluster. */
export type FlowTarget =
  | { readonly service: string; readonly port: number }
  | { readonly pod: string; readonly port: number }
  | { readonly external: string; readonly port: number };

/** The HTTP request of a flow; absent for a TCP flow. */
export interface FlowHttp {
  readonly host: string;
  readonly method: string;
  readonly path: string;
  /** A valid token of this issuer is carried; absent: no token. */
  readonly jwt?: { readonly issuer: string; readonly subject: string };
}

/** One flow to decide. */
export interface Flow {
  readonly id: string;
  readonly expect: 'allow' | 'deny';
  /** `declared`: a declaration asks for it; `must-deny`: generated, the mesh must refuse it. */
  readonly origin: 'declared' | 'must-deny';
  readonly why: string;
  readonly from: FlowSource;
  readonly to: FlowTarget;
  readonly http?: FlowHttp;
}

/** `flows.json`. */
export interface FlowsInput {
  readonly environment: string;
  readonly trustDomain: string;
  readonly rootNamespace: string;
  readonly ingressGateway: { readonly namespace: string; readonly pod: string; readonly serviceAccount: string; readonly port: number };
  readonly albSourceCidrs: readonly string[];
  readonly flows: readonly Flow[];
}

/** The components that decide, in `layer` and in each hop. */
export const FLOW_LAYERS = ['network-policy', 'gateway', 'sidecar', 'ztunnel', 'waypoint', 'routing', 'allowed'] as const;
export type FlowLayer = (typeof FLOW_LAYERS)[number];

/** One step of a decision. */
export interface FlowHop {
  readonly hop: string;
  readonly component: string;
  readonly decision: 'allow' | 'deny';
  /** What matched: a policy `namespace/name`, a route, a filter chain, `(none)` or `default deny`. */
  readonly matched: string;
}

/** The engine's decision of one flow. */
export interface FlowDecision {
  readonly id: string;
  readonly decision: 'allow' | 'deny';
  /** The component of the first deny, or `allowed`. */
  readonly layer: FlowLayer;
  readonly hops: readonly FlowHop[];
}

/** `decisions.json`. */
export interface DecisionsFile {
  readonly engine: { readonly istio: string };
  readonly decisions: readonly FlowDecision[];
}

/** One flow of `flows/<env>.json`: the flow, the fingerprint of its inputs, and its decision. */
export interface RecordedFlow extends Flow {
  readonly fingerprint: string;
  readonly decision: FlowDecision['decision'];
  readonly layer: FlowLayer;
  readonly hops: readonly FlowHop[];
}

/** `flows/<env>.json`. */
export interface RecordedFlows {
  readonly environment: string;
  readonly engine: { readonly istio: string };
  readonly flows: readonly RecordedFlow[];
}
