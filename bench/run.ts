/**
 * `npm run bench`: synth benchmarks on generated platforms of 5 environments x N namespaces.
 *
 *   npm run bench                                  N = 10, 100, 1000; 3 runs each; median
 *   npm run bench -- --sizes 10,100 --runs 5
 *   npm run bench -- --write-readme                also replace the results table in README.md
 *
 * For each N, one first run of `tsx bench/synth-entry.ts` with an empty cache of compiled CRD
 * validators (reported on its own), then for each run these fresh child processes:
 * 1. wall: `tsx bench/synth-entry.ts` (the synth as a user runs it: process start, module loading,
 *    CRD schemas from the now filled cache, synth, writes) into a temporary folder; its peak RSS;
 *    then the same again over that output (re-synth: the migration gates read what is there), and
 *    `kustomize build` of the folder of every Flux Kustomization it wrote (kustomize from
 *    `npm run verify:tools`);
 * 2. in-process: `bench/measure.ts synth`, the time of each phase;
 * 3. floor: `bench/measure.ts floor`, the same objects serialized with the same YAML library and
 *    written with plain writeFileSync, nothing else. Its files must equal the synth's, byte for byte.
 *
 * Timings are wall-clock times on a shared machine: the median of the runs is reported.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { findTools } from '../verify/tools';
import { FloorMeasurement, PHASES, SynthMeasurement } from './measure';

const ROOT = path.resolve(__dirname, '..');
const README = path.join(ROOT, 'README.md');
export const README_BEGIN = '<!-- bench:results:begin -->';
export const README_END = '<!-- bench:results:end -->';

/** Targets of the benchmark (checked and reported, never asserted in tests). */
const TARGETS = {
  wallAt100Ms: 3000,
  floorRatioAt1000: 4,
  growth100To1000: 12,
  rssAt1000MiB: 1024,
  fluxGrowth100To1000: 11,
  fluxSlowestMs: 1000,
};

/** The medians of one N. */
export interface SizeResult {
  readonly namespaces: number;
  readonly runs: number;
  readonly objects: number;
  readonly files: number;
  readonly bytes: number;
  readonly wallMs: number;
  /** CPU time of the synth process (user and system; without the tsx launcher process). */
  readonly wallCpuMs: number;
  /** The first run, with an empty cache of compiled CRD validators. */
  readonly coldWallMs: number;
  readonly maxRssMiB: number;
  readonly inProcessMs: number;
  readonly inProcessCpuMs: number;
  readonly phases: Record<(typeof PHASES)[number], number>;
  readonly floorMs: number;
  readonly floorCpuMs: number;
  /** The synth again over its own output (the migration gates read the committed states first). */
  readonly resynthMs: number;
  readonly resynthCpuMs: number;
  /** Flux Kustomizations of the five environments. */
  readonly kustomizations: number;
  /** `kustomize build` of every Kustomization's folder, summed: wall and CPU. */
  readonly fluxBuildMs: number;
  readonly fluxBuildCpuMs: number;
  /** The slowest single Kustomization build. */
  readonly fluxSlowestMs: number;
  /** Most objects one Kustomization applies. */
  readonly fluxMostObjects: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function run(args: readonly string[], what: string): string {
  // As `npm run synth` starts it: node with tsx's CommonJS loader.
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
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

/** Run the synth as a user does; wall time and peak RSS. */
function wallRun(namespaces: number, outdir: string, crdCache: string, report: string): { wallMs: number; maxRssKiB: number; cpuMs: number } {
  const started = process.hrtime.bigint();
  run(
    ['bench/synth-entry.ts', '--namespaces', String(namespaces), '--outdir', outdir, '--crd-cache', crdCache, '--report', report],
    `synth of ${namespaces} namespaces`,
  );
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const { exitCode, maxRssKiB, cpuMs } = JSON.parse(fs.readFileSync(report, 'utf8')) as { exitCode: number; maxRssKiB: number; cpuMs: number };
  if (exitCode !== 0) throw new Error(`synth of ${namespaces} namespaces exited with ${exitCode}`);
  return { wallMs, maxRssKiB, cpuMs };
}

function measureSize(namespaces: number, runs: number, log: (line: string) => void): SizeResult {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `eks-mesh-bench-${namespaces}-`));
  const crdCache = path.join(root, 'crd-cache');
  try {
    const cold = wallRun(namespaces, path.join(root, 'cold'), crdCache, path.join(root, 'cold.json'));
    fs.rmSync(path.join(root, 'cold'), { recursive: true, force: true });
    log(`  N=${namespaces} first run, empty CRD cache: wall ${(cold.wallMs / 1000).toFixed(2)} s`);
    return { ...measureRuns(namespaces, runs, crdCache, log), coldWallMs: cold.wallMs };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function measureRuns(namespaces: number, runs: number, crdCache: string, log: (line: string) => void): Omit<SizeResult, 'coldWallMs'> {
  const kustomize = findTools().paths.kustomize;
  if (!kustomize) throw new Error('kustomize is not built: run `npm run verify:tools` first');
  const resynths: Array<{ wallMs: number; cpuMs: number }> = [];
  const fluxRuns: FluxBuild[][] = [];
  const walls: number[] = [];
  const wallCpus: number[] = [];
  const rss: number[] = [];
  const synths: SynthMeasurement[] = [];
  const floors: FloorMeasurement[] = [];
  for (let i = 0; i < runs; i++) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `eks-mesh-bench-${namespaces}-`));
    try {
      const { wallMs, maxRssKiB, cpuMs } = wallRun(namespaces, path.join(tmp, 'wall'), crdCache, path.join(tmp, 'report.json'));
      const again = wallRun(namespaces, path.join(tmp, 'wall'), crdCache, path.join(tmp, 'report-again.json'));
      resynths.push({ wallMs: again.wallMs, cpuMs: again.cpuMs });
      const builds = buildFluxKustomizations(kustomize, path.join(tmp, 'wall'));
      fluxRuns.push(builds);
      walls.push(wallMs);
      wallCpus.push(cpuMs);
      rss.push(maxRssKiB / 1024);

      const objects = path.join(tmp, 'objects.json');
      const synth = lastJson<SynthMeasurement>(
        run(
          [
            'bench/measure.ts',
            'synth',
            '--namespaces',
            String(namespaces),
            '--outdir',
            path.join(tmp, 'synth'),
            '--objects',
            objects,
            '--crd-cache',
            crdCache,
          ],
          'in-process synth',
        ),
      );
      const floor = lastJson<FloorMeasurement>(
        run(['bench/measure.ts', 'floor', '--objects', objects, '--outdir', path.join(tmp, 'floor')], 'floor'),
      );
      if (i === 0) {
        if (!sameTree(path.join(tmp, 'synth'), path.join(tmp, 'floor')))
          throw new Error(`N=${namespaces}: the floor did not write the same files as the synth`);
        if (!sameTree(path.join(tmp, 'synth'), path.join(tmp, 'wall')))
          throw new Error(`N=${namespaces}: the child synth did not write the same files as the in-process synth`);
      }
      synths.push(synth);
      floors.push(floor);
      const fluxSum = builds.reduce((n, b) => n + b.wallMs, 0);
      log(
        `  N=${namespaces} run ${i + 1}/${runs}: wall ${(wallMs / 1000).toFixed(2)} s, re-synth ${(again.wallMs / 1000).toFixed(2)} s, RSS ${(maxRssKiB / 1024).toFixed(0)} MiB, in-process ${(synth.totalMs / 1000).toFixed(2)} s, floor ${(floor.totalMs / 1000).toFixed(2)} s, kustomize build of ${builds.length} Kustomizations ${(fluxSum / 1000).toFixed(2)} s`,
      );
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return {
    namespaces,
    runs,
    objects: synths[0].objects,
    files: synths[0].files,
    bytes: synths[0].bytes,
    wallMs: median(walls),
    wallCpuMs: median(wallCpus),
    maxRssMiB: median(rss),
    inProcessMs: median(synths.map(s => s.totalMs)),
    inProcessCpuMs: median(synths.map(s => s.cpuMs)),
    phases: Object.fromEntries(PHASES.map(p => [p, median(synths.map(s => s.phases[p]))])) as SizeResult['phases'],
    floorMs: median(floors.map(f => f.totalMs)),
    floorCpuMs: median(floors.map(f => f.cpuMs)),
    resynthMs: median(resynths.map(r => r.wallMs)),
    resynthCpuMs: median(resynths.map(r => r.cpuMs)),
    kustomizations: fluxRuns[0].length,
    fluxBuildMs: median(fluxRuns.map(b => b.reduce((n, x) => n + x.wallMs, 0))),
    fluxBuildCpuMs: median(fluxRuns.map(b => b.reduce((n, x) => n + x.cpuMs, 0))),
    fluxSlowestMs: median(fluxRuns.map(b => Math.max(...b.map(x => x.wallMs)))),
    fluxMostObjects: Math.max(...fluxRuns[0].map(x => x.objects)),
  };
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

/** The results as Markdown: machine, table, phases, growth and targets. */
export function formatResults(results: readonly SizeResult[], machine: Machine): string {
  const lines: string[] = [];
  lines.push(
    `Measured ${machine.date.toISOString().slice(0, 10)}; \`nproc\` ${machine.cpus}; CPU ${machine.cpuModel}; Node ${machine.node}; load average ${machine.loadAverage.toFixed(1)} when the bench started; median of ${results[0]?.runs ?? 0} runs per size.`,
  );
  lines.push('');
  lines.push(
    '| namespaces (5 envs x N) | objects | files | output | full synth: wall (CPU) | re-synth over its output: wall (CPU) | first run, empty CRD cache | peak RSS | in-process synth: wall (CPU) | floor: wall (CPU) | ratio to floor |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    lines.push(
      `| 5 x ${r.namespaces} | ${r.objects} | ${r.files} | ${(r.bytes / 1024 / 1024).toFixed(1)} MiB | ${seconds(r.wallMs)} s (${seconds(r.wallCpuMs)} s) | ${seconds(r.resynthMs)} s (${seconds(r.resynthCpuMs)} s) | ${seconds(r.coldWallMs)} s | ${r.maxRssMiB.toFixed(0)} MiB | ${seconds(r.inProcessMs)} s (${seconds(r.inProcessCpuMs)} s) | ${seconds(r.floorMs)} s (${seconds(r.floorCpuMs)} s) | ${(r.inProcessMs / r.floorMs).toFixed(1)} |`,
    );
  }
  lines.push('');
  lines.push(
    'Flux: `kustomize build` of the folder of every Flux Kustomization of the five environments (what kustomize-controller runs on each reconcile), with the kustomize `npm run verify:tools` builds:',
  );
  lines.push('');
  lines.push('| N | Kustomizations | summed: wall (CPU) | slowest Kustomization | most objects in one |');
  lines.push('|---|---|---|---|---|');
  for (const r of results)
    lines.push(
      `| ${r.namespaces} | ${r.kustomizations} | ${seconds(r.fluxBuildMs)} s (${seconds(r.fluxBuildCpuMs)} s) | ${seconds(r.fluxSlowestMs)} s | ${r.fluxMostObjects} |`,
    );
  lines.push('');
  lines.push(
    'In-process phases, seconds, summed over the five environments (`crds`: loading the CRD schemas; `build`: constructs and hooks; `checks`: construct checks; `render`: toJson; `schema`: CRD schema check; `rules`: mesh rules; `yaml`: serialization):',
  );
  lines.push('');
  lines.push(`| N | ${PHASES.join(' | ')} |`);
  lines.push(`|${'---|'.repeat(PHASES.length + 1)}`);
  for (const r of results) lines.push(`| ${r.namespaces} | ${PHASES.map(p => seconds(r.phases[p])).join(' | ')} |`);
  const at = (n: number) => results.find(r => r.namespaces === n);
  const r100 = at(100);
  const r1000 = at(1000);
  lines.push('');
  if (r100 && r1000) {
    lines.push(
      `Growth from 5 x 100 to 5 x 1000 (10 times the namespaces): in-process synth x${(r1000.inProcessMs / r100.inProcessMs).toFixed(1)}, floor x${(r1000.floorMs / r100.floorMs).toFixed(1)}, full synth x${(r1000.wallMs / r100.wallMs).toFixed(1)}, re-synth x${(r1000.resynthMs / r100.resynthMs).toFixed(1)}, Flux builds x${(r1000.fluxBuildMs / r100.fluxBuildMs).toFixed(1)}.`,
    );
    lines.push('');
  }
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  if (r100)
    lines.push(
      `- full synth of 5 x 100 under ${TARGETS.wallAt100Ms / 1000} s: ${seconds(r100.wallMs)} s, ${verdict(r100.wallMs < TARGETS.wallAt100Ms)}`,
    );
  if (r1000)
    lines.push(
      `- in-process synth of 5 x 1000 within ${TARGETS.floorRatioAt1000}x of the floor: ${(r1000.inProcessMs / r1000.floorMs).toFixed(1)}x, ${verdict(r1000.inProcessMs / r1000.floorMs <= TARGETS.floorRatioAt1000)}`,
    );
  if (r100 && r1000)
    lines.push(
      `- time(1000) / time(100) under ${TARGETS.growth100To1000}: ${(r1000.inProcessMs / r100.inProcessMs).toFixed(1)}, ${verdict(r1000.inProcessMs / r100.inProcessMs < TARGETS.growth100To1000)}`,
    );
  if (r1000) lines.push(`- peak RSS of 5 x 1000 under 1 GiB: ${r1000.maxRssMiB.toFixed(0)} MiB, ${verdict(r1000.maxRssMiB < TARGETS.rssAt1000MiB)}`);
  if (r100 && r1000)
    lines.push(
      `- Flux builds of 5 x 1000 within ${TARGETS.fluxGrowth100To1000}x those of 5 x 100: x${(r1000.fluxBuildMs / r100.fluxBuildMs).toFixed(1)}, ${verdict(r1000.fluxBuildMs / r100.fluxBuildMs <= TARGETS.fluxGrowth100To1000)}`,
    );
  if (r1000)
    lines.push(
      `- no Flux Kustomization of 5 x 1000 over ${TARGETS.fluxSlowestMs / 1000} s to build: slowest ${seconds(r1000.fluxSlowestMs)} s, ${verdict(r1000.fluxSlowestMs <= TARGETS.fluxSlowestMs)}`,
    );
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
  const runs = Number(option(argv, 'runs') ?? 3);
  if (sizes.some(n => !Number.isInteger(n) || n < 1) || !Number.isInteger(runs) || runs < 1) {
    console.error('usage: npm run bench -- [--sizes 10,100,1000] [--runs 3] [--write-readme]');
    process.exitCode = 2;
    return;
  }
  const machine = thisMachine();
  const results = sizes.map(n => {
    console.log(`5 environments x ${n} namespaces, ${runs} runs`);
    return measureSize(n, runs, line => console.log(line));
  });
  const markdown = formatResults(results, machine);
  console.log(`\n${markdown}`);
  if (argv.includes('--write-readme')) {
    fs.writeFileSync(README, replaceBetweenMarkers(fs.readFileSync(README, 'utf8'), markdown));
    console.log('\nREADME.md updated');
  }
}

if (require.main === module) main(process.argv.slice(2));
