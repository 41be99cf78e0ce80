/**
 * The generated flows the mesh must deny: the requests a route's L7 policies refuse, the
 * undeclared workloads of caller and other namespaces, a host no namespace declares, a port no
 * Service exposes, a call around the waypoint to the pod IP, and a plaintext client where mTLS is
 * STRICT.
 */
import { DataplaneMode, MtlsMode } from '../../config/environment-config';
import { ServiceDeclaration, L7PolicyDeclaration } from '../../profiles/types';
import { FlowHttp, FlowTarget } from './types';
import { egressSource, IntentContext, INTRUDER, ProfileView, svcTarget as serviceTarget, UNDECLARED_HOST } from './intent-context';

const WRONG_METHODS = ['DELETE', 'PATCH', 'PUT', 'POST', 'GET'];

/**
 * Does an AuthorizationPolicy `paths` entry match `path`: `*` any, `x*` a prefix, `*x` a suffix,
 * `{*}`/`{**}` templates, else exact (the matchers `misplacedPathWildcard` in
 * `profiles/namespace-profile.ts` describes from Istio's `pilot/pkg/security/authz/matcher`). Used
 * only to avoid generating a wrong-path flow that the policy allows.
 */
export function policyPathMatches(pattern: string, path: string): boolean {
  if (pattern === '*') return true;
  if (pattern.includes('{*}') || pattern.includes('{**}')) {
    const re = new RegExp(
      `^${pattern
        .split(/(\{\*\*\}|\{\*\})/)
        .map(part => (part === '{**}' ? '.*' : part === '{*}' ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('')}$`,
    );
    return re.test(path);
  }
  if (pattern.endsWith('*')) return path.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return path.endsWith(pattern.slice(1));
  return pattern === path;
}

/** The requests a route's governing L7 policies must refuse: without the token, another method, another path. */
export function routePolicyDenials(
  ctx: IntentContext,
  routeWhy: string,
  governing: readonly L7PolicyDeclaration[],
  to: FlowTarget,
  base: FlowHttp,
  methods: readonly string[],
): void {
  const { add } = ctx;
  const { host, method, path, jwt } = base;
  const names = governing.map(g => g.name).join(', ');
  if (jwt) add('must-deny', `${routeWhy}: L7 policy ${names} requires a token`, { alb: true }, to, { host, method, path });
  if (methods.length) {
    const wrong = WRONG_METHODS.find(m => !methods.includes(m));
    if (wrong) add('must-deny', `${routeWhy}: L7 policy ${names} allows only ${methods.join(', ')}`, { alb: true }, to, { ...base, method: wrong });
  }
  if (governing.every(g => g.to?.paths?.length)) {
    const paths = governing.flatMap(g => g.to!.paths!);
    const wrongPath = path === '/' ? '/flows-denied' : `${path.replace(/\/+$/, '')}-flows-denied`;
    if (!paths.some(pt => policyPathMatches(pt, wrongPath)))
      add('must-deny', `${routeWhy}: L7 policy ${names} allows only paths ${paths.join(', ')}`, { alb: true }, to, {
        ...base,
        path: wrongPath,
      });
  }
}

/** Its own namespace's undeclared workload must not pass for a declared caller. */
export function callerIntruderFlows(ctx: IntentContext, ns: string, callerNamespace: string, services: readonly ServiceDeclaration[]): void {
  const { add, inClusterHttp } = ctx;
  const svcTarget = (svc: string, port: number) => serviceTarget(ns, svc, port);
  const intruder = `${callerNamespace}/${INTRUDER}-flows-0`;
  for (const s of services) {
    for (const pt of s.ports)
      add(
        'must-deny',
        `undeclared ServiceAccount ${INTRUDER} in caller namespace ${callerNamespace}`,
        { pod: intruder },
        svcTarget(s.name, pt.port),
        inClusterHttp(ns, s.name),
      );
  }
}

/** A sidecar namespace (REGISTRY_ONLY) must not reach a host it does not declare. */
export function undeclaredHostFlow(ctx: IntentContext, p: ProfileView): void {
  const { add } = ctx;
  const ns = p.namespace;
  const { sourcePod } = egressSource(ctx, p);
  if (p.dataplane === DataplaneMode.SIDECAR) {
    add(
      'must-deny',
      `namespace ${ns} runs sidecars with outboundTrafficPolicy REGISTRY_ONLY and declares no such host`,
      { pod: sourcePod },
      { external: UNDECLARED_HOST, port: 443 },
    );
  }
}

/** Another app namespace's undeclared workload, to every Service port. */
export function otherNamespaceIntruderFlows(ctx: IntentContext, p: ProfileView, profiles: readonly ProfileView[]): void {
  const { add, inClusterHttp } = ctx;
  const ns = p.namespace;
  const d = p.declared;
  const svcTarget = (svc: string, port: number) => serviceTarget(ns, svc, port);
  for (const q of profiles.filter(q => q.namespace !== ns)) {
    const admits = d.callers.some(c => c.namespace === q.namespace && c.serviceAccount === INTRUDER);
    if (admits) continue;
    for (const s of d.services)
      for (const pt of s.ports)
        add(
          'must-deny',
          `undeclared workload of namespace ${q.namespace}`,
          { pod: `${q.namespace}/${INTRUDER}-flows-0` },
          svcTarget(s.name, pt.port),
          inClusterHttp(ns, s.name),
        );
  }
}

/** A port no Service exposes, from each declared caller of the Service. */
export function unroutedPortFlows(ctx: IntentContext, p: ProfileView): void {
  const { add, callerPod, servicePod } = ctx;
  const ns = p.namespace;
  const d = p.declared;
  for (const s of d.services) {
    const used = new Set(s.ports.map(pt => pt.targetPort ?? pt.port));
    let unrouted = 18080;
    while (used.has(unrouted)) unrouted++;
    for (const c of d.callers.filter(c => !c.external && (!c.services || c.services.includes(s.name)))) {
      const pod = callerPod(c.namespace, c.serviceAccount);
      if (pod)
        add('must-deny', `port ${unrouted} of ${ns}/${s.name} is not declared`, { pod }, { pod: servicePod.get(`${ns}/${s.name}`)!, port: unrouted });
    }
  }
}

// Around the waypoint: a caller that is admitted through it calls the pod IP directly. A
// waypoint takes Service traffic only unless `istio.io/waypoint-for` says workload or all
// (istio/istio `pilot/pkg/serviceregistry/kube/controller/ambient/waypoints.go`,
// `WaypointsCollection` defaults to service traffic and `fetchWaypointForWorkload` skips such a
// waypoint; read at commit eff894a5f4105087c90912b030ef4f353096eb8c), so this call reaches
// ztunnel on the pod's node without the waypoint, where only the waypoint's identity is admitted.
export function waypointBypassFlows(ctx: IntentContext, p: ProfileView): void {
  const { byNs, add, callerPod, servicePod } = ctx;
  const ns = p.namespace;
  const d = p.declared;
  const targetPortOf = (p: ProfileView, svc: string, port: number) => {
    const decl = p.declared.services.find(s => s.name === svc)!.ports.find(pt => pt.port === port)!;
    return decl.targetPort ?? decl.port;
  };
  if (p.dataplane === DataplaneMode.AMBIENT && d.waypoint && d.l7Policies.length > 0) {
    for (const c of d.callers.filter(c => !c.external)) {
      const mode = byNs.get(c.namespace)?.dataplane ?? c.dataplane;
      if (mode !== DataplaneMode.AMBIENT) continue;
      const pod = callerPod(c.namespace, c.serviceAccount);
      if (!pod) continue;
      for (const s of d.services.filter(s => !c.services || c.services.includes(s.name))) {
        add(
          'must-deny',
          `${c.namespace}/${c.serviceAccount} is admitted through waypoint ${ns}/${d.waypoint.name}, which L7 policies guard`,
          { pod },
          { pod: servicePod.get(`${ns}/${s.name}`)!, port: targetPortOf(p, s.name, s.ports[0].port) },
        );
      }
    }
  }
}

/** A plaintext client from outside the mesh, where mTLS is STRICT. */
export function plaintextFlows(ctx: IntentContext, p: ProfileView): void {
  const { add, inClusterHttp, outsidePod } = ctx;
  const ns = p.namespace;
  const d = p.declared;
  const svcTarget = (svc: string, port: number) => serviceTarget(ns, svc, port);
  if (p.mtlsMode === MtlsMode.STRICT && p.dataplane !== DataplaneMode.OUT_OF_MESH) {
    for (const s of d.services)
      for (const pt of s.ports)
        add('must-deny', `namespace ${ns} requires mTLS (STRICT)`, { pod: outsidePod }, svcTarget(s.name, pt.port), inClusterHttp(ns, s.name));
  }
}
