/**
 * Stage `flows`: what the traffic does. Per environment, the flows its profiles declare and the
 * generated must-deny flows (`src/checks/flows/intent.ts`) are decided by the flows engine (`verify/flows`,
 * Istio's own translation code) over the environment's objects. A declared flow denied, or a
 * must-deny flow allowed, fails with the environment, the flow, the layer and the hop that decided;
 * so does a recorded `flows/<env>.json` that differs from the fresh decisions (MESH.md is drawn
 * from it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runEngine } from '../../src/checks/flows/engine';
import { FlowIntent, FlowObject } from '../../src/checks/flows/intent';
import { formatMismatch, mismatches, recordedText, recordFlows } from '../../src/checks/flows/record';
import { DecisionsFile } from '../../src/checks/flows/types';
import { toolCacheDir, TOOLS, toolPath } from '../tools';
import { Finding } from './manifests';

/** Name of the engine's entry in `verify/tools.ts`. */
export const FLOWS_ENGINE_TOOL = 'flows-engine';

/** One environment to decide. */
export interface FlowsEnvironment {
  readonly name: string;
  /** Every object of its output (as written to dist/<env>/, or mutated in memory by a test). */
  readonly objects: readonly FlowObject[];
  readonly intent: FlowIntent;
}

/** Options of {@link flowsStage}. */
export interface FlowsStageOptions {
  /** Path of the engine binary. */
  readonly engine: string;
  readonly environments: readonly FlowsEnvironment[];
  /**
   * Folder of the recorded decisions (`<dir>/<env>.json`): each must equal the fresh decisions.
   *
   * @default - not compared
   */
  readonly recordedDir?: string;
  /** How the recorded files are named in messages. @default recordedDir */
  readonly recordedDisplay?: string;
}

/** What the stage found, and the decisions of each environment. */
export interface FlowsStageReport {
  readonly findings: Finding[];
  readonly decisions: ReadonlyMap<string, DecisionsFile>;
  /** Seconds the engine took per environment. */
  readonly seconds: Readonly<Record<string, number>>;
}

/**
 * The engine's binary: `EKS_MESH_FLOWS_ENGINE` if set, else its build in the tool cache.
 *
 * @returns the path, or why there is none
 */
export function findFlowsEngine(): { path?: string; problem?: string } {
  const fromEnv = process.env.EKS_MESH_FLOWS_ENGINE;
  if (fromEnv) return fs.existsSync(fromEnv) ? { path: path.resolve(fromEnv) } : { problem: `EKS_MESH_FLOWS_ENGINE=${fromEnv} does not exist` };
  const tool = TOOLS.find(t => t.name === FLOWS_ENGINE_TOOL);
  if (!tool) return { problem: `verify/tools.ts lists no ${FLOWS_ENGINE_TOOL} (the engine in verify/flows). fix: build it and set EKS_MESH_FLOWS_ENGINE=<binary>` };
  const p = toolPath(tool);
  return fs.existsSync(p) ? { path: p } : { problem: `${FLOWS_ENGINE_TOOL} is not built (looked in ${toolCacheDir()}). fix: run \`npm run verify:tools\`` };
}

/** Decide every environment's flows and judge the decisions. Never throws. */
export async function flowsStage(options: FlowsStageOptions): Promise<FlowsStageReport> {
  const findings: Finding[] = [];
  const decisions = new Map<string, DecisionsFile>();
  const seconds: Record<string, number> = {};
  for (const env of options.environments) {
    const folder = `flows/${env.name}`;
    const run = await runEngine(options.engine, env.objects, env.intent);
    seconds[env.name] = run.seconds;
    for (const p of run.problems) findings.push({ stage: 'flows', folder, level: 'error', message: p });
    if (!run.decisions) continue;
    decisions.set(env.name, run.decisions);
    for (const m of mismatches(env.intent.input.flows, run.decisions)) {
      findings.push({ stage: 'flows', folder, object: m.flow.id, level: 'error', message: formatMismatch(env.name, m) });
    }
    if (options.recordedDir !== undefined) {
      const file = path.join(options.recordedDir, `${env.name}.json`);
      const shown = path.join(options.recordedDisplay ?? options.recordedDir, `${env.name}.json`);
      const fresh = recordedText(recordFlows(env.intent, run.decisions));
      const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
      if (committed !== fresh) {
        findings.push({
          stage: 'flows', folder, file: shown, level: 'error',
          message: `${committed === undefined ? 'is missing' : 'differs from the fresh decisions'}: MESH.md would not show what the mesh does. fix: npm run flows -- --env ${env.name} --record, then npm run synth`,
        });
      }
    }
  }
  return { findings, decisions, seconds };
}
