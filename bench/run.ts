/**
 * `npm run bench`: synth benchmarks of this repository's own platform and of generated platforms of
 * 5 environments x N namespaces.
 *
 *   npm run bench                                  N = 10, 100, 1000; 5 runs each; median
 *   npm run bench -- --sizes 100 --runs 5
 *   npm run bench -- --write-readme                also replace the results block in README.md
 *
 * Every child process is started as `npm run synth` starts charts/main.ts: `node scripts/run.js
 * <entry> ...` (a cached esbuild bundle with a V8 code cache), with the bundles in a folder of the
 * bench's own (EKS_MESH_RUN_CACHE, unless set), built by one run of each entry before anything is
 * timed. What the runs write is removed only when the bench ends (see {@link scratch}).
 *
 * 1. own platform: `node scripts/run.js charts/main.ts --outdir <temp dir> --committed-dir dist`,
 *    the synth process of `npm run synth` without npm, into a temporary folder (the repository's
 *    dist/ is only read, and the bench fails if it changed); wall time from here, CPU time and
 *    peak RSS from GNU time. The first run is reported on its own.
 *
 * For each N, one first run of bench/synth-entry.ts with an empty cache of compiled CRD validators
 * (reported on its own), then for each run these fresh child processes:
 * 2. full synth: `bench/synth-entry.ts` (process start, module loading, CRD schemas from the now
 *    filled cache, synth, writes) into an empty temporary folder; CPU time and peak RSS from GNU
 *    time; then the same again over that output (re-synth: the migration gates read what is
 *    there);
 * 3. in-process: `bench/measure.ts synth`, the time of each phase;
 * 4. floor: `bench/measure.ts floor`, node start + JSON.stringify + write: the process's start-up
 *    until the floor's main begins, JSON.stringify of the objects of each file, written with plain
 *    writeFileSync into the same files as the synth's (the bench checks the paths; the bytes are
 *    JSON);
 * 5. floor of the object model: `bench/measure.ts objects`, the floor with the same objects first
 *    made cdk8s ApiObjects and rendered as the synth renders them (cdk8s loaded, one App per
 *    environment, one Chart per file): what holding the objects as constructs costs on one thread,
 *    without the library's own logic.
 *
 * 6. Flux, once every size has run: `kustomize build` of the folder of every Flux Kustomization
 *    that each run's full synth wrote (kustomize from `npm run verify:tools`; skipped, and reported
 *    as not measured, when it is not built), in rounds: round r builds run r of every size, one
 *    size after the other, so that the growth of the builds from 5 x 100 to 5 x 1000 is the median
 *    of ratios taken minutes apart at most, not across the whole bench.
 *
 * Timings are wall-clock times on a shared machine: the median of the runs is reported.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { findTools } from '../verify/tools';
import { FloorMeasurement, ObjectModelMeasurement, PHASES, SynthMeasurement } from './measure';

const ROOT = path.resolve(__dirname, '..');
const README = path.join(ROOT, 'README.md');
export const README_BEGIN = '<!-- bench:results:begin -->';
export const README_END = '<!-- bench:results:end -->';

/** Targets of the benchmark (checked and reported, never asserted in tests). */
export const TARGETS = {
  /** The own platform's synth process, wall. */
  ownPlatformMs: 400,
  /** Full synth of 5 x 100 into an empty folder, wall. */
  fullAt100Ms: 1000,
  /** Re-synth of 5 x 100 over its own output, wall. */
  resynthAt100Ms: 1300,
  /** Full synth of 5 x 1000, wall. */
  fullAt1000Ms: 8000,
  rssAt1000MiB: 400,
  /** Full synth time(1000) / time(100). */
  fullGrowth100To1000: 10.5,
  /** In-process synth / floor, at every size. */
  floorRatio: 3,
  /** Summed Flux builds of 5 x 1000 / those of 5 x 100. */
  fluxGrowth100To1000: 11,
  /** Slowest single Flux Kustomization build of 5 x 1000. */
  fluxSlowestMs: 1000,
  /** Largest share of one phase in the in-process total of 5 x 1000. */
  phaseShareAt1000: 0.4,
};

/** `kustomize build` of the Flux Kustomizations of one N: medians. */
export interface FluxResult {
  /** Flux Kustomizations of the five environments. */
  readonly kustomizations: number;
  /** Every Kustomization's folder built, summed: wall and CPU. */
  readonly buildMs: number;
  readonly buildCpuMs: number;
  /** The slowest single Kustomization build: wall and CPU. */
  readonly slowestMs: number;
  readonly slowestCpuMs: number;
  /** Most objects one Kustomization applies. */
  readonly mostObjects: number;
  /** The summed wall time of each round, in round order (round r of every size ran together). */
  readonly roundsMs: readonly number[];
}

/** The medians of one N. */
export interface SizeResult {
  readonly namespaces: number;
  readonly runs: number;
  readonly objects: number;
  readonly files: number;
  readonly bytes: number;
  /** Full synth into an empty folder: wall from the parent, CPU time of the synth process. */
  readonly wallMs: number;
  readonly wallCpuMs: number;
  /** The first run, with an empty cache of compiled CRD validators. */
  readonly coldWallMs: number;
  readonly coldCpuMs: number;
  readonly maxRssMiB: number;
  readonly inProcessMs: number;
  readonly inProcessCpuMs: number;
  readonly phases: Record<(typeof PHASES)[number], number>;
  /** node start + JSON.stringify + write. */
  readonly floorMs: number;
  readonly floorCpuMs: number;
  /** The floor's start-up: the process's time origin until its main began. */
  readonly floorStartMs: number;
  /** The floor with the objects made cdk8s ApiObjects and rendered first. */
  readonly objectModelMs: number;
  readonly objectModelCpuMs: number;
  /** The synth again over its own output (the migration gates read the committed states first). */
  readonly resynthMs: number;
  readonly resynthCpuMs: number;
  /** Undefined when kustomize is not built. */
  readonly flux?: FluxResult;
}

/** The synth process of this repository's own platform (`npm run synth` without npm): medians. */
export interface OwnPlatformResult {
  readonly runs: number;
  readonly environments: number;
  readonly files: number;
  readonly bytes: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMiB: number;
  /** The first run, with the bundle of scripts/run.js built and no V8 code cache yet. */
  readonly firstWallMs: number;
  readonly firstCpuMs: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** What every child process runs: `node scripts/run.js <entry> ...`, as `npm run synth` does. */
const RUN_JS = path.join('scripts', 'run.js');

/** The environment of the child processes (EKS_MESH_RUN_CACHE: the bench's folder of bundles). */
let childEnv: NodeJS.ProcessEnv = process.env;

/**
 * The folder that holds every folder a run writes, removed once when the bench ends, not after each
 * run: on an ext4 without a journal, creating a file skips every inode freed in the last one to six
 * minutes (torvalds/linux fs/ext4/ialloc.c, `find_inode_bit` and `recently_deleted`, checked only
 * when `s_journal` is NULL), one buffer lookup each, so a run would pay for the thousands of files
 * the run before it removed. Set by {@link main}.
 */
let scratch = os.tmpdir();

/** A new folder under {@link scratch}. */
function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(scratch, prefix));
}

function run(args: readonly string[], what: string): string {
  const r = spawnSync(process.execPath, [RUN_JS, ...args], { cwd: ROOT, env: childEnv, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** One child process timed: wall from here, CPU time (user and system) and peak RSS from GNU time. */
interface Timed {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssKiB: number;
}

/** `/usr/bin/time -f '%e %U %S %M' node scripts/run.js <args>`; wall time from the parent. */
function runTimed(args: readonly string[], what: string): Timed {
  const timing = path.join(os.tmpdir(), `eks-mesh-bench-time-${process.pid}`);
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timing, process.execPath, RUN_JS, ...args], {
    cwd: ROOT,
    env: childEnv,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
  const [, user, sys, rssKiB] = fs.readFileSync(timing, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  fs.rmSync(timing, { force: true });
  return { wallMs, cpuMs: (user + sys) * 1000, maxRssKiB: rssKiB };
}

function lastJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/**
 * The manifests of a synthesized tree, in the environments' folders and their stage folders
 * (MESH.md is a report the synth adds, and `flux/` the Kustomizations: the floor writes neither).
 */
function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const entry of fs
      .readdirSync(path.join(dir, rel), { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (rel !== '' || entry.name !== 'flux') walk(child);
      } else if (rel !== '' && entry.name.endsWith('.yaml')) {
        out.set(child, fs.readFileSync(path.join(dir, child)));
      }
    }
  };
  walk('');
  return out;
}

/** Every file below `dir` with its size and modification time, one line each, sorted. */
function treeStamps(dir: string): string {
  const lines: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else {
        const s = fs.statSync(path.join(dir, child));
        lines.push(`${child} ${s.size} ${s.mtimeMs}`);
      }
    }
  };
  walk('');
  return lines.sort().join('\n');
}

/** Files and bytes below `dir`. */
function treeSize(dir: string): { files: number; bytes: number } {
  const stamps = treeStamps(dir).split('\n').filter(Boolean);
  return { files: stamps.length, bytes: stamps.reduce((n, l) => n + Number(l.split(' ').at(-2)), 0) };
}

/** One `kustomize build` of the folder of one Flux Kustomization. */
export interface FluxBuild {
  readonly env: string;
  readonly kustomization: string;
  readonly objects: number;
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * Build the folder of every Flux Kustomization in `<outdir>/flux/<env>/` with the real kustomize,
 * as kustomize-controller does on each reconcile (its `spec.path` below `./dist/` is a folder of
 * `outdir`). Wall and CPU time of each build from GNU time.
 */
export function buildFluxKustomizations(kustomize: string, outdir: string): FluxBuild[] {
  const builds: FluxBuild[] = [];
  const fluxDir = path.join(outdir, 'flux');
  for (const env of fs.readdirSync(fluxDir).sort()) {
    const docs = parseAllDocuments(fs.readFileSync(path.join(fluxDir, env, '10-flux.yaml'), 'utf8')).map(
      d => d.toJS() as { kind: string; metadata: { name: string }; spec: { path: string } },
    );
    for (const k of docs.filter(d => d?.kind === 'Kustomization')) {
      const folder = path.join(outdir, ...k.spec.path.replace(/^\.\/dist\//, '').split('/'));
      const timing = path.join(os.tmpdir(), `eks-mesh-bench-time-${process.pid}`);
      const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', '-o', timing, kustomize, 'build', folder], {
        encoding: 'utf8',
        maxBuffer: 512 * 1024 * 1024,
      });
      if (r.status !== 0) throw new Error(`kustomize build ${folder} failed (exit ${r.status}):\n${r.stderr}`);
      const [wall, user, sys] = fs.readFileSync(timing, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      fs.rmSync(timing, { force: true });
      builds.push({
        env,
        kustomization: k.metadata.name,
        objects: (r.stdout.match(/^kind: /gm) ?? []).length,
        wallMs: wall * 1000,
        cpuMs: (user + sys) * 1000,
      });
    }
  }
  return builds;
}

function sameTree(a: string, b: string): boolean {
  const x = readTree(a);
  const y = readTree(b);
  return x.size === y.size && [...x].every(([k, v]) => y.get(k)?.equals(v));
}

/** The same manifest file paths (the contents may differ). */
function samePaths(a: string, b: string): boolean {
  return [...readTree(a).keys()].join('\n') === [...readTree(b).keys()].join('\n');
}

/** The synth of a generated platform as a user runs it: wall time, CPU time and peak RSS. */
function wallRun(namespaces: number, outdir: string, crdCache: string): Timed {
  return runTimed(
    ['bench/synth-entry.ts', '--namespaces', String(namespaces), '--outdir', outdir, '--crd-cache', crdCache],
    `synth of ${namespaces} namespaces`,
  );
}

/** `bench/measure.ts synth`: the in-process synth, its phases timed; its objects saved for the floor. */
function inProcessSynth(namespaces: number, outdir: string, objects: string, crdCache: string): SynthMeasurement {
  return lastJson<SynthMeasurement>(
    run(
      ['bench/measure.ts', 'synth', '--namespaces', String(namespaces), '--outdir', outdir, '--objects', objects, '--crd-cache', crdCache],
      'in-process synth',
    ),
  );
}

/** Build the bundles of scripts/run.js (and their V8 code caches) with one small run of each entry. */
function prepareBundles(log: (line: string) => void): void {
  const tmp = scratchDir('prepare-');
  const started = process.hrtime.bigint();
  wallRun(1, path.join(tmp, 'wall'), path.join(tmp, 'crd-cache'));
  inProcessSynth(1, path.join(tmp, 'synth'), path.join(tmp, 'objects.json'), path.join(tmp, 'crd-cache'));
  log(`bundles of bench/synth-entry.ts and bench/measure.ts ready: ${seconds(Number(process.hrtime.bigint() - started) / 1e6)} s`);
}

/** The synth process of the own platform, as `npm run synth` starts it, into temporary folders. */
function measureOwnPlatform(runs: number, log: (line: string) => void): OwnPlatformResult {
  const committed = path.join(ROOT, 'dist');
  const before = treeStamps(committed);
  const timings: Timed[] = [];
  let size = { files: 0, bytes: 0 };
  let environments = 0;
  for (let i = 0; i <= runs; i++) {
    const tmp = scratchDir('own-');
    const outdir = path.join(tmp, 'dist');
    const t = runTimed([path.join('charts', 'main.ts'), '--outdir', outdir, '--committed-dir', committed], 'synth of the own platform');
    timings.push(t);
    size = treeSize(outdir);
    environments = fs.readdirSync(outdir, { withFileTypes: true }).filter(e => e.isDirectory() && e.name !== 'flux').length;
    log(
      `  own platform ${i === 0 ? 'first run' : `run ${i}/${runs}`}: wall ${seconds(t.wallMs)} s (CPU ${seconds(t.cpuMs)} s), RSS ${(t.maxRssKiB / 1024).toFixed(0)} MiB`,
    );
  }
  if (treeStamps(committed) !== before) throw new Error('the synth of the own platform changed dist/: it must only read it');
  const measured = timings.slice(1);
  return {
    runs,
    environments,
    ...size,
    wallMs: median(measured.map(t => t.wallMs)),
    cpuMs: median(measured.map(t => t.cpuMs)),
    maxRssMiB: median(measured.map(t => t.maxRssKiB / 1024)),
    firstWallMs: timings[0].wallMs,
    firstCpuMs: timings[0].cpuMs,
  };
}

function measureSize(namespaces: number, runs: number, log: (line: string) => void): MeasuredSize {
  const root = scratchDir(`${namespaces}-`);
  const crdCache = path.join(root, 'crd-cache');
  {
    const cold = wallRun(namespaces, path.join(root, 'cold'), crdCache);
    log(`  N=${namespaces} first run, empty CRD cache: wall ${seconds(cold.wallMs)} s (CPU ${seconds(cold.cpuMs)} s)`);
    // The folder of compiled validators is named by a hash that includes the source text of the
    // schema transform, which each bundle spells its own way: bench/measure.ts's bundle fills its
    // own folder first, untimed, so that the in-process runs read a filled cache as the full synth does.
    inProcessSynth(namespaces, path.join(root, 'cold-synth'), path.join(root, 'cold-objects.json'), crdCache);
    return { ...measureRuns(namespaces, runs, crdCache, log), coldWallMs: cold.wallMs, coldCpuMs: cold.cpuMs };
  }
}

function measureRuns(
  namespaces: number,
  runs: number,
  crdCache: string,
  log: (line: string) => void,
): Omit<MeasuredSize, 'coldWallMs' | 'coldCpuMs'> {
  const fulls: Timed[] = [];
  const resynths: Timed[] = [];
  const fluxFolders: string[] = [];
  const synths: SynthMeasurement[] = [];
  const floors: FloorMeasurement[] = [];
  const objectModels: ObjectModelMeasurement[] = [];
  for (let i = 0; i < runs; i++) {
    const tmp = scratchDir(`${namespaces}-run-`);
    const full = wallRun(namespaces, path.join(tmp, 'wall'), crdCache);
    const again = wallRun(namespaces, path.join(tmp, 'wall'), crdCache);
    fulls.push(full);
    resynths.push(again);
    fluxFolders.push(path.join(tmp, 'wall'));

    const objects = path.join(tmp, 'objects.json');
    const synth = inProcessSynth(namespaces, path.join(tmp, 'synth'), objects, crdCache);
    const floor = lastJson<FloorMeasurement>(run(['bench/measure.ts', 'floor', '--objects', objects, '--outdir', path.join(tmp, 'floor')], 'floor'));
    const objectModel = lastJson<ObjectModelMeasurement>(
      run(['bench/measure.ts', 'objects', '--objects', objects, '--outdir', path.join(tmp, 'objects')], 'floor of the object model'),
    );
    if (i === 0) {
      if (!samePaths(path.join(tmp, 'synth'), path.join(tmp, 'floor')))
        throw new Error(`N=${namespaces}: the floor did not write the same files as the synth`);
      if (!sameTree(path.join(tmp, 'floor'), path.join(tmp, 'objects')))
        throw new Error(`N=${namespaces}: the floor of the object model did not write the same files as the floor`);
      if (!sameTree(path.join(tmp, 'synth'), path.join(tmp, 'wall')))
        throw new Error(`N=${namespaces}: the child synth did not write the same files as the in-process synth`);
    }
    synths.push(synth);
    floors.push(floor);
    objectModels.push(objectModel);
    log(
      `  N=${namespaces} run ${i + 1}/${runs}: full synth ${seconds(full.wallMs)} s (CPU ${seconds(full.cpuMs)} s), re-synth ${seconds(again.wallMs)} s (CPU ${seconds(again.cpuMs)} s), RSS ${(full.maxRssKiB / 1024).toFixed(0)} MiB, in-process ${seconds(synth.totalMs)} s, floor ${seconds(floor.totalMs)} s (start ${seconds(floor.startMs)} s), with cdk8s objects ${seconds(objectModel.totalMs)} s`,
    );
  }
  return {
    namespaces,
    runs,
    objects: synths[0].objects,
    files: synths[0].files,
    bytes: synths[0].bytes,
    wallMs: median(fulls.map(t => t.wallMs)),
    wallCpuMs: median(fulls.map(t => t.cpuMs)),
    maxRssMiB: median(fulls.map(t => t.maxRssKiB / 1024)),
    inProcessMs: median(synths.map(s => s.totalMs)),
    inProcessCpuMs: median(synths.map(s => s.cpuMs)),
    phases: Object.fromEntries(PHASES.map(p => [p, median(synths.map(s => s.phases[p]))])) as SizeResult['phases'],
    floorMs: median(floors.map(f => f.totalMs)),
    floorCpuMs: median(floors.map(f => f.cpuMs)),
    floorStartMs: median(floors.map(f => f.startMs)),
    objectModelMs: median(objectModels.map(f => f.totalMs)),
    objectModelCpuMs: median(objectModels.map(f => f.cpuMs)),
    resynthMs: median(resynths.map(r => r.wallMs)),
    resynthCpuMs: median(resynths.map(r => r.cpuMs)),
    fluxFolders,
  };
}

/** A size measured, with the output folder of each run's full synth for the Flux rounds. */
type MeasuredSize = SizeResult & { readonly fluxFolders: readonly string[] };

/** The medians of one size's Flux builds, one list of builds per round. */
export function fluxResult(rounds: readonly (readonly FluxBuild[])[]): FluxResult {
  const sum = (builds: readonly FluxBuild[], key: 'wallMs' | 'cpuMs') => builds.reduce((n, x) => n + x[key], 0);
  const slowest = (builds: readonly FluxBuild[]) => builds.reduce((a, b) => (b.wallMs > a.wallMs ? b : a));
  return {
    kustomizations: rounds[0].length,
    buildMs: median(rounds.map(b => sum(b, 'wallMs'))),
    buildCpuMs: median(rounds.map(b => sum(b, 'cpuMs'))),
    slowestMs: median(rounds.map(b => slowest(b).wallMs)),
    slowestCpuMs: median(rounds.map(b => slowest(b).cpuMs)),
    mostObjects: Math.max(...rounds[0].map(x => x.objects)),
    roundsMs: rounds.map(b => sum(b, 'wallMs')),
  };
}

/**
 * The Flux builds of every size, in rounds: round r builds the output of run r of each size in
 * turn (see the header, step 6).
 */
function fluxRounds(kustomize: string, sizes: readonly MeasuredSize[], runs: number, log: (line: string) => void): SizeResult[] {
  const rounds = sizes.map(() => [] as FluxBuild[][]);
  for (let r = 0; r < runs; r++) {
    const parts = sizes.map((size, i) => {
      const builds = buildFluxKustomizations(kustomize, size.fluxFolders[r]);
      rounds[i].push(builds);
      return `N=${size.namespaces} ${builds.length} Kustomizations ${seconds(builds.reduce((n, b) => n + b.wallMs, 0))} s`;
    });
    log(`  Flux round ${r + 1}/${runs}: kustomize build of ${parts.join(', ')}`);
  }
  return sizes.map((size, i) => withoutFolders({ ...size, flux: fluxResult(rounds[i]) }));
}

function withoutFolders(size: MeasuredSize): SizeResult {
  const { fluxFolders: _, ...result } = size;
  return result;
}

/**
 * Growth of the summed Flux builds from `from` to `to`: the median of the ratios of their rounds
 * (each round built both sizes minutes apart at most), or the ratio of the medians when the rounds
 * do not pair up.
 */
export function fluxGrowth(from: FluxResult, to: FluxResult): number {
  if (!pairedRounds(from, to)) return ratio(to.buildMs, from.buildMs);
  return median(to.roundsMs.map((ms, r) => ratio(ms, from.roundsMs[r])));
}

function pairedRounds(from: FluxResult, to: FluxResult): boolean {
  return from.roundsMs.length > 0 && from.roundsMs.length === to.roundsMs.length;
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);

/** Where and when the results were measured. */
export interface Machine {
  readonly date: Date;
  /** `nproc`. */
  readonly cpus: number;
  /** Model name from /proc/cpuinfo. */
  readonly cpuModel: string;
  readonly node: string;
  /** 1-minute load average when the bench started (other work on the machine). */
  readonly loadAverage: number;
}

/** This machine, now. */
export function thisMachine(): Machine {
  let cpuModel = 'unknown';
  try {
    cpuModel =
      fs
        .readFileSync('/proc/cpuinfo', 'utf8')
        .match(/^model name\s*:\s*(.+)$/m)?.[1]
        ?.trim() ?? cpuModel;
  } catch {
    cpuModel = os.cpus()[0]?.model ?? cpuModel;
  }
  return { date: new Date(), cpus: os.availableParallelism(), cpuModel, node: process.version, loadAverage: os.loadavg()[0] };
}

const NOT_MEASURED = 'not measured';
const ratio = (a: number, b: number) => a / b;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

/** One target line: `- <what>: <value>, met` (or **missed**), or `not measured` without a value. */
function targetLine(what: string, value: { shown: string; ok: boolean } | undefined): string {
  return `- ${what}: ${value ? `${value.shown}, ${verdict(value.ok)}` : NOT_MEASURED}`;
}

/** The target lines, one for each target, in the order of {@link TARGETS}. */
export function targetLines(results: readonly SizeResult[], own: OwnPlatformResult | undefined): string[] {
  const at = (n: number) => results.find(r => r.namespaces === n);
  const r100 = at(100);
  const r1000 = at(1000);
  const T = TARGETS;
  const lines: string[] = [];
  lines.push(
    targetLine(
      `own platform synth process (\`node scripts/run.js charts/main.ts\`) at most ${T.ownPlatformMs / 1000} s`,
      own && { shown: `${seconds(own.wallMs)} s`, ok: own.wallMs <= T.ownPlatformMs },
    ),
  );
  lines.push(
    targetLine(
      `full synth of 5 x 100 into an empty folder at most ${T.fullAt100Ms / 1000} s`,
      r100 && { shown: `${seconds(r100.wallMs)} s`, ok: r100.wallMs <= T.fullAt100Ms },
    ),
  );
  lines.push(
    targetLine(
      `re-synth of 5 x 100 over its output at most ${T.resynthAt100Ms / 1000} s`,
      r100 && { shown: `${seconds(r100.resynthMs)} s`, ok: r100.resynthMs <= T.resynthAt100Ms },
    ),
  );
  lines.push(
    targetLine(
      `full synth of 5 x 1000 at most ${T.fullAt1000Ms / 1000} s`,
      r1000 && { shown: `${seconds(r1000.wallMs)} s`, ok: r1000.wallMs <= T.fullAt1000Ms },
    ),
  );
  lines.push(
    targetLine(
      `peak RSS of 5 x 1000 at most ${T.rssAt1000MiB} MiB`,
      r1000 && { shown: `${r1000.maxRssMiB.toFixed(0)} MiB`, ok: r1000.maxRssMiB <= T.rssAt1000MiB },
    ),
  );
  const fullGrowth = r100 && r1000 ? ratio(r1000.wallMs, r100.wallMs) : undefined;
  lines.push(
    targetLine(
      `full synth from 5 x 100 to 5 x 1000 grows at most x${T.fullGrowth100To1000}`,
      fullGrowth === undefined ? undefined : { shown: `x${fullGrowth.toFixed(1)}`, ok: fullGrowth <= T.fullGrowth100To1000 },
    ),
  );
  for (const [n, r] of [
    [1000, r1000],
    [100, r100],
  ] as const) {
    const x = r && ratio(r.inProcessMs, r.floorMs);
    lines.push(
      targetLine(
        `in-process synth of 5 x ${n} at most ${T.floorRatio}x the floor`,
        x === undefined ? undefined : { shown: `${x.toFixed(1)}x`, ok: x <= T.floorRatio },
      ),
    );
  }
  const growth = r100?.flux && r1000?.flux ? fluxGrowth(r100.flux, r1000.flux) : undefined;
  lines.push(
    targetLine(
      `summed Flux builds of 5 x 1000 at most ${T.fluxGrowth100To1000}x those of 5 x 100`,
      growth === undefined ? undefined : { shown: `x${growth.toFixed(1)}`, ok: growth <= T.fluxGrowth100To1000 },
    ),
  );
  lines.push(
    targetLine(
      `no Flux Kustomization of 5 x 1000 over ${T.fluxSlowestMs / 1000} s to build`,
      r1000?.flux && { shown: `slowest ${seconds(r1000.flux.slowestMs)} s`, ok: r1000.flux.slowestMs <= T.fluxSlowestMs },
    ),
  );
  const largest = r1000 && PHASES.map(p => ({ p, share: r1000.phases[p] / r1000.inProcessMs })).reduce((a, b) => (b.share > a.share ? b : a));
  lines.push(
    targetLine(
      `no in-process phase of 5 x 1000 above ${(T.phaseShareAt1000 * 100).toFixed(0)}% of the in-process total`,
      largest && { shown: `largest \`${largest.p}\` ${percent(largest.share)}`, ok: largest.share <= T.phaseShareAt1000 },
    ),
  );
  return lines;
}

const percent = (share: number) => `${(share * 100).toFixed(0)}%`;

/** The results as Markdown: machine, own platform, sizes, Flux, phases, growth and targets. */
export function formatResults(results: readonly SizeResult[], machine: Machine, own?: OwnPlatformResult): string {
  const lines: string[] = [];
  lines.push(
    `Measured ${machine.date.toISOString().slice(0, 10)}; \`nproc\` ${machine.cpus}; CPU ${machine.cpuModel}; Node ${machine.node}; load average ${machine.loadAverage.toFixed(1)} when the bench started; median of ${results[0]?.runs ?? own?.runs ?? 0} runs per size.`,
  );
  lines.push('');
  lines.push(
    '| own platform: `node scripts/run.js charts/main.ts` (what `npm run synth` runs) | files | output | wall (CPU) | peak RSS | first run: wall (CPU) |',
  );
  lines.push('|---|---|---|---|---|---|');
  lines.push(
    own
      ? `| ${own.environments} environments, into an empty folder | ${own.files} | ${(own.bytes / 1024 / 1024).toFixed(1)} MiB | ${seconds(own.wallMs)} s (${seconds(own.cpuMs)} s) | ${own.maxRssMiB.toFixed(0)} MiB | ${seconds(own.firstWallMs)} s (${seconds(own.firstCpuMs)} s) |`
      : `| ${NOT_MEASURED} | | | | | |`,
  );
  lines.push('');
  lines.push(
    '| namespaces (5 envs x N) | objects | files | output | full synth: wall (CPU) | re-synth over its output: wall (CPU) | first run, empty CRD cache: wall (CPU) | peak RSS | in-process synth: wall (CPU) | floor: wall (CPU) | of which node start | in-process / floor | floor with cdk8s objects: wall (CPU) | in-process / that |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    lines.push(
      `| 5 x ${r.namespaces} | ${r.objects} | ${r.files} | ${(r.bytes / 1024 / 1024).toFixed(1)} MiB | ${seconds(r.wallMs)} s (${seconds(r.wallCpuMs)} s) | ${seconds(r.resynthMs)} s (${seconds(r.resynthCpuMs)} s) | ${seconds(r.coldWallMs)} s (${seconds(r.coldCpuMs)} s) | ${r.maxRssMiB.toFixed(0)} MiB | ${seconds(r.inProcessMs)} s (${seconds(r.inProcessCpuMs)} s) | ${seconds(r.floorMs)} s (${seconds(r.floorCpuMs)} s) | ${seconds(r.floorStartMs)} s | ${ratio(r.inProcessMs, r.floorMs).toFixed(1)} | ${seconds(r.objectModelMs)} s (${seconds(r.objectModelCpuMs)} s) | ${ratio(r.inProcessMs, r.objectModelMs).toFixed(1)} |`,
    );
  }
  lines.push('');
  lines.push(
    'Flux: `kustomize build` of the folder of every Flux Kustomization of the five environments (what kustomize-controller runs on each reconcile), with the kustomize `npm run verify:tools` builds:',
  );
  lines.push('');
  lines.push('| N | Kustomizations | summed: wall (CPU) | slowest Kustomization: wall (CPU) | most objects in one |');
  lines.push('|---|---|---|---|---|');
  for (const r of results)
    lines.push(
      r.flux
        ? `| ${r.namespaces} | ${r.flux.kustomizations} | ${seconds(r.flux.buildMs)} s (${seconds(r.flux.buildCpuMs)} s) | ${seconds(r.flux.slowestMs)} s (${seconds(r.flux.slowestCpuMs)} s) | ${r.flux.mostObjects} |`
        : `| ${r.namespaces} | ${NOT_MEASURED} | ${NOT_MEASURED} | ${NOT_MEASURED} | ${NOT_MEASURED} |`,
    );
  lines.push('');
  lines.push(
    "In-process phases, seconds, summed over the five environments, and each one's share of the in-process total (`crds`: loading the CRD schemas; `build`: constructs and hooks; `checks`: construct checks; `render`: toJson; `schema`: CRD schema check; `rules`: mesh rules; `yaml`: serialization):",
  );
  lines.push('');
  lines.push(`| N | ${PHASES.join(' | ')} |`);
  lines.push(`|${'---|'.repeat(PHASES.length + 1)}`);
  for (const r of results) {
    lines.push(`| ${r.namespaces} | ${PHASES.map(p => seconds(r.phases[p])).join(' | ')} |`);
    lines.push(`| ${r.namespaces}, share | ${PHASES.map(p => percent(r.phases[p] / r.inProcessMs)).join(' | ')} |`);
  }
  const at = (n: number) => results.find(r => r.namespaces === n);
  const r100 = at(100);
  const r1000 = at(1000);
  lines.push('');
  if (r100 && r1000) {
    const flux =
      r100.flux && r1000.flux
        ? `x${fluxGrowth(r100.flux, r1000.flux).toFixed(1)}${pairedRounds(r100.flux, r1000.flux) ? " (the median of the rounds' ratios)" : ''}`
        : NOT_MEASURED;
    lines.push(
      `Growth from 5 x 100 to 5 x 1000 (10 times the namespaces): in-process synth x${ratio(r1000.inProcessMs, r100.inProcessMs).toFixed(1)}, floor x${ratio(r1000.floorMs, r100.floorMs).toFixed(1)}, full synth x${ratio(r1000.wallMs, r100.wallMs).toFixed(1)}, re-synth x${ratio(r1000.resynthMs, r100.resynthMs).toFixed(1)}, Flux builds ${flux}.`,
    );
    lines.push('');
  }
  lines.push('Targets:');
  lines.push('');
  lines.push(...targetLines(results, own));
  return lines.join('\n');
}

/** Replace the text between the README markers. */
export function replaceBetweenMarkers(text: string, replacement: string): string {
  const begin = text.indexOf(README_BEGIN);
  const end = text.indexOf(README_END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${README_BEGIN} ... ${README_END} block`);
  return `${text.slice(0, begin + README_BEGIN.length)}\n${replacement}\n${text.slice(end)}`;
}

function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

function main(argv: readonly string[]): void {
  const sizes = (option(argv, 'sizes') ?? '10,100,1000').split(',').map(Number);
  const runs = Number(option(argv, 'runs') ?? 5);
  if (sizes.some(n => !Number.isInteger(n) || n < 1) || !Number.isInteger(runs) || runs < 1) {
    console.error('usage: npm run bench -- [--sizes 10,100,1000] [--runs 5] [--write-readme]');
    process.exitCode = 2;
    return;
  }
  const machine = thisMachine();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'eks-mesh-bench-'));
  // The bundles of scripts/run.js in a folder of the bench's own, unless EKS_MESH_RUN_CACHE names one.
  if (!process.env.EKS_MESH_RUN_CACHE) childEnv = { ...process.env, EKS_MESH_RUN_CACHE: scratchDir('run-') };
  try {
    const kustomize = findTools().paths.kustomize;
    if (!kustomize) console.log('kustomize not built: run npm run verify:tools (the Flux builds are not measured)');
    console.log(`own platform, ${runs} runs`);
    const own = measureOwnPlatform(runs, line => console.log(line));
    prepareBundles(line => console.log(line));
    const measured = sizes.map(n => {
      console.log(`5 environments x ${n} namespaces, ${runs} runs`);
      return measureSize(n, runs, line => console.log(line));
    });
    if (kustomize) console.log(`Flux: the Kustomizations of every size, ${runs} rounds`);
    const results = kustomize ? fluxRounds(kustomize, measured, runs, line => console.log(line)) : measured.map(withoutFolders);
    const markdown = formatResults(results, machine, own);
    console.log(`\n${markdown}`);
    if (argv.includes('--write-readme')) {
      fs.writeFileSync(README, replaceBetweenMarkers(fs.readFileSync(README, 'utf8'), markdown));
      console.log('\nREADME.md updated');
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) main(process.argv.slice(2));
