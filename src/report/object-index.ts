/**
 * What the report reads from an environment's objects: an index of them by kind and namespace,
 * one view per app namespace (mode, waypoint, mTLS, routes, the callers its ALLOW policies admit),
 * and how each caller's requests really reach the namespace.
 */
import { ResolvedEnvironment } from '../config/resolve-environment';
import { Annotations, Labels } from '../core/labels';
import { KubeObject } from '../core/manifest';
import { byCodePoint } from '../core/sort';

/** One namespace as the report sees it. */
export interface NamespaceView {
  readonly name: string;
  readonly mode: 'ambient' | 'sidecar' | 'out of mesh';
  readonly waypoint?: string;
  readonly ingressThroughWaypoint: boolean;
  readonly mtls: string;
  readonly services: string[];
  readonly routes: Array<{ host: string; prefix: string; service: string; port?: number }>;
  readonly callers: Caller[];
}

/** A principal an ALLOW policy admits, and where that policy is enforced. */
export interface Caller {
  readonly principal: string;
  readonly namespace?: string;
  readonly targets: string[];
  readonly jwt: boolean;
  /** `waypoint`: the policy attaches to Services (targetRefs); `pods`: it selects pods (ztunnel or sidecars). */
  readonly attachment: 'waypoint' | 'pods';
}

/**
 * How a caller's requests really reach the namespace under a policy, or why they never do.
 *
 * Only gateways and ambient clients send to a Service's waypoint; sidecars send straight to the
 * pods (`pilot/pkg/xds/endpoints/endpoint_builder.go`, `findServiceWaypoint`), so a policy attached
 * to the waypoint never admits them, and a pod-level policy in a waypoint namespace is not the
 * path of an ambient client.
 */
export type Reach = 'waypoint' | 'pods' | 'unenforced' | { readonly never: string };

export function reach(env: ResolvedEnvironment, v: NamespaceView, c: Caller, modes: ReadonlyMap<string, NamespaceView['mode']>): Reach {
  if (v.mode === 'out of mesh') return 'unenforced';
  const gateway = c.principal === env.ingressGateway.principal;
  const mode = gateway ? undefined : c.namespace ? modes.get(c.namespace) : undefined;
  if (mode === 'out of mesh') return { never: 'its namespace is out of the mesh: its requests carry no identity' };
  if (!v.waypoint) return 'pods';
  if (c.attachment === 'waypoint') {
    if (gateway && !v.ingressThroughWaypoint) return { never: 'the ingress gateway bypasses the waypoint here' };
    if (mode === 'sidecar') return { never: 'sidecars send straight to the pods, never through the waypoint' };
    return 'waypoint';
  }
  if (gateway) return v.ingressThroughWaypoint ? { never: 'the ingress gateway goes through the waypoint here' } : 'pods';
  if (mode === 'ambient') return { never: 'ambient clients reach the Service through the waypoint' };
  return 'pods';
}

/** Objects by kind and namespace, built once per report (a report reads each namespace's objects). */
export class ObjectIndex {
  private readonly byKey = new Map<string, KubeObject[]>();

  constructor(objects: readonly KubeObject[]) {
    for (const o of objects) {
      for (const key of [`${o.kind}*`, `${o.kind}/${o.metadata.namespace ?? ''}`]) {
        const list = this.byKey.get(key);
        if (list) list.push(o);
        else this.byKey.set(key, [o]);
      }
    }
  }

  /** Objects of a kind, in one namespace when given. */
  public ofKind(kind: string, ns?: string): KubeObject[] {
    return this.byKey.get(ns === undefined ? `${kind}*` : `${kind}/${ns}`) ?? [];
  }
}

function principalNamespace(principal: string): string | undefined {
  return /\/ns\/([^/]+)\/sa\//.exec(principal)?.[1];
}

export function shortPrincipal(principal: string): string {
  const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  return m ? `${m[1]}/${m[2]}` : principal;
}

function serviceOfHost(host: string, ns: string): { service: string; namespace: string } {
  const parts = host.split('.');
  return { service: parts[0], namespace: parts.length >= 2 && parts[1] !== 'svc' ? parts[1] : ns };
}

/** Read what the report needs from one environment's objects. */
export function namespaceViews(env: ResolvedEnvironment, index: ObjectIndex): NamespaceView[] {
  const meshMode =
    (index.ofKind('PeerAuthentication', env.istio.rootNamespace).find(p => !p.spec?.selector)?.spec?.mtls?.mode as string) ??
    'PERMISSIVE (Istio default)';
  const excluded = new Set([env.istio.rootNamespace, env.ingressGateway.namespace]);
  return index
    .ofKind('Namespace')
    .filter(n => !excluded.has(n.metadata.name!))
    .map(n => {
      const name = n.metadata.name!;
      const labels = n.metadata.labels ?? {};
      const mode =
        labels[Labels.DATAPLANE_MODE] === 'ambient'
          ? 'ambient'
          : labels[Labels.REVISION] || labels[Labels.INJECTION] === 'enabled'
            ? 'sidecar'
            : 'out of mesh';
      const waypoint = labels[Labels.USE_WAYPOINT];
      const pa = index.ofKind('PeerAuthentication', name).find(p => !p.spec?.selector);
      const routes = index
        .ofKind('VirtualService', name)
        .filter(vs => (vs.spec?.gateways ?? []).some((g: string) => g !== 'mesh'))
        .flatMap(vs =>
          (vs.spec.http ?? []).flatMap((r: any) =>
            (vs.spec.hosts ?? []).flatMap((host: string) =>
              (r.route ?? []).map((d: any) => ({
                host,
                prefix: r.match?.[0]?.uri?.prefix ?? '/',
                service: serviceOfHost(d.destination.host, name).service,
                port: d.destination.port?.number,
              })),
            ),
          ),
        );
      const callers: Caller[] = [];
      for (const p of index.ofKind('AuthorizationPolicy', name).filter(p => (p.spec?.action ?? 'ALLOW') === 'ALLOW')) {
        const targets = (p.spec.targetRefs ?? []).filter((t: any) => t.kind === 'Service').map((t: any) => t.name as string);
        const selector = p.spec.selector?.matchLabels
          ? [
              `pods ${Object.entries(p.spec.selector.matchLabels)
                .map(([k, v]) => `${k}=${v}`)
                .join(',')}`,
            ]
          : [];
        for (const rule of p.spec.rules ?? []) {
          for (const from of rule.from ?? []) {
            for (const principal of from.source?.principals ?? []) {
              if (waypoint && principal.endsWith(`/ns/${name}/sa/${waypoint}`)) continue;
              const selected = p.metadata.annotations?.[Annotations.SERVICE];
              const resolvedTargets = targets.length ? targets : selected ? [selected] : selector.length ? selector : ['all workloads'];
              callers.push({
                principal,
                namespace: principalNamespace(principal),
                targets: resolvedTargets,
                jwt: !!from.source?.requestPrincipals?.length,
                attachment: targets.length ? 'waypoint' : 'pods',
              });
            }
          }
        }
      }
      const services = [
        ...new Set([
          ...routes.map(r => r.service),
          ...callers.flatMap(c => c.targets).filter(t => !t.includes('=') && t !== 'all workloads'),
          ...index.ofKind('DestinationRule', name).map(d => serviceOfHost(d.spec.host, name).service),
        ]),
      ].sort(byCodePoint);
      return {
        name,
        mode,
        waypoint: mode === 'ambient' && waypoint && waypoint !== '#none' ? waypoint : undefined,
        ingressThroughWaypoint: labels[Labels.INGRESS_USE_WAYPOINT] === 'true',
        mtls: mode === 'out of mesh' ? 'none: plaintext' : ((pa?.spec?.mtls?.mode as string) ?? `${meshMode} (mesh-wide)`),
        services,
        routes,
        callers,
      } as NamespaceView;
    })
    .sort((a, b) => byCodePoint(a.name, b.name));
}
