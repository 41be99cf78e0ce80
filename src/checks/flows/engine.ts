/**
 * Run the flows engine (`verify/flows`, built by `verify/tools.ts`) on one environment:
 * `flows-engine --objects <dir>/objects.yaml --flows <dir>/flows.json --out <dir>/decisions.json`.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FlowIntent, FlowObject } from './intent';
import { engineArgs, parseDecisions, writeEngineInputs } from './record';
import { DecisionsFile } from './types';

/** What one run gave: the decisions, or why there are none (one line each). */
export interface EngineRun {
  readonly decisions?: DecisionsFile;
  readonly problems: string[];
  /** The folder holding the inputs and the output (kept when `keep` is set or the run failed). */
  readonly dir: string;
  readonly seconds: number;
}

/** Options of {@link runEngine}. */
export interface EngineOptions {
  /** Folder for the files. @default - a new temporary folder, removed after a successful run */
  readonly dir?: string;
  /** @default 300000 */
  readonly timeoutMs?: number;
}

/** Write the inputs, run the engine, read and check its decisions. Never throws. */
export async function runEngine(engine: string, objects: readonly FlowObject[], intent: FlowIntent, options: EngineOptions = {}): Promise<EngineRun> {
  const start = Date.now();
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `flows-${intent.input.environment}-`));
  const seconds = () => Math.round((Date.now() - start) / 100) / 10;
  const files = writeEngineInputs(dir, objects, intent);
  const r = await new Promise<{ code: number | null; stderr: string; error?: string }>(resolve => {
    const child = spawn(engine, engineArgs(files), { stdio: ['ignore', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('error', e => {
      clearTimeout(timer);
      resolve({ code: -1, stderr: '', error: e.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stderr: Buffer.concat(err).toString('utf8'), error: signal ? `killed by ${signal}` : undefined });
    });
  });
  const tail = r.stderr.trim().split('\n').slice(-5).join(' / ');
  if (r.error || r.code !== 0) {
    const why = r.error ? `did not finish (${r.error})` : r.code === 2 ? 'refused its input' : `exited ${r.code}`;
    return { problems: [`flows engine ${why}${tail ? `: ${tail}` : ''} (inputs kept in ${dir})`], dir, seconds: seconds() };
  }
  if (!fs.existsSync(files.out)) return { problems: [`flows engine wrote no ${files.out}`], dir, seconds: seconds() };
  const parsed = parseDecisions(fs.readFileSync(files.out, 'utf8'), intent.input.flows, files.out);
  if (!parsed.decisions) return { problems: parsed.problems, dir, seconds: seconds() };
  if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
  return { decisions: parsed.decisions, problems: [], dir, seconds: seconds() };
}
