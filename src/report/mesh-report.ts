/**
 * `dist/<env>/MESH.md`: a picture of the environment's mesh, made from the objects it applies.
 *
 * A Mermaid diagram of the traffic path (clients -> ALB -> gateway -> namespaces, ambient /
 * sidecar / waypoint, who may call whom), the encryption of each segment, and per namespace its
 * mode, mTLS, exposed routes and allowed callers. Flux ignores the file (kustomization.yaml does
 * not list it); GitHub renders it in pull requests.
 */
import { ResolvedEnvironment } from '../config/resolve-environment';
import { Annotations, Labels } from '../core/labels';
import { KubeObject } from '../core/manifest';
import { byCodePoint } from '../core/sort';
import { FlowIntent } from '../checks/flows/intent';
import { FlowStatus } from '../checks/flows/record';
import { Flow } from '../checks/flows/types';

/**
 * The recorded flow decisions of the environment (`src/checks/flows`): with them, the callers table and
 * the diagram's edges come from the decisions, and a declared flow without a decision under its
 * current fingerprint is shown as not verified instead of drawn as working.
 */
export interface MeshVerification {
  readonly intent: FlowIntent;
  readonly statuses: ReadonlyMap<string, FlowStatus>;
}

/** What the table says of a declared flow that has no current decision. */
export const NOT_VERIFIED = 'not verified (run npm run flows -- --record)';

/** The declared flows into a namespace's Services, in the intent's order. */
function declaredInto(verification: MeshVerification, ns: string): Flow[] {
  return verification.intent.input.flows.filter(f => f.origin === 'declared' && 'service' in f.to && f.to.service.startsWith(`${ns}/`));
}

/** `ns/sa` of a flow's source, or `ingress gateway` for the ALB's requests. */
function sourceOf(env: ResolvedEnvironment, f: Flow): string {
  if ('alb' in f.from) return 'ingress gateway';
  const rest = f.id.slice(env.name.length + 1);
  return rest.slice(0, rest.indexOf(' -> '));
}

function throughWaypointHop(status: FlowStatus): boolean {
  return status.state !== 'not verified' && status.recorded.hops.some(h => h.component === 'waypoint' && h.decision === 'allow');
}

/** One namespace as the report sees it. */
interface NamespaceView {
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
interface Caller {
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
type Reach = 'waypoint' | 'pods' | 'unenforced' | { readonly never: string };

function reach(env: ResolvedEnvironment, v: NamespaceView, c: Caller, modes: ReadonlyMap<string, NamespaceView['mode']>): Reach {
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

const id = (...parts: string[]) => parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
const text = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;
const code = (s: string) => `\`${s}\``;
const cell = (s: string) => s.replace(/\|/g, '\\|');

/** Objects by kind and namespace, built once per report (a report reads each namespace's objects). */
class ObjectIndex {
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

function shortPrincipal(principal: string): string {
  const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  return m ? `${m[1]}/${m[2]}` : principal;
}

function serviceOfHost(host: string, ns: string): { service: string; namespace: string } {
  const parts = host.split('.');
  return { service: parts[0], namespace: parts.length >= 2 && parts[1] !== 'svc' ? parts[1] : ns };
}

/** Read what the report needs from one environment's objects. */
function namespaceViews(env: ResolvedEnvironment, index: ObjectIndex): NamespaceView[] {
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

/** The Mermaid flowchart of the traffic path. */
export function meshDiagram(env: ResolvedEnvironment, objects: readonly KubeObject[], verification?: MeshVerification): string {
  const index = new ObjectIndex(objects);
  return diagram(env, index, namespaceViews(env, index), verification);
}

function diagram(env: ResolvedEnvironment, index: ObjectIndex, views: readonly NamespaceView[], verification?: MeshVerification): string {
  const modes = new Map(views.map(v => [v.name, v.mode]));
  const ingress = index.ofKind('Ingress', env.ingressGateway.namespace)[0];
  const a = ingress?.metadata.annotations ?? {};
  const lines = ['flowchart LR', `  clients(["Clients"])`];
  lines.push(`  alb[${text(`ALB · ${a['alb.ingress.kubernetes.io/scheme'] ?? env.alb.scheme}`)}]`);
  lines.push(`  gateway[${text(`Ingress gateway<br/>${env.ingressGateway.namespace}/${env.ingressGateway.serviceName}`)}]`);
  lines.push(`  clients -->|${text(`HTTPS · ${a['alb.ingress.kubernetes.io/ssl-policy'] ?? env.alb.sslPolicy}`)}| alb`);
  lines.push(`  alb -->|${text('HTTPS re-encrypted · no SNI')}| gateway`);
  const external = new Set<string>();
  const edges: string[] = [];
  for (const v of views) {
    const state = v.mode === 'out of mesh' ? 'plaintext' : v.mtls.split(' ')[0];
    lines.push(`  subgraph ${id('ns', v.name)} [${text(`${v.name} · ${v.mode} · ${state}`)}]`);
    if (v.waypoint) lines.push(`    ${id(v.name, 'waypoint')}{{${text(`${v.waypoint} · waypoint (L7)`)}}}`);
    for (const s of v.services) lines.push(`    ${id(v.name, 'svc', s)}[${text(s)}]`);
    lines.push('  end');
    const svc = (name: string) => id(v.name, 'svc', name);
    const throughWaypoint = (from: string, label: string, target: string) => {
      edges.push(`  ${from} -->|${text(label)}| ${id(v.name, 'waypoint')}`, `  ${id(v.name, 'waypoint')} --> ${svc(target)}`);
    };
    if (verification) {
      // Only what a recorded decision allows under the current fingerprint is drawn.
      for (const f of declaredInto(verification, v.name)) {
        const status = verification.statuses.get(f.id)!;
        if (status.state !== 'allowed' || !('service' in f.to)) continue;
        const target = f.to.service.slice(v.name.length + 1);
        if (!v.services.includes(target)) {
          lines.splice(lines.length - 1, 0, `    ${svc(target)}[${text(target)}]`);
          v.services.push(target);
        }
        const plaintext = v.mode === 'out of mesh' ? ' · plaintext' : '';
        const source = sourceOf(env, f);
        const srcNs = source.split('/')[0];
        const from = 'alb' in f.from ? 'gateway' : modes.has(srcNs) ? id('ns', srcNs) : id('ext', srcNs);
        if (!('alb' in f.from) && !modes.has(srcNs)) external.add(srcNs);
        const label =
          f.http && 'alb' in f.from
            ? `${f.http.host}${f.http.path === '/' ? '' : ` ${f.http.path}`}${f.http.jwt ? ' · JWT' : ''}${plaintext}`
            : `${plaintext ? 'plaintext' : 'mTLS'} · ${source}`;
        if (v.waypoint && throughWaypointHop(status)) throughWaypoint(from, label, target);
        else edges.push(`  ${from} -->|${text(label)}| ${svc(target)}`);
      }
      continue;
    }
    // Routes: the gateway goes through the waypoint only where the namespace opts in.
    for (const r of v.routes) {
      const label = `${r.host}${r.prefix === '/' ? '' : ` ${r.prefix}`}${v.mode === 'out of mesh' ? ' · plaintext' : ''}`;
      if (v.waypoint && v.ingressThroughWaypoint) throughWaypoint('gateway', label, r.service);
      else edges.push(`  gateway -->|${text(label)}| ${svc(r.service)}`);
    }
    for (const c of v.callers) {
      if (c.principal === env.ingressGateway.principal) continue;
      const r = reach(env, v, c, modes);
      if (typeof r === 'object') continue;
      const from = c.namespace && modes.has(c.namespace) ? id('ns', c.namespace) : id('ext', c.namespace ?? c.principal);
      if (!c.namespace || !modes.has(c.namespace)) external.add(c.namespace ?? c.principal);
      for (const t of c.targets.filter(t => v.services.includes(t))) {
        if (r === 'waypoint') throughWaypoint(from, `mTLS · ${shortPrincipal(c.principal)}`, t);
        else if (r === 'unenforced') edges.push(`  ${from} -->|${text('plaintext · not enforced')}| ${svc(t)}`);
        else
          edges.push(
            `  ${from} -->|${text(`${v.mode === 'ambient' ? 'mTLS, HBONE to the pod' : 'mTLS'} · ${shortPrincipal(c.principal)}`)}| ${svc(t)}`,
          );
      }
    }
  }
  for (const e of [...external].sort()) lines.push(`  ${id('ext', e)}[${text(`${e} (outside this environment)`)}]`);
  lines.push(...[...new Set(edges)]);
  return lines.join('\n');
}

/** The "allowed callers" cell of a namespace: who gets in and how, and grants that admit nobody. */
function callersCell(
  env: ResolvedEnvironment,
  v: NamespaceView,
  modes: ReadonlyMap<string, NamespaceView['mode']>,
  verification?: MeshVerification,
): string {
  if (verification) return verifiedCallersCell(env, v, verification);
  if (v.mode === 'out of mesh') return 'not enforced: no proxy runs here, so any pod the NetworkPolicies admit can call';
  const ways = new Map<string, { reached: Set<string>; denied: string[] }>();
  for (const c of v.callers) {
    const who = `${c.principal === env.ingressGateway.principal ? 'ingress gateway' : shortPrincipal(c.principal)}${c.jwt ? ' (with JWT)' : ''} -> ${c.targets.join(', ')}`;
    const entry = ways.get(who) ?? { reached: new Set<string>(), denied: [] };
    const r = reach(env, v, c, modes);
    if (typeof r === 'object') entry.denied.push(r.never);
    else entry.reached.add(r === 'waypoint' ? 'through the waypoint' : v.waypoint ? 'to the pods, L4' : '');
    ways.set(who, entry);
  }
  return (
    [...ways]
      .map(([who, w]) => {
        const how = [...w.reached].filter(Boolean).sort();
        if (w.reached.size === 0) return `${who} (denied: ${w.denied[0]})`;
        return how.length ? `${who} (${how.join('; ')})` : who;
      })
      .sort()
      .join('<br/>') || 'none'
  );
}

/** The "allowed callers" cell from the recorded decisions: every declared flow into the namespace and what is known of it. */
function verifiedCallersCell(env: ResolvedEnvironment, v: NamespaceView, verification: MeshVerification): string {
  const lines = declaredInto(verification, v.name).map(f => {
    const status = verification.statuses.get(f.id)!;
    const to = 'service' in f.to ? `${f.to.service.slice(v.name.length + 1)}:${f.to.port}` : '';
    const request = f.http && 'alb' in f.from ? ` ${f.http.method} ${f.http.host}${f.http.path}` : '';
    const who = `${sourceOf(env, f)}${f.http?.jwt ? ' (with JWT)' : ''} -> ${to}${request}`;
    if (status.state === 'not verified') return `${who} (${NOT_VERIFIED})`;
    if (status.state === 'denied') {
      const hop = status.recorded.hops.find(h => h.decision === 'deny') ?? status.recorded.hops[status.recorded.hops.length - 1];
      return `${who} (**denied** at ${status.recorded.layer}: ${hop.matched})`;
    }
    return `${who} (allowed${throughWaypointHop(status) ? ', through the waypoint' : ''})`;
  });
  return lines.join('<br/>') || 'none';
}

/** The whole `MESH.md`. */
export function renderMeshReport(env: ResolvedEnvironment, objects: readonly KubeObject[], verification?: MeshVerification): string {
  const index = new ObjectIndex(objects);
  const views = namespaceViews(env, index);
  const ingress = index.ofKind('Ingress', env.ingressGateway.namespace)[0];
  const a = ingress?.metadata.annotations ?? {};
  const cert = index.ofKind('Certificate', env.ingressGateway.namespace)[0];
  const key = cert?.spec?.privateKey
    ? `${cert.spec.privateKey.algorithm} ${cert.spec.privateKey.algorithm === 'ECDSA' ? `P-${cert.spec.privateKey.size}` : cert.spec.privateKey.size}`
    : 'unknown key';
  const meshMtls =
    index.ofKind('PeerAuthentication', env.istio.rootNamespace).find(p => !p.spec?.selector)?.spec?.mtls?.mode ??
    'not set (Istio default PERMISSIVE)';
  const out: string[] = [];
  out.push('<!-- Generated by eks-istio-mesh (npm run synth). Do not edit: change the code or the environment config and synthesize again. -->');
  out.push(`# Mesh of environment ${code(env.name)}`, '');
  out.push(
    `Cluster ${code(env.clusterName)} in ${code(env.awsRegion)}; domains ${env.domains.map(code).join(', ')}; mesh-wide mTLS **${meshMtls}**; Istio revision ${code(env.istio.revision)}; trust domain ${code(env.istio.trustDomain)}.`,
    '',
  );
  out.push('## Traffic path', '', '```mermaid', diagram(env, index, views, verification), '```', '');
  if (verification) {
    const declared = verification.intent.input.flows.filter(f => f.origin === 'declared');
    const count = (state: string) => declared.filter(f => verification.statuses.get(f.id)!.state === state).length;
    out.push(
      `Edges are the declared flows the flows engine decided as allowed (\`flows/${env.name}.json\`, recorded by \`npm run flows -- --env ${env.name} --record\`): ${count('allowed')} allowed, ${count('denied')} denied, ${count('not verified')} not verified, of ${declared.length} declared.`,
      '',
    );
  }
  out.push('## Encryption by segment', '');
  out.push('| segment | protocol | certificate | rotation |', '|---|---|---|---|');
  out.push(
    `| client -> ALB | HTTPS, listener policy ${code(a['alb.ingress.kubernetes.io/ssl-policy'] ?? 'unset')} | ACM ${(a['alb.ingress.kubernetes.io/certificate-arn'] ?? '').split(',').filter(Boolean).map(code).join(', ')} | ACM (AWS) |`,
  );
  out.push(
    `| ALB -> ingress gateway | HTTPS re-encrypted (${code(`backend-protocol: ${a['alb.ingress.kubernetes.io/backend-protocol'] ?? 'unset'}`)}), no SNI | cert-manager ${cert?.spec?.issuerRef?.kind ?? ''} ${code(cert?.spec?.issuerRef?.name ?? 'none')}, ${key}, Secret ${code(`${env.ingressGateway.namespace}/${cert?.spec?.secretName ?? env.ingressGateway.tlsSecretName}`)} | valid ${cert?.spec?.duration ?? '?'}, renewed ${cert?.spec?.renewBefore ?? '?'} before expiry (cert-manager) |`,
  );
  out.push(
    `| ingress gateway -> workload | Istio mTLS: HBONE through ztunnel (ambient) or the Envoy sidecar | Istio CA, SPIFFE ${code(`${env.istio.trustDomain}/ns/<ns>/sa/<sa>`)} | istiod (workload certificates) |`,
  );
  out.push('| workload -> workload (in the mesh) | Istio mTLS, per namespace below; deny-by-default authorization | Istio CA | istiod |');
  const outside = views.filter(v => v.mode === 'out of mesh').map(v => code(v.name));
  if (outside.length) {
    out.push(
      `| anything -> ${outside.join(', ')} (out of the mesh) | **plaintext**; no Istio authorization is enforced (its policies are written but no proxy applies them); only NetworkPolicies apply | none | none |`,
    );
  }
  out.push('');
  out.push('## Namespaces', '');
  if (views.length === 0) {
    out.push('No app-team namespace in this environment.', '');
  } else {
    const modes = new Map(views.map(v => [v.name, v.mode]));
    out.push('| namespace | dataplane | waypoint | mTLS | exposed routes | allowed callers |', '|---|---|---|---|---|---|');
    for (const v of views) {
      const routes = v.routes.map(r => `${r.host}${r.prefix} -> ${r.service}${r.port ? `:${r.port}` : ''}`).join('<br/>') || 'none';
      const callers = callersCell(env, v, modes, verification);
      out.push(
        `| ${code(v.name)} | ${v.mode} | ${v.waypoint ? `${code(v.waypoint)}${v.ingressThroughWaypoint ? ', ingress too' : ''}` : 'none'} | ${v.mtls} | ${cell(routes)} | ${cell(callers)} |`,
      );
    }
    out.push('');
  }
  out.push(...egressAndPrerequisites(env, index));
  return out.join('\n');
}

/**
 * What the manifests cannot enforce on their own: where pods may go outside the cluster, the
 * cluster settings they rely on, and the upstream bugs that touch this environment's setup.
 */
function egressAndPrerequisites(env: ResolvedEnvironment, index: ObjectIndex): string[] {
  const out: string[] = ['## Egress, prerequisites and known upstream issues', ''];
  const external = index
    .ofKind('NetworkPolicy')
    .filter(np => np.metadata.name === 'allow-egress-external')
    .sort((a, b) => (a.metadata.namespace! < b.metadata.namespace! ? -1 : a.metadata.namespace! > b.metadata.namespace! ? 1 : 0));
  if (external.length === 0) {
    out.push('No namespace may leave the cluster (no external egress).', '');
  } else {
    out.push(
      'Egress outside the cluster, as the NetworkPolicies admit it. REGISTRY_ONLY (the Sidecar) is not a security boundary: a pod without a proxy (`sidecar.istio.io/inject: "false"`) is held back by these NetworkPolicies alone, so `0.0.0.0/0` means any public host on that port (istio/api PR#3270).',
      '',
    );
    out.push('| namespace | to | ports |', '|---|---|---|');
    for (const np of external) {
      for (const rule of (np.spec?.egress ?? []) as any[]) {
        const to = ((rule.to ?? []) as any[])
          .map(p => {
            const cidr = p.ipBlock?.cidr ?? '?';
            return cidr.endsWith('/0')
              ? `**any public address** (${code(cidr)}${p.ipBlock?.except?.length ? ` except private ranges` : ''})`
              : code(cidr);
          })
          .join(', ');
        const ports = ((rule.ports ?? []) as any[]).map(p => `${p.protocol ?? 'TCP'} ${p.port}`).join(', ') || 'every port';
        out.push(`| ${code(np.metadata.namespace!)} | ${cell(to)} | ${ports} |`);
      }
    }
    out.push('');
  }
  out.push('Not checked by the synth (README, "Prerequisites"):', '');
  out.push('- the VPC CNI add-on enforces NetworkPolicies (`enableNetworkPolicy: "true"`): without it every NetworkPolicy here is ignored;');
  out.push(
    `- pod IP family ${code(env.cluster.ipFamily)} (\`cluster.ipFamily\`): ambient kubelet probes are admitted from ${env.cluster.ipFamily === 'IPv6' ? '`169.254.7.127/32` and `fd16:9254:7127:1337:ffff:ffff:ffff:ffff/128`' : '`169.254.7.127/32`'};`,
  );
  out.push(
    env.monitoring
      ? `- Prometheus in ${code(env.monitoring.namespace)} is admitted to 15020 and 15090 of the Envoy proxies (sidecars, waypoints);`
      : "- no Prometheus is admitted to the proxies' metrics ports (`monitoring` is not set);",
  );
  out.push(
    `- the OTLP collector ${code(`${env.telemetry.collectorHost}:${env.telemetry.collectorPort}`)} is reached on its port and on HBONE 15008 (a collector in an ambient namespace).`,
    '',
  );
  const namespaces = index.ofKind('Namespace');
  const issues: string[] = [];
  if (namespaces.some(n => n.metadata.labels?.[Labels.INGRESS_USE_WAYPOINT] === 'true')) {
    issues.push(
      '- istio/istio#60780: with `istio.io/ingress-use-waypoint`, the gateway and waypoint spans of those requests do not reach the collector (the application spans do);',
    );
  }
  if (namespaces.some(n => n.metadata.labels?.[Labels.USE_WAYPOINT])) {
    issues.push(
      '- istio/istio#61154 (reported on 1.30.2): a waypoint may emit no OpenTelemetry spans although its Telemetry resource is correct; its metrics still count the requests;',
    );
  }
  if (issues.length > 0)
    out.push('Known upstream issues that affect this environment (open when written; README, "Known upstream issues"):', '', ...issues, '');
  return out;
}
