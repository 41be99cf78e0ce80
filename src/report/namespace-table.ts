/** The report's table of namespaces: dataplane, waypoint, mTLS, exposed routes and allowed callers. */
import { ResolvedEnvironment } from '../config/resolve-environment';
import { cell, code } from './markdown';
import { NamespaceView, reach, shortPrincipal } from './object-index';
import { declaredInto, MeshVerification, NOT_VERIFIED, sourceOf, throughWaypointHop } from './verification';

/** The "Namespaces" section. */
export function namespaceTable(env: ResolvedEnvironment, views: readonly NamespaceView[], verification?: MeshVerification): string[] {
  const out: string[] = [];
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
  return out;
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
