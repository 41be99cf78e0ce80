/**
 * One in-process measurement, run in a fresh process by `bench/run.ts` (as
 * `node scripts/run.js bench/measure.ts ...`, the way `npm run synth` starts charts/main.ts).
 *
 *   node scripts/run.js bench/measure.ts synth --namespaces N --outdir <dir> --objects <file.json> [--crd-cache <dir>]
 *     generate the platform (not timed), then time loading the CRD schemas (with the cache of
 *     compiled validators, as npm run synth), every phase of synthesize() and writing the files;
 *     save the synthesized objects for the floor.
 *   node scripts/run.js bench/measure.ts floor --objects <file.json> --outdir <dir>
 *     the floor: node start + JSON.stringify + write. The start is the process's start-up until
 *     this module's main begins (performance.now() there, which counts from the process's time
 *     origin); then read those objects (not timed), JSON.stringify the objects of each file and
 *     write them with plain writeFileSync into the same files of the same folders.
 *   node scripts/run.js bench/measure.ts objects --objects <file.json> --outdir <dir>
 *     the floor of the object model: the floor, with the same objects first made cdk8s ApiObjects
 *     (one App per environment, one Chart per file) and rendered by their toJson() as the synth
 *     renders them (`renderObjects`), the loading of cdk8s included. What the synth pays for
 *     holding its objects as constructs, without any of the library's own logic.
 *
 * The library and the generator are loaded only by `synth` (and cdk8s only by `synth` and
 * `objects`), so that the floor's start-up is not the library's.
 *
 * Prints one JSON line (a {@link SynthMeasurement}, {@link FloorMeasurement} or
 * {@link ObjectModelMeasurement}).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Manifest, SynthPhase } from '../src';
import { CACHE_FOLDER } from '../src/cli/cache-dir';

const ROOT = path.resolve(__dirname, '..');

/** Phases of the in-process synth, in pipeline order. */
export const PHASES = ['crds', 'config', 'build', 'checks', 'render', 'schema', 'rules', 'yaml', 'write'] as const;
export type BenchPhase = (typeof PHASES)[number];

/** What `measure.ts synth` prints. */
export interface SynthMeasurement {
  /** Milliseconds per phase, summed over the environments. */
  readonly phases: Record<BenchPhase, number>;
  /** Sum of the phases. */
  readonly totalMs: number;
  /** CPU time (user and system) of the same span. */
  readonly cpuMs: number;
  readonly environments: number;
  readonly objects: number;
  readonly files: number;
  readonly bytes: number;
  /** Peak resident set size of this process, in KiB. */
  readonly maxRssKiB: number;
}

/** What `measure.ts floor` prints. */
export interface FloorMeasurement {
  /** The process's start-up until the floor's main began. */
  readonly startMs: number;
  readonly stringifyMs: number;
  readonly writeMs: number;
  /** startMs + stringifyMs + writeMs. */
  readonly totalMs: number;
  /** CPU time (user and system) of the start-up and of the stringify and write span. */
  readonly cpuMs: number;
  readonly bytes: number;
}

/** What `measure.ts objects` prints: the floor's figures, with those of cdk8s before them. */
export interface ObjectModelMeasurement extends FloorMeasurement {
  /** Loading cdk8s and the synth's renderer. */
  readonly loadMs: number;
  /** Making every object an ApiObject of a Chart of an App. */
  readonly constructMs: number;
  /** Their toJson(), as the synth calls it. */
  readonly renderMs: number;
}

/**
 * The objects of each file of each environment, in file order, and the kustomization.yaml files of
 * its folders as written: the input of the floor.
 */
export type ObjectDump = Array<{
  env: string;
  files: Array<{ name: string; objects: Manifest[] }>;
  kustomizations: Array<{ name: string; content: string }>;
}>;

function arg(argv: readonly string[], name: string, fallback?: string): string {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < argv.length) return argv[i + 1];
  if (fallback !== undefined) return fallback;
  throw new Error(`missing --${name}`);
}

function measureSynth(argv: readonly string[]): SynthMeasurement {
  // Loaded here, not by an import at the top: the floor runs without the library.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CrdSchemas, findCrdDir, synthesize, writeEnvironments } = require('../src') as typeof import('../src');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { generatePlatform } = require('./generate') as typeof import('./generate');
  const platform = generatePlatform({ namespaces: Number(arg(argv, 'namespaces')) });
  const outdir = arg(argv, 'outdir');
  const phases = Object.fromEntries(PHASES.map(p => [p, 0])) as Record<BenchPhase, number>;

  const cpu = process.cpuUsage();
  let t = performance.now();
  const crdDir = findCrdDir(ROOT);
  if (!crdDir) throw new Error('no CRD folder: run `npm run import` first');
  const schemas = CrdSchemas.fromDirectory(crdDir, { cacheDir: arg(argv, 'crd-cache', path.join(ROOT, CACHE_FOLDER)) });
  phases.crds = performance.now() - t;

  const results = synthesize(platform.environments, platform.build, {
    schemas,
    onPhase: (phase: SynthPhase, ms: number) => {
      phases[phase] += ms;
    },
  });

  t = performance.now();
  writeEnvironments(outdir, results);
  phases.write = performance.now() - t;
  const used = process.cpuUsage(cpu);

  const dump: ObjectDump = results.map(r => ({
    env: r.env.name,
    files: r.charts.filter(c => c.objects.length > 0).map(c => ({ name: [c.folder, c.fileName].filter(Boolean).join('/'), objects: [...c.objects] })),
    kustomizations: r.files.filter(f => f.name === 'kustomization.yaml' || f.name.endsWith('/kustomization.yaml')),
  }));
  fs.writeFileSync(arg(argv, 'objects'), JSON.stringify(dump));

  const files = results.flatMap(r => r.files);
  return {
    phases,
    totalMs: PHASES.reduce((sum, p) => sum + phases[p], 0),
    cpuMs: (used.user + used.system) / 1000,
    environments: results.length,
    objects: results.reduce((n, r) => n + r.charts.reduce((m, c) => m + c.objects.length, 0), 0),
    files: files.length,
    bytes: files.reduce((n, f) => n + Buffer.byteLength(f.content), 0),
    maxRssKiB: process.resourceUsage().maxRSS,
  };
}

/** Text of each file of the dump: the objects by JSON.stringify, the kustomization.yaml files as the synth wrote them. */
function stringifyFiles(dump: ObjectDump, objectsOf: (env: number, file: number) => readonly unknown[]) {
  return dump.map((e, i) => {
    const files = e.files.map((f, j) => ({ name: f.name, content: JSON.stringify(objectsOf(i, j)) }));
    files.push(...e.kustomizations);
    return { env: e.env, files };
  });
}

/** Write the files with plain writeFileSync, each folder made once. */
function writeFiles(outdir: string, rendered: ReturnType<typeof stringifyFiles>): void {
  for (const e of rendered) {
    const made = new Set<string>();
    for (const f of e.files) {
      const target = path.join(outdir, e.env, ...f.name.split('/'));
      if (!made.has(path.dirname(target))) {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        made.add(path.dirname(target));
      }
      fs.writeFileSync(target, f.content);
    }
  }
}

/** Stringify and write, timed: the end of both floors. */
function stringifyAndWrite(
  outdir: string,
  dump: ObjectDump,
  objectsOf: (env: number, file: number) => readonly unknown[],
): { stringifyMs: number; writeMs: number; bytes: number } {
  let t = performance.now();
  const rendered = stringifyFiles(dump, objectsOf);
  const stringifyMs = performance.now() - t;
  t = performance.now();
  writeFiles(outdir, rendered);
  const writeMs = performance.now() - t;
  const bytes = rendered.reduce((n, e) => n + e.files.reduce((m, f) => m + Buffer.byteLength(f.content), 0), 0);
  return { stringifyMs, writeMs, bytes };
}

function readDump(argv: readonly string[]): ObjectDump {
  return JSON.parse(fs.readFileSync(arg(argv, 'objects'), 'utf8')) as ObjectDump;
}

const cpuMsOf = (...usages: NodeJS.CpuUsage[]) => usages.reduce((n, u) => n + u.user + u.system, 0) / 1000;

export function measureFloor(argv: readonly string[], startMs: number, startCpu: NodeJS.CpuUsage): FloorMeasurement {
  const dump = readDump(argv);
  const cpu = process.cpuUsage();
  const { stringifyMs, writeMs, bytes } = stringifyAndWrite(arg(argv, 'outdir'), dump, (i, j) => dump[i].files[j].objects);
  return {
    startMs,
    stringifyMs,
    writeMs,
    totalMs: startMs + stringifyMs + writeMs,
    cpuMs: cpuMsOf(startCpu, process.cpuUsage(cpu)),
    bytes,
  };
}

/** What the floor of the object model loads: cdk8s, and the synth's renderer. */
export interface ObjectModelModules {
  readonly ApiObject: typeof import('cdk8s').ApiObject;
  readonly App: typeof import('cdk8s').App;
  readonly Chart: typeof import('cdk8s').Chart;
  readonly renderObjects: typeof import('../src/synth/render-objects').renderObjects;
}

/** Loaded here, not by an import at the top: the floor runs without them. */
function loadObjectModel(): ObjectModelModules {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { ApiObject, App, Chart } = require('cdk8s') as typeof import('cdk8s');
  const { renderObjects } = require('../src/synth/render-objects') as typeof import('../src/synth/render-objects');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { ApiObject, App, Chart, renderObjects };
}

export function measureObjectModel(
  argv: readonly string[],
  startMs: number,
  startCpu: NodeJS.CpuUsage,
  load: () => ObjectModelModules = loadObjectModel,
): ObjectModelMeasurement {
  const dump = readDump(argv);
  const cpu = process.cpuUsage();
  let t = performance.now();
  const { ApiObject, App, Chart, renderObjects } = load();
  const loadMs = performance.now() - t;

  t = performance.now();
  const objects = dump.map((e, i) => {
    const app = new App({ outdir: '.cdk8s.out' });
    return e.files.map((f, j) => {
      const chart = new Chart(app, `f${i}-${j}`);
      return f.objects.map((o, k) => new ApiObject(chart, `o${k}`, o));
    });
  });
  const constructMs = performance.now() - t;

  t = performance.now();
  const json = renderObjects(() => objects.map(files => files.map(list => list.map(o => o.toJson() as unknown))));
  const renderMs = performance.now() - t;

  const { stringifyMs, writeMs, bytes } = stringifyAndWrite(arg(argv, 'outdir'), dump, (i, j) => json[i][j]);
  const used = process.cpuUsage(cpu);
  // Not timed: the ApiObjects rendered the objects they were given, so the figures are of those.
  const same = dump.every((e, i) => e.files.every((f, j) => JSON.stringify(json[i][j]) === JSON.stringify(f.objects)));
  if (!same) throw new Error('the ApiObjects did not render the objects they were made of');
  return {
    startMs,
    loadMs,
    constructMs,
    renderMs,
    stringifyMs,
    writeMs,
    totalMs: startMs + loadMs + constructMs + renderMs + stringifyMs + writeMs,
    cpuMs: cpuMsOf(startCpu, used),
    bytes,
  };
}

function main(argv: readonly string[]): void {
  // The floor's start-up: the process's time origin to here, and the CPU time spent until here.
  const startMs = performance.now();
  const startCpu = process.cpuUsage();
  const mode = argv[0];
  if (mode === 'synth') console.log(JSON.stringify(measureSynth(argv)));
  else if (mode === 'floor') console.log(JSON.stringify(measureFloor(argv, startMs, startCpu)));
  else if (mode === 'objects') console.log(JSON.stringify(measureObjectModel(argv, startMs, startCpu)));
  else throw new Error(`unknown mode ${mode}; use synth, floor or objects`);
}

if (require.main === module) main(process.argv.slice(2));
