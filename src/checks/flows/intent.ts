/**
 * The flows of one environment, derived from what its namespace profiles declare: every declared
 * flow (gateway routes, callers, dependencies, L7 workloads, external hosts) the mesh must allow,
 * and a generated set it must deny; and the workloads (Pods, their Services and ServiceAccounts)
 * the engine needs to decide them. The workloads exist only for the check: they never enter dist/.
 */
import { createHash } from 'node:crypto';
import { IConstruct } from 'constructs';
import { DataplaneMode, MtlsMode } from '../../config/environment-config';
import { ResolvedEnvironment } from '../../config/resolve-environment';
import { NamespaceProfile, ProfileDeclarations } from '../../profiles/namespace-profile';
import { L7PolicyDeclaration, PolicyAction } from '../../profiles/types';
import { Flow, FlowHttp, FlowsInput, FlowSource, FlowTarget } from './types';

/** A Kubernetes object as plain JSON. */
export interface FlowObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** One namespace profile as the derivation reads it. */
export interface ProfileView {
  readonly namespace: string;
  readonly dataplane: DataplaneMode;
  readonly mtlsMode: MtlsMode;
  readonly declared: ProfileDeclarations;
}

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

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const POD_LABEL = 'app.kubernetes.io/name';

/** The namespace profiles of a built environment (its App), rendered, in namespace order. */
export function profileViews(root: IConstruct): ProfileView[] {
  return root.node
    .findAll()
    .filter(NamespaceProfile.isNamespaceProfile)
    .flatMap(p => {
      const declared = p.declared;
      return declared ? [{ namespace: p.namespace, dataplane: p.dataplaneMode, mtlsMode: p.mtlsMode, declared }] : [];
    })
    .sort((a, b) => byCodePoint(a.namespace, b.namespace));
}

/** An IPv4 address in `prefix.0.0/16`, the n-th (from 1). */
function ipIn(prefix: string, n: number): string {
  return `${prefix}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
}

/** sha256 hex of canonical JSON (keys sorted). */
export function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** JSON with object keys in code-point order, so equal objects give equal bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => byCodePoint(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

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

/** A token for a `requestPrincipals` entry (`<iss>/<sub>`, `<iss>/*` or `*`), or undefined. */
function tokenFor(principals: readonly string[], issuers: readonly string[]): FlowHttp['jwt'] | undefined {
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

const isAllow = (p: L7PolicyDeclaration) => (p.action ?? PolicyAction.ALLOW) === PolicyAction.ALLOW;
const WRONG_METHODS = ['DELETE', 'PATCH', 'PUT', 'POST', 'GET'];

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
  const gatewayPod = `${gw.serviceName}-flows-0`;

  // Workload identities: the Pod that runs as each (namespace, ServiceAccount).
  const pods = new Map<string, { ns: string; name: string; sa: string; labels: Record<string, string>; ports: number[] }>();
  const identityPod = new Map<string, string>();
  const addPod = (ns: string, name: string, sa: string, labels: Record<string, string>, ports: number[]) => {
    const key = `${ns}/${name}`;
    if (!pods.has(key)) pods.set(key, { ns, name, sa, labels, ports });
    if (!identityPod.has(`${ns}/${sa}`)) identityPod.set(`${ns}/${sa}`, key);
    return key;
  };
  const servicePod = new Map<string, string>();
  for (const p of profiles) {
    for (const s of p.declared.services) {
      const ports = [...new Set(s.ports.map(pt => pt.targetPort ?? pt.port))].sort((a, b) => a - b);
      servicePod.set(`${p.namespace}/${s.name}`, addPod(p.namespace, `${s.name}-flows-0`, s.serviceAccount ?? 'default', { ...s.selector }, ports));
    }
  }
  addPod(gw.namespace, gatewayPod, gw.serviceAccount, { ...gw.selectorLabels }, [443]);
  /** The pod of a caller identity in an environment namespace (a Service's pod when it runs as it). */
  const callerPod = (ns: string, sa: string): string | undefined => {
    if (!byNs.has(ns)) return undefined;
    return identityPod.get(`${ns}/${sa}`) ?? addPod(ns, `${sa}-caller-flows-0`, sa, { [POD_LABEL]: sa }, []);
  };
  for (const p of profiles) addPod(p.namespace, `${INTRUDER}-flows-0`, INTRUDER, { [POD_LABEL]: INTRUDER }, []);
  const outsidePod = addPod(OUTSIDE_NAMESPACE, `${PLAINTEXT_CLIENT}-flows-0`, PLAINTEXT_CLIENT, { [POD_LABEL]: PLAINTEXT_CLIENT }, []);

  const flows = new Map<string, Flow>();
  const podIdentity = (key: string) => `${pods.get(key)!.ns}/${pods.get(key)!.sa}`;
  const label = (from: FlowSource, to: FlowTarget, http?: FlowHttp) => {
    const src = 'alb' in from ? 'alb' : podIdentity(from.pod);
    const dst = 'service' in to ? `${to.service}:${to.port}` : 'pod' in to ? `${to.pod}:${to.port} (pod IP)` : `${to.external}:${to.port} (external)`;
    const req = http ? ` ${http.method} ${http.host}${http.path}${http.jwt ? ' with JWT' : ''}` : '';
    return `${env.name}/${src} -> ${dst}${req}`;
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

  const httpServices = new Set<string>();
  const issuersOf = (p: ProfileView) => p.declared.jwtRules.map(r => r.issuer).sort(byCodePoint);
  const gatewayPolicies = (p: ProfileView, svc: string) =>
    p.declared.l7Policies.filter(l => isAllow(l) && l.from?.ingressGateway && l.services.includes(svc));
  const targetPortOf = (p: ProfileView, svc: string, port: number) => {
    const decl = p.declared.services.find(s => s.name === svc)!.ports.find(pt => pt.port === port)!;
    return decl.targetPort ?? decl.port;
  };
  for (const p of profiles) {
    for (const l of p.declared.l7Policies) for (const s of l.services) httpServices.add(`${p.namespace}/${s}`);
    for (const r of p.declared.routes) for (const rule of r.rules) httpServices.add(`${p.namespace}/${rule.service}`);
  }
  const inClusterHttp = (ns: string, svc: string): FlowHttp | undefined =>
    httpServices.has(`${ns}/${svc}`) ? { host: `${svc}.${ns}.svc.cluster.local`, method: 'GET', path: '/' } : undefined;

  for (const p of profiles) {
    const ns = p.namespace;
    const d = p.declared;
    const svcTarget = (svc: string, port: number): FlowTarget => ({ service: `${ns}/${svc}`, port });

    // Gateway routes: each host and rule, with a token when the L7 policies that admit the
    // gateway ask for one; and the requests those policies must refuse.
    for (const r of d.routes) {
      for (const host of r.hosts) {
        for (const rule of r.rules) {
          const path = rule.pathPrefix ?? '/';
          const governing = gatewayPolicies(p, rule.service);
          if (governing.some(g => g.when?.length)) {
            notModelled.push(
              `route ${ns}/${r.name} ${host}${path}: an L7 policy of ${rule.service} has when conditions, which the flows do not carry`,
            );
            continue;
          }
          const principals =
            governing.length > 0 && governing.every(g => g.from?.requestPrincipals?.length) ? governing.flatMap(g => g.from!.requestPrincipals!) : [];
          const jwt = principals.length ? tokenFor(principals, issuersOf(p)) : undefined;
          if (principals.length && !jwt) {
            notModelled.push(`route ${ns}/${r.name} ${host}${path}: no token matches requestPrincipals ${principals.join(', ')}`);
            continue;
          }
          const methods =
            governing.length && governing.every(g => g.to?.methods?.length)
              ? [...new Set(governing.flatMap(g => g.to!.methods!))].sort(byCodePoint)
              : [];
          const method = methods.length === 0 || methods.includes('GET') ? 'GET' : methods[0];
          const to = svcTarget(rule.service, rule.port);
          const base = { host, method, path, ...(jwt ? { jwt } : {}) };
          const routeWhy = `RouteDeclaration ${ns}/${r.name} ${host}${path} -> ${rule.service}:${rule.port}`;
          add('declared', routeWhy, { alb: true }, to, base);
          if (governing.length === 0) continue;
          const names = governing.map(g => g.name).join(', ');
          if (jwt) add('must-deny', `${routeWhy}: L7 policy ${names} requires a token`, { alb: true }, to, { host, method, path });
          if (methods.length) {
            const wrong = WRONG_METHODS.find(m => !methods.includes(m));
            if (wrong)
              add('must-deny', `${routeWhy}: L7 policy ${names} allows only ${methods.join(', ')}`, { alb: true }, to, { ...base, method: wrong });
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
      }
    }

    // Declared callers: every port of every Service they may call.
    for (const c of d.callers) {
      if (c.external) {
        notModelled.push(`caller ${c.namespace}/${c.serviceAccount} of ${ns}: outside this environment`);
        continue;
      }
      const pod = callerPod(c.namespace, c.serviceAccount);
      if (!pod) {
        notModelled.push(`caller ${c.namespace}/${c.serviceAccount} of ${ns}: namespace ${c.namespace} is not in environment ${env.name}`);
        continue;
      }
      const services = d.services.filter(s => !c.services || c.services.includes(s.name));
      for (const s of services) {
        for (const pt of s.ports)
          add(
            'declared',
            `CallerDeclaration ${c.namespace}/${c.serviceAccount} in ${ns} (services: ${services.map(x => x.name).join(', ')})`,
            { pod },
            svcTarget(s.name, pt.port),
            inClusterHttp(ns, s.name),
          );
      }
      // Its own namespace's undeclared workload must not pass for it.
      const intruder = `${c.namespace}/${INTRUDER}-flows-0`;
      for (const s of services) {
        for (const pt of s.ports)
          add(
            'must-deny',
            `undeclared ServiceAccount ${INTRUDER} in caller namespace ${c.namespace}`,
            { pod: intruder },
            svcTarget(s.name, pt.port),
            inClusterHttp(ns, s.name),
          );
      }
    }

    // Workloads an L7 ALLOW admits, with a method and path it allows.
    for (const l of d.l7Policies.filter(isAllow)) {
      if (l.when?.length) {
        notModelled.push(`L7 policy ${ns}/${l.name}: when conditions are not carried by the flows`);
        continue;
      }
      if (l.from?.requestPrincipals?.length && !tokenFor(l.from.requestPrincipals, issuersOf(p))) continue;
      const jwt = l.from?.requestPrincipals?.length ? tokenFor(l.from.requestPrincipals, issuersOf(p)) : undefined;
      const method = !l.to?.methods?.length || l.to.methods.includes('GET') ? 'GET' : [...l.to.methods].sort(byCodePoint)[0];
      const rawPath = l.to?.paths?.length ? [...l.to.paths].sort(byCodePoint)[0] : '/';
      const path =
        rawPath === '*'
          ? '/'
          : rawPath
              .replace(/\{\*\*\}|\{\*\}/g, TOKEN_SUBJECT)
              .replace(/^\*/, '/')
              .replace(/\*$/, TOKEN_SUBJECT);
      for (const w of l.from?.workloads ?? []) {
        if (w.external) {
          notModelled.push(`L7 policy ${ns}/${l.name}: workload ${w.namespace}/${w.serviceAccount} is outside this environment`);
          continue;
        }
        const pod = callerPod(w.namespace, w.serviceAccount);
        if (!pod) continue;
        for (const svc of [...l.services].sort(byCodePoint)) {
          const s = d.services.find(x => x.name === svc)!;
          add('declared', `L7PolicyDeclaration ${ns}/${l.name} admits ${w.namespace}/${w.serviceAccount}`, { pod }, svcTarget(svc, s.ports[0].port), {
            host: `${svc}.${ns}.svc.cluster.local`,
            method,
            path,
            ...(jwt ? { jwt } : {}),
          });
        }
      }
    }

    // Dependencies: the callers the other namespace admits from here, on the ports declared.
    for (const dep of d.dependencies) {
      const other = byNs.get(dep.namespace);
      if (!other) {
        notModelled.push(`dependency of ${ns} on ${dep.namespace}: not a namespace of environment ${env.name}`);
        continue;
      }
      const admitted = other.declared.callers.filter(c => c.namespace === ns && !c.external);
      const ownServices = [...d.services].sort((a, b) => byCodePoint(a.name, b.name));
      const sources = admitted.length
        ? admitted.map(c => ({ pod: callerPod(ns, c.serviceAccount)!, services: c.services }))
        : ownServices.length
          ? [{ pod: servicePod.get(`${ns}/${ownServices[0].name}`)!, services: undefined }]
          : [];
      for (const src of sources) {
        for (const s of other.declared.services.filter(x => !src.services || src.services.includes(x.name))) {
          for (const pt of s.ports.filter(x => !dep.ports || dep.ports.includes(x.targetPort ?? x.port))) {
            add(
              'declared',
              `DependencyDeclaration ${ns} -> ${dep.namespace}${dep.ports ? ` (ports ${dep.ports.join(', ')})` : ''}`,
              { pod: src.pod },
              { service: `${dep.namespace}/${s.name}`, port: pt.port },
              inClusterHttp(dep.namespace, s.name),
            );
          }
        }
      }
    }

    // External hosts, from the namespace's first Service.
    const firstService = [...d.services].sort((a, b) => byCodePoint(a.name, b.name))[0];
    const sourcePod = firstService ? servicePod.get(`${ns}/${firstService.name}`)! : `${ns}/${INTRUDER}-flows-0`;
    for (const h of d.externalHosts) {
      if (!firstService) {
        notModelled.push(`external host ${h.host}:${h.port} of ${ns}: the namespace declares no Service to call it from`);
        continue;
      }
      add('declared', `ExternalHostDeclaration ${ns} -> ${h.host}:${h.port} (${h.protocol})`, { pod: sourcePod }, { external: h.host, port: h.port });
    }
    if (p.dataplane === DataplaneMode.SIDECAR) {
      add(
        'must-deny',
        `namespace ${ns} runs sidecars with outboundTrafficPolicy REGISTRY_ONLY and declares no such host`,
        { pod: sourcePod },
        { external: UNDECLARED_HOST, port: 443 },
      );
    }

    // Another app namespace's undeclared workload, to every Service port.
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

    // A port no Service exposes, from each declared caller of the Service.
    for (const s of d.services) {
      const used = new Set(s.ports.map(pt => pt.targetPort ?? pt.port));
      let unrouted = 18080;
      while (used.has(unrouted)) unrouted++;
      for (const c of d.callers.filter(c => !c.external && (!c.services || c.services.includes(s.name)))) {
        const pod = callerPod(c.namespace, c.serviceAccount);
        if (pod)
          add(
            'must-deny',
            `port ${unrouted} of ${ns}/${s.name} is not declared`,
            { pod },
            { pod: servicePod.get(`${ns}/${s.name}`)!, port: unrouted },
          );
      }
    }

    // Around the waypoint: a caller that is admitted through it calls the pod IP directly. A
    // waypoint takes Service traffic only unless `istio.io/waypoint-for` says workload or all
    // (istio/istio `pilot/pkg/serviceregistry/kube/controller/ambient/waypoints.go`,
    // `WaypointsCollection` defaults to service traffic and `fetchWaypointForWorkload` skips such a
    // waypoint; read at commit eff894a5f4105087c90912b030ef4f353096eb8c), so this call reaches
    // ztunnel on the pod's node without the waypoint, where only the waypoint's identity is admitted.
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

    // A plaintext client from outside the mesh, where mTLS is STRICT.
    if (p.mtlsMode === MtlsMode.STRICT && p.dataplane !== DataplaneMode.OUT_OF_MESH) {
      for (const s of d.services)
        for (const pt of s.ports)
          add('must-deny', `namespace ${ns} requires mTLS (STRICT)`, { pod: outsidePod }, svcTarget(s.name, pt.port), inClusterHttp(ns, s.name));
    }
  }

  const sortedFlows = [...flows.values()].sort((a, b) => (a.origin === b.origin ? byCodePoint(a.id, b.id) : a.origin === 'declared' ? -1 : 1));
  const workloads = materialize(profiles, [...pods.values()], httpServices, objects);
  const input: FlowsInput = {
    environment: env.name,
    trustDomain: td,
    rootNamespace: env.istio.rootNamespace,
    ingressGateway: { namespace: gw.namespace, pod: gatewayPod, serviceAccount: gw.serviceAccount, port: 443 },
    albSourceCidrs: [...env.alb.sourceCidrs],
    flows: sortedFlows,
  };
  const world = digest({ objects: [...objects, ...workloads].map(canonicalJson).sort(byCodePoint), input: { ...input, flows: [] } });
  const fingerprints = new Map(sortedFlows.map(f => [f.id, digest({ flow: f, world })]));
  return { input, workloads, fingerprints, notModelled: [...new Set(notModelled)].sort(byCodePoint) };
}

/** Pods, ServiceAccounts, Services with cluster IPs, and the out-of-mesh Namespace. */
function materialize(
  profiles: readonly ProfileView[],
  pods: ReadonlyArray<{ ns: string; name: string; sa: string; labels: Record<string, string>; ports: number[] }>,
  httpServices: ReadonlySet<string>,
  objects: readonly FlowObject[],
): FlowObject[] {
  const existing = new Map(
    objects.filter(o => o.kind === 'Service' && o.apiVersion === 'v1').map(o => [`${o.metadata.namespace}/${o.metadata.name}`, o]),
  );
  const out: FlowObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OUTSIDE_NAMESPACE, labels: { 'kubernetes.io/metadata.name': OUTSIDE_NAMESPACE } } },
  ];
  const sorted = [...pods].sort((a, b) => byCodePoint(`${a.ns}/${a.name}`, `${b.ns}/${b.name}`));
  const accounts = [...new Set(sorted.map(p => `${p.ns}/${p.sa}`))].sort(byCodePoint);
  for (const a of accounts) {
    const [ns, name] = a.split('/');
    out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } });
  }
  sorted.forEach((p, i) => {
    out.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: p.name, namespace: p.ns, labels: { ...p.labels } },
      spec: {
        serviceAccountName: p.sa,
        containers: [
          {
            name: 'app',
            image: 'flows.invalid/app:0',
            ...(p.ports.length ? { ports: p.ports.map(containerPort => ({ containerPort, protocol: 'TCP' })) } : {}),
          },
        ],
      },
      status: { phase: 'Running', podIP: ipIn('10.99', i), conditions: [{ type: 'Ready', status: 'True' }] },
    });
  });
  let n = 0;
  for (const p of profiles) {
    for (const s of [...p.declared.services].sort((a, b) => byCodePoint(a.name, b.name))) {
      const scheme = httpServices.has(`${p.namespace}/${s.name}`) ? 'http' : 'tcp';
      const ip = ipIn('10.100', n++);
      const own = existing.get(`${p.namespace}/${s.name}`);
      // A Service the namespace writes itself is used as written, with a cluster IP.
      if (own) {
        out.push({ ...own, spec: { ...(own.spec as Record<string, unknown>), clusterIP: ip } });
        continue;
      }
      out.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: s.name, namespace: p.namespace },
        spec: {
          selector: { ...s.selector },
          clusterIP: ip,
          ports: s.ports.map(pt => ({ name: `${scheme}-${pt.port}`, port: pt.port, targetPort: pt.targetPort ?? pt.port, protocol: 'TCP' })),
        },
      });
    }
  }
  return out;
}
