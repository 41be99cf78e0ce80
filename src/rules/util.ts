/**
 * Small readers shared by rules.
 */
import { Labels } from '../lib/labels';
import { LocatedManifest, RuleContext } from './types';

/** `Kind namespace/name`, as reports name an object. */
export function describe(o: LocatedManifest): string {
  const m = o.manifest.metadata;
  return `${o.manifest.kind} ${m.namespace ? `${m.namespace}/` : ''}${m.name ?? '(no name)'}`;
}

/** API group of a manifest (`''` for core). */
export function groupOf(o: LocatedManifest): string {
  const v = o.manifest.apiVersion ?? '';
  return v.includes('/') ? v.split('/')[0] : '';
}

export function labelsOf(o: LocatedManifest): Record<string, string> {
  return o.manifest.metadata?.labels ?? {};
}

export function annotationsOf(o: LocatedManifest): Record<string, string> {
  return o.manifest.metadata?.annotations ?? {};
}

export function spec(o: LocatedManifest): any {
  return o.manifest.spec ?? {};
}

/** The controller name of AWS Load Balancer Controller IngressClasses (pkg/ingress/class_loader.go). */
export const ALB_INGRESS_CONTROLLER = 'ingress.k8s.aws/alb';

/**
 * True for an Ingress handled by the AWS Load Balancer Controller: class `alb` (the controller
 * chart's IngressClass), or one of `albClasses` (IngressClasses of controller ingress.k8s.aws/alb).
 */
export function isAlbIngress(o: LocatedManifest, albClasses: ReadonlySet<string> = new Set()): boolean {
  const cls = spec(o).ingressClassName;
  return o.manifest.kind === 'Ingress' && (cls === 'alb' || albClasses.has(cls) || annotationsOf(o)['kubernetes.io/ingress.class'] === 'alb');
}

/** Every Ingress handled by the AWS Load Balancer Controller, with the IngressClasses in the set. */
export function albIngresses(ctx: RuleContext): LocatedManifest[] {
  const classes = new Set(ctx.byKind('IngressClass', 'networking.k8s.io').filter(c => spec(c).controller === ALB_INGRESS_CONTROLLER).map(c => c.manifest.metadata.name as string));
  return ctx.byKind('Ingress').filter(i => isAlbIngress(i, classes));
}

/** Every backend Service of an Ingress: `{ name, port }`. */
export function ingressBackends(o: LocatedManifest): Array<{ name: string; port?: number; portName?: string }> {
  const s = spec(o);
  const backends = [s.defaultBackend, ...(s.rules ?? []).flatMap((r: any) => (r.http?.paths ?? []).map((p: any) => p.backend))].filter(Boolean);
  return backends.map((b: any) => ({ name: b.service?.name, port: b.service?.port?.number, portName: b.service?.port?.name }));
}

const L7_OPERATION_KEYS = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];
const L7_SOURCE_KEYS = ['requestPrincipals', 'notRequestPrincipals', 'remoteIpBlocks', 'notRemoteIpBlocks'];
const L4_WHEN_KEYS = ['source.ip', 'source.namespace', 'source.principal', 'destination.ip', 'destination.port', 'connection.sni'];

/** The L7 (HTTP) fields an AuthorizationPolicy uses; ztunnel cannot enforce any of them. */
export function l7FieldsOf(policy: LocatedManifest): string[] {
  const found = new Set<string>();
  for (const rule of spec(policy).rules ?? []) {
    for (const to of rule.to ?? []) for (const k of L7_OPERATION_KEYS) if (to.operation?.[k]?.length) found.add(k);
    for (const from of rule.from ?? []) for (const k of L7_SOURCE_KEYS) if (from.source?.[k]?.length) found.add(k);
    for (const w of rule.when ?? []) if (!L4_WHEN_KEYS.includes(w.key)) found.add(`when ${w.key}`);
  }
  return [...found].sort();
}

/** Parse a SPIFFE principal `<trust domain>/ns/<namespace>/sa/<service account>`. */
export function parsePrincipal(principal: string): { trustDomain: string; namespace: string; serviceAccount: string } | undefined {
  const m = /^(.+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  return m ? { trustDomain: m[1], namespace: m[2], serviceAccount: m[3] } : undefined;
}

/** Every `principals` entry of an AuthorizationPolicy. */
export function principalsOf(policy: LocatedManifest): string[] {
  return (spec(policy).rules ?? []).flatMap((r: any) => (r.from ?? []).flatMap((f: any) => f.source?.principals ?? []));
}

export function waypointExists(ctx: RuleContext, namespace: string | undefined, name: string): boolean {
  return ctx.byKind('Gateway', 'gateway.networking.k8s.io').some(g =>
    g.manifest.metadata.namespace === namespace && g.manifest.metadata.name === name && spec(g).gatewayClassName === 'istio-waypoint');
}

/** The waypoint a Service (or its namespace) sends traffic through, if any. */
export function waypointOf(ctx: RuleContext, namespace: string | undefined, service?: string): string | undefined {
  const svc = service ? ctx.byKind('Service', '').find(s => s.manifest.metadata.namespace === namespace && s.manifest.metadata.name === service) : undefined;
  const fromService = svc ? labelsOf(svc)[Labels.USE_WAYPOINT] : undefined;
  const nsObject = namespace ? ctx.namespaceObject(namespace) : undefined;
  const value = fromService ?? (nsObject ? labelsOf(nsObject)[Labels.USE_WAYPOINT] : undefined);
  return value && value !== '#none' && value !== 'none' ? value : undefined;
}

/** TLS modes a DestinationRule sets at the top and per port. */
export function tlsModes(dr: any): Array<{ where: string; mode: string }> {
  const tp = dr.trafficPolicy ?? {};
  const found = tp.tls?.mode ? [{ where: 'trafficPolicy.tls', mode: tp.tls.mode }] : [];
  (tp.portLevelSettings ?? []).forEach((p: any, i: number) => { if (p.tls?.mode) found.push({ where: `portLevelSettings[${i}].tls`, mode: p.tls.mode }); });
  return found;
}

/** Istio Gateway servers on a port, in the gateway namespace that an ALB Ingress targets. */
export function serversOnPort(ctx: RuleContext, ingress: LocatedManifest, port: number): Array<{ gateway: LocatedManifest; server: any }> {
  const ns = ctx.ingressGateway?.namespace ?? ingress.manifest.metadata.namespace;
  return ctx.byKind('Gateway', 'networking.istio.io')
    .filter(g => g.manifest.metadata.namespace === ns)
    .flatMap(gateway => (spec(gateway).servers ?? []).filter((s: any) => s.port?.number === port).map((server: any) => ({ gateway, server })));
}
