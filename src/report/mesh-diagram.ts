/** The Mermaid flowchart of an environment's traffic path, from its objects or its recorded decisions. */
import { ResolvedEnvironment } from '../config/resolve-environment';
import { KubeObject } from '../core/manifest';
import { id, text } from './markdown';
import { NamespaceView, ObjectIndex, namespaceViews, reach, shortPrincipal } from './object-index';
import { declaredInto, MeshVerification, sourceOf, throughWaypointHop } from './verification';

/** The Mermaid flowchart of the traffic path. */
export function meshDiagram(env: ResolvedEnvironment, objects: readonly KubeObject[], verification?: MeshVerification): string {
  const index = new ObjectIndex(objects);
  return diagram(env, index, namespaceViews(env, index), verification);
}

/** The flowchart of views already read from `index`. */
export function diagram(env: ResolvedEnvironment, index: ObjectIndex, views: readonly NamespaceView[], verification?: MeshVerification): string {
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
