/**
 * The flows the mesh must allow, one generator per kind of declaration: gateway routes (with a
 * token when the L7 policies that admit the gateway ask for one), callers, the workloads L7 ALLOW
 * policies admit, dependencies and external hosts. Where a declaration implies requests the mesh
 * must refuse (the route's policies, the caller namespace's undeclared workload), its generator
 * asks `must-deny-flows.ts` for them right after, so that reasons merge in declaration order.
 */
import {
  isAllow,
  IntentContext,
  ProfileView,
  byCodePoint,
  egressSource,
  svcTarget as serviceTarget,
  tokenFor,
  TOKEN_SUBJECT,
} from './intent-context';
import { callerIntruderFlows, routePolicyDenials } from './must-deny-flows';

const issuersOf = (p: ProfileView) => p.declared.jwtRules.map(r => r.issuer).sort(byCodePoint);
const gatewayPolicies = (p: ProfileView, svc: string) =>
  p.declared.l7Policies.filter(l => isAllow(l) && l.from?.ingressGateway && l.services.includes(svc));

/** Gateway routes: each host and rule, and the requests the L7 policies that admit the gateway must refuse. */
export function routeFlows(ctx: IntentContext, p: ProfileView): void {
  const { add, notModelled } = ctx;
  const ns = p.namespace;
  const d = p.declared;
  const svcTarget = (svc: string, port: number) => serviceTarget(ns, svc, port);
  for (const r of d.routes) {
    for (const host of r.hosts) {
      for (const rule of r.rules) {
        const path = rule.pathPrefix ?? '/';
        const governing = gatewayPolicies(p, rule.service);
        if (governing.some(g => g.when?.length)) {
          notModelled.push(`route ${ns}/${r.name} ${host}${path}: an L7 policy of ${rule.service} has when conditions, which the flows do not carry`);
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
        if (governing.length > 0) routePolicyDenials(ctx, routeWhy, governing, to, base, methods);
      }
    }
  }
}

/** Declared callers: every port of every Service they may call. */
export function callerFlows(ctx: IntentContext, p: ProfileView): void {
  const { env, add, notModelled, callerPod, inClusterHttp } = ctx;
  const ns = p.namespace;
  const d = p.declared;
  const svcTarget = (svc: string, port: number) => serviceTarget(ns, svc, port);
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
    callerIntruderFlows(ctx, ns, c.namespace, services);
  }
}

/** Workloads an L7 ALLOW admits, with a method and path it allows. */
export function l7WorkloadFlows(ctx: IntentContext, p: ProfileView): void {
  const { add, notModelled, callerPod } = ctx;
  const ns = p.namespace;
  const d = p.declared;
  const svcTarget = (svc: string, port: number) => serviceTarget(ns, svc, port);
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
}

/** Dependencies: the callers the other namespace admits from here, on the ports declared. */
export function dependencyFlows(ctx: IntentContext, p: ProfileView): void {
  const { env, byNs, add, notModelled, callerPod, servicePod, inClusterHttp } = ctx;
  const ns = p.namespace;
  const d = p.declared;
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
}

/** External hosts, from the namespace's first Service. */
export function externalHostFlows(ctx: IntentContext, p: ProfileView): void {
  const { add, notModelled } = ctx;
  const ns = p.namespace;
  const d = p.declared;
  const { firstService, sourcePod } = egressSource(ctx, p);
  for (const h of d.externalHosts) {
    if (!firstService) {
      notModelled.push(`external host ${h.host}:${h.port} of ${ns}: the namespace declares no Service to call it from`);
      continue;
    }
    add('declared', `ExternalHostDeclaration ${ns} -> ${h.host}:${h.port} (${h.protocol})`, { pod: sourcePod }, { external: h.host, port: h.port });
  }
}
