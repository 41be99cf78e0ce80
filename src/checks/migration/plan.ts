/**
 * The migration plan: every namespace in every environment, its state, its next safe step, and
 * what blocks mesh-wide STRICT.
 */
import { DataplaneMode, MtlsMode } from '../../config/environment-config';
import { unsafeStep } from './gates';
import { DATAPLANE_PROGRESS, EnvironmentState, MTLS_PROGRESS, NamespaceMigration, NamespaceState } from './state';

/** The next state a namespace should move to, or undefined when it has reached its target. */
export function nextState(ns: NamespaceMigration): { state: NamespaceState; step: string } | undefined {
  if (ns.dataplane === DataplaneMode.OUT_OF_MESH) {
    return { state: { dataplane: ns.target, mtlsMode: MtlsMode.PERMISSIVE }, step: `enrol as ${ns.target}, PERMISSIVE` };
  }
  if (ns.dataplane !== ns.target) {
    const switched = { dataplane: ns.target, mtlsMode: ns.mtlsMode };
    return unsafeStep(ns, switched)
      ? { state: { dataplane: ns.dataplane, mtlsMode: MtlsMode.PERMISSIVE }, step: `set PERMISSIVE before moving to ${ns.target}` }
      : { state: switched, step: `move to ${ns.target}, PERMISSIVE` };
  }
  if (ns.mtlsMode === MtlsMode.PERMISSIVE) return { state: { dataplane: ns.dataplane, mtlsMode: MtlsMode.STRICT }, step: 'set STRICT' };
  return undefined;
}

const ahead = (a: NamespaceState, b: NamespaceState) =>
  DATAPLANE_PROGRESS[a.dataplane] > DATAPLANE_PROGRESS[b.dataplane] || MTLS_PROGRESS[a.mtlsMode] > MTLS_PROGRESS[b.mtlsMode];

/** What keeps an environment from mesh-wide STRICT (empty when nothing). */
export function strictBlockers(states: readonly EnvironmentState[], index: number): string[] {
  const cur = states[index];
  const blockers: string[] = [];
  for (const [ns, s] of cur.namespaces) {
    if (s.dataplane === DataplaneMode.OUT_OF_MESH && !cur.env.namespaces[ns]?.strictExemptionBecause) blockers.push(`${ns} is out of the mesh`);
  }
  const prev = states[index - 1];
  if (prev && prev.env.istio.mtlsMode !== MtlsMode.STRICT && !cur.env.istio.mtlsAheadOfPreviousBecause)
    blockers.push(`${prev.env.name} is not STRICT yet`);
  return blockers.sort();
}

/**
 * Render the plan as Markdown.
 *
 * @param states every environment, in promotion order
 */
export function renderPlan(states: readonly EnvironmentState[]): string {
  const envs = states.map(s => s.env.name);
  const namespaces = [...new Set(states.flatMap(s => [...s.namespaces.keys(), ...Object.keys(s.env.retiredNamespaces)]))].sort();
  const out: string[] = ['# Mesh migration plan', ''];
  out.push(
    `Environments in promotion order: ${envs.map(e => `\`${e}\``).join(' -> ')}. Each cell: dataplane / mTLS, then the next safe step (or what it waits for). A step may not put an environment ahead of the one before it.`,
    '',
  );
  out.push(`| namespace (target) | ${envs.join(' | ')} |`, `|---|${envs.map(() => '---').join('|')}|`);
  for (const ns of namespaces) {
    const target = states.map(s => s.namespaces.get(ns)?.target).find(Boolean) ?? 'retired';
    const cells = states.map((s, i) => {
      const cur = s.namespaces.get(ns);
      const prevEnv = i > 0 ? states[i - 1].env.name : undefined;
      const prev = i > 0 ? states[i - 1].namespaces.get(ns) : undefined;
      const retired = s.env.retiredNamespaces[ns];
      if (!cur && retired) return `retired: ${retired.replace(/\|/g, '\\|')}`;
      if (!cur) return prev ? `not enabled: **next enable as ${prev.dataplane} / ${prev.mtlsMode}** (as ${prevEnv})` : 'not enabled';
      const here = `${cur.dataplane} / ${cur.mtlsMode}`;
      const next = nextState(cur);
      if (!next) return `${here}: done`;
      if (i === 0 || (prev && !ahead(next.state, prev))) return `${here}: **next ${next.step}**`;
      // The direct step would overtake the previous environment: catch up with it if that is safe.
      if (prev && ahead(prev, cur) && !unsafeStep(cur, prev)) return `${here}: **next ${prev.dataplane} / ${prev.mtlsMode}** (as ${prevEnv})`;
      return `${here}: next ${next.step}, after ${prevEnv}`;
    });
    out.push(`| \`${ns}\` (${target}) | ${cells.join(' | ')} |`);
  }
  out.push('', '## Mesh-wide mTLS', '', '| environment | mode | blocks STRICT |', '|---|---|---|');
  states.forEach((s, i) => {
    const blockers = strictBlockers(states, i);
    out.push(
      `| \`${s.env.name}\` | ${s.env.istio.mtlsMode} | ${s.env.istio.mtlsMode === MtlsMode.STRICT ? 'already STRICT' : blockers.length ? blockers.join('; ') : 'nothing: ready for STRICT'} |`,
    );
  });
  out.push(
    '',
    'Rollback: level 1, set `namespaces.<ns>.mtlsMode: MtlsMode.PERMISSIVE` (or `istio.mtlsMode`) in the environment; level 2, set `namespaces.<ns>.dataplane: DataplaneMode.OUT_OF_MESH`. Removing a namespace: drain it, then `retiredNamespaces.<ns>: \'<reason>\'`; Flux keeps the Namespace, delete it by hand. See README, "Migration and rollback".',
    '',
  );
  return out.join('\n');
}
