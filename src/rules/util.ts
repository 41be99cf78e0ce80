/**
 * Small readers shared by rules.
 */
import { LocatedManifest } from './types';

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

/** True for an Ingress handled by the AWS Load Balancer Controller. */
export function isAlbIngress(o: LocatedManifest): boolean {
  return o.manifest.kind === 'Ingress' && (spec(o).ingressClassName === 'alb' || annotationsOf(o)['kubernetes.io/ingress.class'] === 'alb');
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
