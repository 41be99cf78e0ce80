/**
 * The flows of one environment, derived from what its namespace profiles declare: every declared
 * flow (gateway routes, callers, dependencies, L7 workloads, external hosts) the mesh must allow,
 * and a generated set it must deny; and the workloads (Pods, their Services and ServiceAccounts)
 * the engine needs to decide them. The workloads exist only for the check: they never enter dist/.
 */
import { createHash } from 'node:crypto';
import { IConstruct } from 'constructs';
import { ResolvedEnvironment } from '../../config/resolve-environment';
import { NamespaceProfile } from '../../profiles/namespace-profile';
import { FlowHttp, FlowsInput } from './types';
import { byCodePoint, flowSet, IntentContext, ProfileView } from './intent-context';
import { FlowObject, materialize, WorkloadPods } from './workloads';
import { callerFlows, dependencyFlows, externalHostFlows, l7WorkloadFlows, routeFlows } from './declared-flows';
import { otherNamespaceIntruderFlows, plaintextFlows, undeclaredHostFlow, unroutedPortFlows, waypointBypassFlows } from './must-deny-flows';

export type { FlowObject } from './workloads';
export type { ProfileView } from './intent-context';
export { INTRUDER, OUTSIDE_NAMESPACE, PLAINTEXT_CLIENT, TOKEN_SUBJECT, UNDECLARED_HOST } from './intent-context';
export { policyPathMatches } from './must-deny-flows';

/** Everything the engine needs for one environment, and what the derivation could not model. */
export interface FlowIntent {
  readonly input: FlowsInput;
  /** Pods, Services (with cluster IPs), ServiceAccounts and the out-of-mesh Namespace for the check. */
  readonly workloads: readonly FlowObject[];
  /** sha256 of the flow and of every object the engine reads: a decision recorded under it still holds. */
  readonly fingerprints: ReadonlyMap<string, string>;
  /** Declarations the engine is not asked about, with the reason (e.g. `when` conditions). */
  readonly notModelled: readonly string[];
}

/** The namespace profiles among the constructs of a built environment (`app.node.findAll()`), rendered, in namespace order. */
export function profileViews(constructs: readonly IConstruct[]): ProfileView[] {
  return constructs
    .filter(NamespaceProfile.isNamespaceProfile)
    .flatMap(p => {
      const declared = p.declared;
      return declared ? [{ namespace: p.namespace, dataplane: p.dataplaneMode, mtlsMode: p.mtlsMode, declared }] : [];
    })
    .sort((a, b) => byCodePoint(a.namespace, b.namespace));
}

/** sha256 hex of canonical JSON (keys sorted). */
export function digest(value: unknown): string {
  return sha256(canonicalJson(value));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Whether `JSON.stringify` writes `value` as {@link canonicalJson} does: only plain objects whose
 * keys are already in code-point order, arrays, strings, numbers, booleans, null and undefined, and
 * no `toJSON`. Checking is cheaper than building the text in JavaScript, and rendered objects have
 * their keys sorted already.
 */
function stringifiesCanonically(value: unknown): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (Array.isArray(value)) {
    if (proto !== Array.prototype || 'toJSON' in value) return false;
    for (let i = 0; i < value.length; i++) if (!stringifiesCanonically(value[i])) return false;
    return true;
  }
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in (value as object)) return false;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && !(keys[i - 1] < keys[i])) return false;
    if (!stringifiesCanonically(o[keys[i]])) return false;
  }
  return true;
}

/** JSON with object keys in code-point order, so equal objects give equal bytes. */
export function canonicalJson(value: unknown): string {
  if (stringifiesCanonically(value)) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    let out = '{';
    for (const k of Object.keys(o).sort(byCodePoint)) {
      const v = o[k];
      if (v === undefined) continue;
      out += (out.length > 1 ? ',' : '') + JSON.stringify(k) + ':' + canonicalJson(v);
    }
    return `${out}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Derive the flows and workloads of one environment.
 *
 * @param env the resolved environment
 * @param profiles its rendered namespace profiles ({@link profileViews})
 * @param objects every object of its dist/ output
 */
export function deriveIntent(env: ResolvedEnvironment, profiles: readonly ProfileView[], objects: readonly FlowObject[]): FlowIntent {
  const byNs = new Map(profiles.map(p => [p.namespace, p]));
  const notModelled: string[] = [];
  const td = env.istio.trustDomain;
  const gw = env.ingressGateway;
  const pods = new WorkloadPods(env, profiles);
  const { flows, add } = flowSet(env.name, key => pods.podIdentity(key));
  const httpServices = new Set<string>();
  for (const p of profiles) {
    for (const l of p.declared.l7Policies) for (const s of l.services) httpServices.add(`${p.namespace}/${s}`);
    for (const r of p.declared.routes) for (const rule of r.rules) httpServices.add(`${p.namespace}/${rule.service}`);
  }
  const inClusterHttp = (ns: string, svc: string): FlowHttp | undefined =>
    httpServices.has(`${ns}/${svc}`) ? { host: `${svc}.${ns}.svc.cluster.local`, method: 'GET', path: '/' } : undefined;
  const ctx: IntentContext = {
    env,
    byNs,
    notModelled,
    add,
    callerPod: (ns, sa) => pods.callerPod(ns, sa),
    servicePod: pods.servicePod,
    outsidePod: pods.outsidePod,
    inClusterHttp,
  };

  for (const p of profiles) {
    routeFlows(ctx, p);
    callerFlows(ctx, p);
    l7WorkloadFlows(ctx, p);
    dependencyFlows(ctx, p);
    externalHostFlows(ctx, p);
    undeclaredHostFlow(ctx, p);
    otherNamespaceIntruderFlows(ctx, p, profiles);
    unroutedPortFlows(ctx, p);
    waypointBypassFlows(ctx, p);
    plaintextFlows(ctx, p);
  }

  const sortedFlows = [...flows.values()].sort((a, b) => (a.origin === b.origin ? byCodePoint(a.id, b.id) : a.origin === 'declared' ? -1 : 1));
  const workloads = materialize(profiles, pods.all(), httpServices, objects);
  const input: FlowsInput = {
    environment: env.name,
    trustDomain: td,
    rootNamespace: env.istio.rootNamespace,
    ingressGateway: { namespace: gw.namespace, pod: pods.gatewayPod, serviceAccount: gw.serviceAccount, port: 443 },
    albSourceCidrs: [...env.alb.sourceCidrs],
    flows: sortedFlows,
  };
  const world = digest({ objects: [...objects, ...workloads].map(canonicalJson).sort(byCodePoint), input: { ...input, flows: [] } });
  // The digest of { flow, world }: its canonical JSON, written out.
  const fingerprints = new Map(sortedFlows.map(f => [f.id, sha256(`{"flow":${canonicalJson(f)},"world":${JSON.stringify(world)}}`)]));
  return { input, workloads, fingerprints, notModelled: [...new Set(notModelled)].sort(byCodePoint) };
}
