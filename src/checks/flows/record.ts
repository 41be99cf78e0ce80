/**
 * The engine's files and the recorded decisions: writing `objects.yaml` and `flows.json`, reading
 * `decisions.json` (every field checked), building and reading `flows/<env>.json`, and what each
 * declared flow's recorded decision says now.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { FlowIntent, FlowObject } from './intent';
import { DecisionsFile, Flow, FLOW_LAYERS, FlowDecision, FlowHop, RecordedFlow, RecordedFlows } from './types';

/** `objects.yaml`: every object of the environment, then the workloads (a workload Service replaces the written one). */
export function objectsYaml(objects: readonly FlowObject[], intent: FlowIntent): string {
  const key = (o: FlowObject) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
  const replaced = new Set(intent.workloads.map(key));
  return [...objects.filter(o => !replaced.has(key(o))), ...intent.workloads].map(o => stringify(o, { lineWidth: 0 })).join('---\n');
}

/** `flows.json`. */
export function flowsJson(intent: FlowIntent): string {
  return `${JSON.stringify(intent.input, null, 2)}\n`;
}

/** Write both input files into `dir`; returns their paths and where the engine writes. */
export function writeEngineInputs(dir: string, objects: readonly FlowObject[], intent: FlowIntent): { objects: string; flows: string; out: string } {
  fs.mkdirSync(dir, { recursive: true });
  const files = { objects: path.join(dir, 'objects.yaml'), flows: path.join(dir, 'flows.json'), out: path.join(dir, 'decisions.json') };
  fs.writeFileSync(files.objects, objectsYaml(objects, intent));
  fs.writeFileSync(files.flows, flowsJson(intent));
  return files;
}

/** The engine's arguments for those files. */
export function engineArgs(files: { objects: string; flows: string; out: string }): string[] {
  return ['--objects', files.objects, '--flows', files.flows, '--out', files.out];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Read `decisions.json` for the flows asked: one decision per flow, in their order.
 *
 * @returns the decisions, or the problems (each naming the field)
 */
export function parseDecisions(text: string, flows: readonly Flow[], file = 'decisions.json'): { decisions?: DecisionsFile; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { problems: [`${file} is not JSON: ${(e as Error).message}`] };
  }
  const problems: string[] = [];
  if (!isObj(raw)) return { problems: [`${file} is not a JSON object`] };
  const istio = isObj(raw.engine) ? raw.engine.istio : undefined;
  if (typeof istio !== 'string') problems.push(`${file}: engine.istio must be a string (the istio.io/istio module version)`);
  if (!Array.isArray(raw.decisions)) return { problems: [...problems, `${file}: decisions must be an array`] };
  const decisions = raw.decisions as unknown[];
  if (decisions.length !== flows.length) problems.push(`${file}: ${decisions.length} decisions for ${flows.length} flows`);
  decisions.forEach((d, i) => {
    const at = `${file}: decisions[${i}]`;
    if (!isObj(d)) return problems.push(`${at} is not an object`);
    if (flows[i] && d.id !== flows[i].id)
      problems.push(`${at}.id is ${JSON.stringify(d.id)}, expected ${JSON.stringify(flows[i].id)} (decisions follow the order of the flows)`);
    if (d.decision !== 'allow' && d.decision !== 'deny') problems.push(`${at}.decision must be allow or deny, not ${JSON.stringify(d.decision)}`);
    if (!FLOW_LAYERS.includes(d.layer as never))
      problems.push(`${at}.layer must be one of ${FLOW_LAYERS.join(', ')}, not ${JSON.stringify(d.layer)}`);
    else if ((d.layer === 'allowed') !== (d.decision === 'allow')) problems.push(`${at}: layer ${d.layer} does not fit decision ${d.decision}`);
    if (!Array.isArray(d.hops) || d.hops.length === 0) return problems.push(`${at}.hops must list at least one hop`);
    (d.hops as unknown[]).forEach((h, j) => {
      if (
        !isObj(h) ||
        typeof h.hop !== 'string' ||
        typeof h.component !== 'string' ||
        (h.decision !== 'allow' && h.decision !== 'deny') ||
        typeof h.matched !== 'string'
      ) {
        problems.push(`${at}.hops[${j}] needs hop, component, decision (allow or deny) and matched as strings`);
      }
    });
    return undefined;
  });
  if (problems.length > 0) return { problems };
  return { decisions: raw as unknown as DecisionsFile, problems };
}

/** A flow whose decision is not the one expected. */
export interface FlowMismatch {
  readonly flow: Flow;
  readonly decision: FlowDecision;
  /** The hop that decided: the first deny, else the last hop. */
  readonly decidingHop: FlowHop;
}

/** Flows decided against their expectation. */
export function mismatches(flows: readonly Flow[], decisions: DecisionsFile): FlowMismatch[] {
  return flows.flatMap((flow, i) => {
    const decision = decisions.decisions[i];
    if (decision.decision === flow.expect) return [];
    return [{ flow, decision, decidingHop: decidingHop(decision) }];
  });
}

/** The hop that decided a flow: the first deny, else the last hop. */
export function decidingHop(d: Pick<FlowDecision, 'hops'>): FlowHop {
  return d.hops.find(h => h.decision === 'deny') ?? d.hops[d.hops.length - 1];
}

/** One line for a flow decided against its expectation. */
export function formatMismatch(env: string, m: FlowMismatch): string {
  const what = m.flow.expect === 'allow' ? 'declared flow denied' : 'must-deny flow allowed';
  return `[${env}] ${what}: ${m.flow.id} at ${m.decision.layer}: ${m.decidingHop.hop} (matched ${m.decidingHop.matched}); ${m.flow.why}`;
}

/** `flows/<env>.json` for the current intent and the engine's decisions. */
export function recordFlows(intent: FlowIntent, decisions: DecisionsFile): RecordedFlows {
  return {
    environment: intent.input.environment,
    engine: { istio: decisions.engine.istio },
    flows: intent.input.flows.map((f, i) => {
      const d = decisions.decisions[i];
      return {
        ...f,
        fingerprint: intent.fingerprints.get(f.id)!,
        decision: d.decision,
        layer: d.layer,
        hops: d.hops.map(h => ({ hop: h.hop, component: h.component, decision: h.decision, matched: h.matched })),
      };
    }),
  };
}

/** The bytes of a recorded file. */
export function recordedText(recorded: RecordedFlows): string {
  return `${JSON.stringify(recorded, null, 2)}\n`;
}

/** Read `<dir>/<env>.json`; undefined when absent or unreadable (then nothing counts as verified). */
export function readRecorded(dir: string, env: string): { recorded?: RecordedFlows; problem?: string } {
  const file = path.join(dir, `${env}.json`);
  if (!fs.existsSync(file)) return {};
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as RecordedFlows;
    if (!isObj(raw) || !Array.isArray(raw.flows)) return { problem: `${file} has no flows array` };
    return { recorded: raw };
  } catch (e) {
    return { problem: `${file} is not JSON: ${(e as Error).message}` };
  }
}

/** What is known of a declared flow now. */
export type FlowStatus =
  | { readonly state: 'allowed'; readonly recorded: RecordedFlow }
  | { readonly state: 'denied'; readonly recorded: RecordedFlow }
  | { readonly state: 'not verified' };

/** The status of each flow of the intent: a recorded decision counts only under the same fingerprint. */
export function flowStatuses(intent: FlowIntent, recorded: RecordedFlows | undefined): Map<string, FlowStatus> {
  const byId = new Map((recorded?.flows ?? []).map(f => [f.id, f]));
  return new Map(
    intent.input.flows.map(f => {
      const r = byId.get(f.id);
      if (!r || r.fingerprint !== intent.fingerprints.get(f.id)) return [f.id, { state: 'not verified' } as FlowStatus];
      return [f.id, (r.decision === 'allow' ? { state: 'allowed', recorded: r } : { state: 'denied', recorded: r }) as FlowStatus];
    }),
  );
}
