/**
 * Which changes weaken security, by class. Conservative: a change that may widen access counts.
 */
import { apiGroupOf, describeObject, KubeObject } from '../core/manifest';
import { EnvironmentDiff } from './semantic-diff';
import { byCodePoint } from '../core/sort';

/** Classes of security-relevant change; `--fail-on` takes these names. */
export enum RiskClass {
  MTLS_WEAKENED = 'mtls-weakened',
  AUTHZ_WIDENED = 'authz-widened',
  NETWORK_OPENED = 'network-opened',
  EGRESS_OPENED = 'egress-opened',
  ALB_CHANGED = 'alb-changed',
  CERTIFICATE_CHANGED = 'certificate-changed',
  GATEWAY_TLS_CHANGED = 'gateway-tls-changed',
  /** A namespace's migration skips a safe intermediate state (see `diff/migration-steps.ts`). */
  MIGRATION_STEP_SKIPPED = 'migration-step-skipped',
}

/** One security-relevant change. */
export interface Risk {
  readonly riskClass: RiskClass;
  readonly environment: string;
  readonly object: string;
  readonly message: string;
}

/** What a kind's classifier finds in one change, before it is placed in an environment and on an object. */
type ChangeRisk = { riskClass: RiskClass; message: string };
const values = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
const subset = (a: unknown, b: unknown) => values(a).every(x => values(b).includes(x));
const show = (v: unknown) => (v === undefined ? 'unset' : JSON.stringify(v));

// ---- PeerAuthentication, Namespace, DestinationRule: mTLS

const MTLS_RANK: Record<string, number> = { STRICT: 3, PERMISSIVE: 2, UNSET: 1, DISABLE: 0 };
const rank = (mode: string | undefined) => MTLS_RANK[mode ?? 'UNSET'] ?? 1;

function peerAuthentication(before?: KubeObject, after?: KubeObject): ChangeRisk[] {
  const found: ChangeRisk[] = [];
  const b = before?.spec?.mtls?.mode;
  const a = after?.spec?.mtls?.mode;
  if (before && !after && b === 'STRICT')
    found.push({ riskClass: RiskClass.MTLS_WEAKENED, message: 'STRICT PeerAuthentication removed: the scope falls back to the mesh-wide mode' });
  if (before && after && rank(a) < rank(b)) found.push({ riskClass: RiskClass.MTLS_WEAKENED, message: `mTLS ${b ?? 'UNSET'} -> ${a ?? 'UNSET'}` });
  if (after) {
    for (const [port, p] of Object.entries(after.spec?.portLevelMtls ?? {})) {
      const was = before?.spec?.portLevelMtls?.[port]?.mode ?? b;
      if (rank((p as any).mode) < rank(was))
        found.push({ riskClass: RiskClass.MTLS_WEAKENED, message: `port ${port}: mTLS ${was ?? 'UNSET'} -> ${(p as any).mode}` });
    }
  }
  return found;
}

const enrolled = (ns?: KubeObject) => {
  const l = ns?.metadata.labels ?? {};
  return l['istio.io/dataplane-mode'] === 'ambient' || l['istio.io/rev'] !== undefined || l['istio-injection'] === 'enabled';
};

function namespace(before?: KubeObject, after?: KubeObject): ChangeRisk[] {
  return before && after && enrolled(before) && !enrolled(after)
    ? [{ riskClass: RiskClass.MTLS_WEAKENED, message: 'namespace leaves the mesh (no ambient or injection label)' }]
    : [];
}

const drModes = (o?: KubeObject): string[] =>
  [o?.spec?.trafficPolicy?.tls?.mode, ...(o?.spec?.trafficPolicy?.portLevelSettings ?? []).map((p: any) => p.tls?.mode)].filter(Boolean);

function destinationRule(before?: KubeObject, after?: KubeObject): ChangeRisk[] {
  const added = drModes(after).filter(m => m !== 'ISTIO_MUTUAL' && !drModes(before).includes(m));
  return added.map(m => ({ riskClass: RiskClass.MTLS_WEAKENED, message: `DestinationRule now sets TLS mode ${m} for ${after!.spec.host}` }));
}

// ---- AuthorizationPolicy

const POSITIVE = [
  'principals',
  'namespaces',
  'ipBlocks',
  'remoteIpBlocks',
  'requestPrincipals',
  'hosts',
  'ports',
  'methods',
  'paths',
  'serviceAccounts',
];
const NEGATIVE = [
  'notPrincipals',
  'notNamespaces',
  'notIpBlocks',
  'notRemoteIpBlocks',
  'notRequestPrincipals',
  'notHosts',
  'notPorts',
  'notMethods',
  'notPaths',
];

/** True when the constraint `inner` matches no more than `outer`. */
function constraintWithin(inner: Record<string, unknown> | undefined, outer: Record<string, unknown> | undefined): boolean {
  const o = outer ?? {};
  const i = inner ?? {};
  return (
    POSITIVE.every(k => o[k] === undefined || (i[k] !== undefined && subset(i[k], o[k]))) &&
    NEGATIVE.every(k => o[k] === undefined || subset(o[k], i[k]))
  );
}

/** True when every request `inner` matches is also matched by `outer`. */
function authzRuleWithin(inner: any, outer: any): boolean {
  const from =
    !outer.from?.length || (!!inner.from?.length && inner.from.every((f: any) => outer.from.some((F: any) => constraintWithin(f.source, F.source))));
  const to =
    !outer.to?.length || (!!inner.to?.length && inner.to.every((t: any) => outer.to.some((T: any) => constraintWithin(t.operation, T.operation))));
  const when = (outer.when ?? []).every((W: any) => (inner.when ?? []).some((w: any) => w.key === W.key && subset(w.values, W.values)));
  return from && to && when;
}

function describeRule(r: any): string {
  const who = (r.from ?? []).flatMap((f: any) => Object.entries(f.source ?? {}).map(([k, v]) => `${k} ${values(v).join(',')}`));
  const what = (r.to ?? []).flatMap((t: any) => Object.entries(t.operation ?? {}).map(([k, v]) => `${k} ${values(v).join(',')}`));
  return `${who.length ? who.join('; ') : 'any source'} -> ${what.length ? what.join('; ') : 'any operation'}`;
}

function authorizationPolicy(before?: KubeObject, after?: KubeObject): ChangeRisk[] {
  const widened = (message: string) => ({ riskClass: RiskClass.AUTHZ_WIDENED, message });
  const action = (o?: KubeObject) => o?.spec?.action ?? 'ALLOW';
  const rules = (o?: KubeObject): any[] => o?.spec?.rules ?? [];
  const scope = (o?: KubeObject) => JSON.stringify({ selector: o?.spec?.selector, targetRefs: o?.spec?.targetRefs, targetRef: o?.spec?.targetRef });
  const found: ChangeRisk[] = [];
  const wildcards = (o?: KubeObject) =>
    rules(o)
      .flatMap(r => (r.from ?? []).flatMap((f: any) => [...values(f.source?.principals), ...values(f.source?.namespaces)]))
      .filter(v => v.includes('*'));
  for (const w of wildcards(after).filter(w => !wildcards(before).includes(w))) found.push(widened(`allows the wildcard ${w}`));

  if (!before && after) {
    if (action(after) === 'ALLOW' && rules(after).length > 0) found.push(widened(`new ALLOW policy: ${rules(after).map(describeRule).join(' | ')}`));
    return found;
  }
  if (before && !after) {
    if (action(before) === 'ALLOW' && rules(before).length === 0)
      found.push(widened('deny-by-default policy removed: everything in its scope is allowed'));
    if (action(before) === 'DENY') found.push(widened('DENY policy removed'));
    return found;
  }
  if (!before || !after) return found;
  if (action(before) !== action(after)) found.push(widened(`action ${action(before)} -> ${action(after)}`));
  else if (scope(before) !== scope(after)) found.push(widened(`scope changed (selector or targetRefs): ${scope(before)} -> ${scope(after)}`));
  if (action(after) === 'ALLOW' && action(before) === 'ALLOW') {
    if (rules(before).length === 0 && rules(after).length > 0) found.push(widened('deny-by-default policy now allows requests'));
    for (const r of rules(after).filter(r => !rules(before).some(R => authzRuleWithin(r, R)))) {
      if (rules(before).length > 0) found.push(widened(`allows more: ${describeRule(r)}`));
    }
  }
  if (action(after) === 'DENY' && action(before) === 'DENY') {
    for (const R of rules(before).filter(R => !rules(after).some(r => authzRuleWithin(R, r))))
      found.push(widened(`denies less: no longer ${describeRule(R)}`));
  }
  return found;
}

// ---- NetworkPolicy

const portWithin = (p: any, P: any) =>
  (p.protocol ?? 'TCP') === (P.protocol ?? 'TCP') &&
  (P.port === undefined ||
    (p.port !== undefined &&
      (String(p.port) === String(P.port) || (P.endPort && Number(p.port) >= Number(P.port) && Number(p.endPort ?? p.port) <= P.endPort))));
const peerWithin = (p: any, P: any) => JSON.stringify(p) === JSON.stringify(P);

function npRuleWithin(r: any, R: any, peers: 'from' | 'to'): boolean {
  const ports = !R.ports?.length || (!!r.ports?.length && r.ports.every((p: any) => R.ports.some((P: any) => portWithin(p, P))));
  const who = !R[peers]?.length || (!!r[peers]?.length && r[peers].every((p: any) => R[peers].some((P: any) => peerWithin(p, P))));
  return ports && who;
}

function networkPolicy(before?: KubeObject, after?: KubeObject): ChangeRisk[] {
  const opened = (message: string) => ({ riskClass: RiskClass.NETWORK_OPENED, message });
  if (before && !after) return [opened('NetworkPolicy removed')];
  const found: ChangeRisk[] = [];
  for (const dir of ['ingress', 'egress'] as const) {
    const peers = dir === 'ingress' ? 'from' : 'to';
    const b: any[] = before?.spec?.[dir] ?? [];
    for (const r of (after?.spec?.[dir] ?? []) as any[]) {
      if (!b.some(R => npRuleWithin(r, R, peers))) found.push(opened(`${before ? 'allows more' : 'new policy allows'} ${dir}: ${JSON.stringify(r)}`));
    }
  }
  if (before && after) {
    const types = (o: KubeObject) => o.spec?.policyTypes ?? ['Ingress'];
    for (const t of types(before).filter((t: string) => !types(after).includes(t))) found.push(opened(`no longer restricts ${t}`));
    if (JSON.stringify(before.spec?.podSelector) !== JSON.stringify(after.spec?.podSelector))
      found.push(opened(`podSelector changed: ${show(before.spec?.podSelector)} -> ${show(after.spec?.podSelector)}`));
  }
  return found;
}

// ---- Sidecar, ServiceEntry: egress

function sidecar(before?: KubeObject, after?: KubeObject): ChangeRisk[] {
  const egressOpened = (message: string) => ({ riskClass: RiskClass.EGRESS_OPENED, message });
  const mode = (o?: KubeObject) => o?.spec?.outboundTrafficPolicy?.mode ?? 'ALLOW_ANY';
  const hosts = (o?: KubeObject): string[] => (o?.spec?.egress ?? []).flatMap((e: any) => e.hosts ?? []);
  const found: ChangeRisk[] = [];
  if (before && mode(before) === 'REGISTRY_ONLY' && (!after || mode(after) !== 'REGISTRY_ONLY'))
    found.push(egressOpened(after ? 'REGISTRY_ONLY dropped: unknown hosts pass through' : 'REGISTRY_ONLY Sidecar removed'));
  if (before && after) {
    const added = hosts(after).filter(h => !hosts(before).includes(h));
    if (added.length) found.push(egressOpened(`egress hosts added: ${added.join(', ')}`));
  }
  return found;
}

function serviceEntry(before?: KubeObject, after?: KubeObject): ChangeRisk[] {
  if (!after || after.spec?.location === 'MESH_INTERNAL') return [];
  const ports = (o?: KubeObject): string[] => (o?.spec?.ports ?? []).map((p: any) => `${p.number}/${p.protocol}`);
  const newHosts = values(after.spec?.hosts).filter(h => !values(before?.spec?.hosts).includes(h));
  const newPorts = ports(after).filter(p => !ports(before).includes(p));
  return newHosts.length || (before && newPorts.length)
    ? [
        {
          riskClass: RiskClass.EGRESS_OPENED,
          message: `external ${newHosts.length ? `hosts ${newHosts.join(', ')}` : `ports ${newPorts.join(', ')}`} now reachable`,
        },
      ]
    : [];
}

// ---- Ingress (ALB), Certificate, Gateway

const ALB_KEYS = [
  'scheme',
  'ssl-policy',
  'certificate-arn',
  'backend-protocol',
  'wafv2-acl-arn',
  'ssl-redirect',
  'listen-ports',
  'inbound-cidrs',
  'group.name',
];

function ingress(before?: KubeObject, after?: KubeObject): ChangeRisk[] {
  if (!before || !after) return before ? [{ riskClass: RiskClass.ALB_CHANGED, message: 'Ingress removed' }] : [];
  const a = (o: KubeObject, k: string) => o.metadata.annotations?.[`alb.ingress.kubernetes.io/${k}`];
  return ALB_KEYS.filter(k => a(before, k) !== a(after, k)).map(k => ({
    riskClass: RiskClass.ALB_CHANGED,
    message: `${k}: ${show(a(before, k))} -> ${show(a(after, k))}`,
  }));
}

function certificate(before?: KubeObject, after?: KubeObject): ChangeRisk[] {
  if (before && !after) return [{ riskClass: RiskClass.CERTIFICATE_CHANGED, message: 'Certificate removed' }];
  if (!before || !after) return [];
  return ['privateKey', 'duration', 'renewBefore', 'issuerRef', 'secretName']
    .filter(k => JSON.stringify(before.spec?.[k]) !== JSON.stringify(after.spec?.[k]))
    .map(k => ({ riskClass: RiskClass.CERTIFICATE_CHANGED, message: `${k}: ${show(before.spec?.[k])} -> ${show(after.spec?.[k])}` }));
}

function istioGateway(before?: KubeObject, after?: KubeObject): ChangeRisk[] {
  if (!before || !after) return before ? [{ riskClass: RiskClass.GATEWAY_TLS_CHANGED, message: 'Gateway removed' }] : [];
  const servers = (o: KubeObject) => new Map((o.spec?.servers ?? []).map((s: any) => [String(s.port?.number), s]));
  const b = servers(before);
  const a = servers(after);
  const found: ChangeRisk[] = [];
  for (const port of [...new Set([...b.keys(), ...a.keys()])].sort()) {
    const x: any = b.get(port);
    const y: any = a.get(port);
    for (const k of ['tls', 'hosts']) {
      if (JSON.stringify(x?.[k]) !== JSON.stringify(y?.[k]))
        found.push({ riskClass: RiskClass.GATEWAY_TLS_CHANGED, message: `server ${port} ${k}: ${show(x?.[k])} -> ${show(y?.[k])}` });
    }
    if (x?.port?.protocol !== y?.port?.protocol)
      found.push({
        riskClass: RiskClass.GATEWAY_TLS_CHANGED,
        message: `server ${port} protocol: ${show(x?.port?.protocol)} -> ${show(y?.port?.protocol)}`,
      });
  }
  return found;
}

const BY_KIND: Record<string, (before?: KubeObject, after?: KubeObject) => ChangeRisk[]> = {
  'security.istio.io/PeerAuthentication': peerAuthentication,
  '/Namespace': namespace,
  'networking.istio.io/DestinationRule': destinationRule,
  'security.istio.io/AuthorizationPolicy': authorizationPolicy,
  'networking.k8s.io/NetworkPolicy': networkPolicy,
  'networking.istio.io/Sidecar': sidecar,
  'networking.istio.io/ServiceEntry': serviceEntry,
  'networking.k8s.io/Ingress': ingress,
  'cert-manager.io/Certificate': certificate,
  'networking.istio.io/Gateway': istioGateway,
};

function classifyPair(environment: string, before?: KubeObject, after?: KubeObject): Risk[] {
  const o = (after ?? before)!;
  const fn = BY_KIND[`${apiGroupOf(o)}/${o.kind}`];
  return fn ? fn(before, after).map(f => ({ ...f, environment, object: describeObject(o) })) : [];
}

/** The security-relevant changes of one environment, most severe classes first. */
export function classify(diff: EnvironmentDiff): Risk[] {
  const risks = [
    ...diff.added.map(o => classifyPair(diff.environment, undefined, o)),
    ...diff.removed.map(o => classifyPair(diff.environment, o, undefined)),
    ...diff.changed.map(c => classifyPair(diff.environment, c.before, c.after)),
  ].flat();
  const order = Object.values(RiskClass);
  return risks.sort(
    (a, b) => order.indexOf(a.riskClass) - order.indexOf(b.riskClass) || byCodePoint(a.object, b.object) || byCodePoint(a.message, b.message),
  );
}
