/**
 * `npm run flows -- --env <env> [--from ns/sa] [--to ns/service:port] [--path /x] [--jwt] [--record]`:
 * the flows of one environment decided by the flows engine, as a table, or for the flows the
 * filters select, the decision and its trace hop by hop. `--record` writes `flows/<env>.json`, which
 * synth draws MESH.md from.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentConfig } from '../config/environment-config';
import { runEngine } from '../checks/flows/engine';
import { FlowIntent } from '../checks/flows/intent';
import { decidingHop, recordedText, recordFlows } from '../checks/flows/record';
import { Flow, FlowDecision } from '../checks/flows/types';
import { synthesize } from '../synth/synthesize';
import { EnvironmentBuilder } from '../synth/types';
import { SynthError } from '../core/problem';

/** Options of {@link runFlows}. */
export interface RunFlowsOptions {
  readonly environments: readonly EnvironmentConfig[];
  readonly build: EnvironmentBuilder;
  /** The environment. */
  readonly env: string;
  /** Path of the engine binary, or why there is none. */
  readonly engine: { readonly path?: string; readonly problem?: string };
  /** `ns/sa`, or `alb` for requests from the internet. */
  readonly from?: string;
  /** `ns/service` or `ns/service:port`. */
  readonly to?: string;
  /** Request path (flows with this path, or below it). */
  readonly path?: string;
  /** Only flows that carry a valid token. */
  readonly jwt?: boolean;
  /** Write `<decisionsDir>/<env>.json`. */
  readonly record?: boolean;
  /** @default 'flows' */
  readonly decisionsDir?: string;
  readonly log?: (line: string) => void;
  readonly error?: (line: string) => void;
}

/** Source of a flow as the filters name it: `ns/sa` or `alb`. */
export function flowSource(env: string, f: Flow): string {
  if ('alb' in f.from) return 'alb';
  const rest = f.id.slice(env.length + 1);
  return rest.slice(0, rest.indexOf(' -> '));
}

/** The flows the filters select (all of them without filters). */
export function selectFlows(env: string, flows: readonly Flow[], filters: Pick<RunFlowsOptions, 'from' | 'to' | 'path' | 'jwt'>): Flow[] {
  const [toName, toPort] = filters.to ? splitPort(filters.to) : [undefined, undefined];
  return flows.filter(f => {
    if (filters.from !== undefined && flowSource(env, f) !== filters.from) return false;
    if (toName !== undefined) {
      const name = 'service' in f.to ? f.to.service : 'pod' in f.to ? f.to.pod : f.to.external;
      if (name !== toName || (toPort !== undefined && f.to.port !== toPort)) return false;
    }
    if (
      filters.path !== undefined &&
      !(f.http && (f.http.path === filters.path || f.http.path.startsWith(filters.path.endsWith('/') ? filters.path : `${filters.path}/`)))
    )
      return false;
    if (filters.jwt && !f.http?.jwt) return false;
    return true;
  });
}

function splitPort(to: string): [string, number | undefined] {
  const m = /^(.*):(\d+)$/.exec(to);
  return m ? [m[1], Number(m[2])] : [to, undefined];
}

/** The decision of one flow and its trace, as lines. */
export function traceLines(f: Flow, d: FlowDecision): string[] {
  const verdict = d.decision === f.expect ? 'as expected' : f.expect === 'allow' ? 'EXPECTED ALLOW' : 'EXPECTED DENY';
  const lines = [f.id, `  ${f.origin}: ${f.why}`, `  decision: ${d.decision}${d.decision === 'deny' ? ` at ${d.layer}` : ''} (${verdict})`];
  d.hops.forEach((h, i) =>
    lines.push(`  ${String(i + 1).padStart(2)}. ${h.component.padEnd(14)} ${h.decision.padEnd(5)} ${h.hop}  [matched ${h.matched}]`),
  );
  return lines;
}

/** A table of every flow: decision, expectation, layer, id. */
export function tableLines(flows: readonly Flow[], decisions: readonly FlowDecision[]): string[] {
  const rows = flows.map((f, i) => [decisions[i].decision === f.expect ? 'ok' : 'WRONG', decisions[i].decision, f.expect, decisions[i].layer, f.id]);
  const head = ['', 'decision', 'expect', 'layer', 'flow'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map(r => r[c].length)));
  return [head, ...rows].map(r =>
    r
      .map((x, c) => (c === r.length - 1 ? x : x.padEnd(widths[c])))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * Decide one environment's flows and print them.
 *
 * @returns 0 every flow decided as expected, 1 some flow was not (or the engine failed), 2 bad usage
 */
export async function runFlows(options: RunFlowsOptions): Promise<number> {
  const log = options.log ?? console.log;
  const error = options.error ?? console.error;
  const config = options.environments.find(e => e.name === options.env);
  if (!config) {
    error(`flows: unknown environment ${options.env}; known: ${options.environments.map(e => e.name).join(', ')}`);
    return 2;
  }
  if (options.from !== undefined && options.from !== 'alb' && !/^[a-z0-9-]+\/[a-z0-9.-]+$/.test(options.from)) {
    error(`flows: --from ${options.from} is not ns/serviceaccount or alb. fix: e.g. --from orders/orders-api`);
    return 2;
  }
  if (options.to !== undefined && !/^[a-z0-9.-]+(\/[a-z0-9.-]+)?(:\d+)?$/.test(options.to)) {
    error(`flows: --to ${options.to} is not ns/service[:port] (or host[:port] outside the cluster). fix: e.g. --to payments/payments-api:80`);
    return 2;
  }
  if (options.path !== undefined && !options.path.startsWith('/')) {
    error(`flows: --path ${options.path} must start with '/'`);
    return 2;
  }
  let intent: FlowIntent;
  let objects;
  try {
    const [r] = synthesize([config], options.build, { meshReport: false });
    intent = r.flows();
    objects = r.charts.flatMap(c => c.objects);
  } catch (e) {
    if (e instanceof SynthError) {
      error(e.message);
      return 1;
    }
    throw e;
  }
  const filtered = options.from !== undefined || options.to !== undefined || options.path !== undefined || !!options.jwt;
  const selected = selectFlows(options.env, intent.input.flows, options);
  if (filtered && selected.length === 0) {
    const sources = [...new Set(intent.input.flows.map(f => flowSource(options.env, f)))].sort();
    error(`flows: no flow of ${options.env} matches the filters. Sources: ${sources.join(', ')}. Run without filters for the table of every flow.`);
    return 2;
  }
  if (!options.engine.path) {
    error(`flows: cannot decide: ${options.engine.problem}`);
    return 1;
  }
  const run = await runEngine(options.engine.path, objects, intent);
  if (!run.decisions) {
    for (const p of run.problems) error(`flows: ${p}`);
    return 1;
  }
  const decisions = run.decisions.decisions;
  const byId = new Map(decisions.map(d => [d.id, d]));
  if (filtered) {
    for (const f of selected) log(traceLines(f, byId.get(f.id)!).join('\n'));
  } else {
    for (const line of tableLines(intent.input.flows, decisions)) log(line);
  }
  const wrong = intent.input.flows.filter(f => byId.get(f.id)!.decision !== f.expect);
  log(
    `${options.env}: ${intent.input.flows.length} flows decided by ${run.decisions.engine.istio} in ${run.seconds}s; ${wrong.length} not as expected${wrong.length ? ` (e.g. ${wrong[0].id} at ${byId.get(wrong[0].id)!.layer}: ${decidingHop(byId.get(wrong[0].id)!).hop})` : ''}`,
  );
  for (const n of intent.notModelled) log(`not modelled: ${n}`);
  if (options.record) {
    const dir = options.decisionsDir ?? 'flows';
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${options.env}.json`);
    fs.writeFileSync(file, recordedText(recordFlows(intent, run.decisions)));
    log(`recorded ${file}; run npm run synth to redraw MESH.md`);
  }
  return wrong.length > 0 ? 1 : 0;
}
