/**
 * What the derivation of an environment's flows shares: the profile view it reads, the names of
 * the workloads it adds, and the context every flow generator adds its flows through (one flow per
 * request, a declaration winning over a generated deny of the same request).
 */
import { DataplaneMode, MtlsMode } from '../../config/environment-config';
import { ResolvedEnvironment } from '../../config/resolve-environment';
import { ProfileDeclarations } from '../../profiles/namespace-profile';
import { L7PolicyDeclaration, PolicyAction } from '../../profiles/types';
import { Flow, FlowHttp, FlowSource, FlowTarget } from './types';

/** One namespace profile as the derivation reads it. */
export interface ProfileView {
  readonly namespace: string;
  readonly dataplane: DataplaneMode;
  readonly mtlsMode: MtlsMode;
  readonly declared: ProfileDeclarations;
}

/** Namespace of the out-of-mesh plaintext client. */
export const OUTSIDE_NAMESPACE = 'flows-outside';
/** ServiceAccount of the undeclared workload of each app namespace. */
export const INTRUDER = 'intruder';
/** ServiceAccount of the out-of-mesh client. */
export const PLAINTEXT_CLIENT = 'plaintext-client';
/** A host no namespace declares, for the REGISTRY_ONLY check. */
export const UNDECLARED_HOST = 'undeclared.flows.example.com';
/** Path of the signed-in subject the flows' tokens carry. */
export const TOKEN_SUBJECT = 'flows';

/** Code-point order. */
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The context the flow generators of one environment share. */
export interface IntentContext {
  readonly env: ResolvedEnvironment;
  readonly byNs: ReadonlyMap<string, ProfileView>;
  /** Declarations the engine is not asked about, with the reason. */
  readonly notModelled: string[];
  /** Add a flow (or merge its reason into the same request's). */
  readonly add: (origin: Flow['origin'], why: string, from: FlowSource, to: FlowTarget, http?: FlowHttp) => void;
  /** The pod of a caller identity in an environment namespace, else undefined. */
  readonly callerPod: (ns: string, sa: string) => string | undefined;
  /** The pod of each declared Service, by `<namespace>/<service>`. */
  readonly servicePod: ReadonlyMap<string, string>;
  /** The out-of-mesh plaintext client's pod. */
  readonly outsidePod: string;
  /** The request a call to a Service of HTTP routes or L7 policies carries, else undefined (TCP). */
  readonly inClusterHttp: (ns: string, svc: string) => FlowHttp | undefined;
}

/** The flows of one environment by id, and the function that adds one. */
export function flowSet(envName: string, podIdentity: (key: string) => string): { flows: Map<string, Flow>; add: IntentContext['add'] } {
  const flows = new Map<string, Flow>();
  const label = (from: FlowSource, to: FlowTarget, http?: FlowHttp) => {
    const src = 'alb' in from ? 'alb' : podIdentity(from.pod);
    const dst = 'service' in to ? `${to.service}:${to.port}` : 'pod' in to ? `${to.pod}:${to.port} (pod IP)` : `${to.external}:${to.port} (external)`;
    const req = http ? ` ${http.method} ${http.host}${http.path}${http.jwt ? ' with JWT' : ''}` : '';
    return `${envName}/${src} -> ${dst}${req}`;
  };
  const add = (origin: Flow['origin'], why: string, from: FlowSource, to: FlowTarget, http?: FlowHttp) => {
    const id = label(from, to, http);
    const expect = origin === 'declared' ? 'allow' : 'deny';
    const existing = flows.get(id);
    if (existing) {
      // A declaration wins over a generated deny of the same request.
      if (existing.origin === 'must-deny' && origin === 'declared') flows.set(id, { id, expect, origin, why, from, to, ...(http ? { http } : {}) });
      else if (existing.origin === origin && !existing.why.split('; ').includes(why)) flows.set(id, { ...existing, why: `${existing.why}; ${why}` });
      return;
    }
    flows.set(id, { id, expect, origin, why, from, to, ...(http ? { http } : {}) });
  };
  return { flows, add };
}

/** A Service target in namespace `ns`. */
export const svcTarget = (ns: string, svc: string, port: number): FlowTarget => ({ service: `${ns}/${svc}`, port });
export const isAllow = (p: L7PolicyDeclaration) => (p.action ?? PolicyAction.ALLOW) === PolicyAction.ALLOW;
/** A token for a `requestPrincipals` entry (`<iss>/<sub>`, `<iss>/*` or `*`), or undefined. */
export function tokenFor(principals: readonly string[], issuers: readonly string[]): FlowHttp['jwt'] | undefined {
  for (const p of principals) {
    if (p === '*') return issuers[0] ? { issuer: issuers[0], subject: TOKEN_SUBJECT } : undefined;
    const slash = p.lastIndexOf('/');
    if (slash <= 0) continue;
    const issuer = p.slice(0, slash);
    const subject = p.slice(slash + 1);
    if (issuer.includes('*')) continue;
    return { issuer, subject: subject === '*' ? TOKEN_SUBJECT : subject };
  }
  return undefined;
}

/** The pod the namespace's outbound calls come from: its first Service's, else its undeclared workload's. */
export function egressSource(
  ctx: IntentContext,
  p: ProfileView,
): { firstService: ProfileDeclarations['services'][number] | undefined; sourcePod: string } {
  const { servicePod } = ctx;
  const ns = p.namespace;
  const d = p.declared;
  const firstService = [...d.services].sort((a, b) => byCodePoint(a.name, b.name))[0];
  const sourcePod = firstService ? servicePod.get(`${ns}/${firstService.name}`)! : `${ns}/${INTRUDER}-flows-0`;
  return { firstService, sourcePod };
}
