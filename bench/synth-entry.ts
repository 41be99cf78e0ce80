/**
 * `npm run synth` for a generated platform: what the benchmark runs as a child process
 * (`tsx bench/synth-entry.ts --namespaces 100 --outdir <dir>`), so process start, module loading,
 * the CRD schemas, the synth and the writes are all timed as a user pays them.
 *
 * Like charts/main.ts (with the Flux Kustomizations in `<outdir>/flux/<env>/`), with the platform
 * from bench/generate.ts. With `--report <file>`, writes
 * `{ exitCode, maxRssKiB, cpuMs }` there at exit: peak resident set size and CPU time (user and
 * system) of this process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { buildFlux } from '../src/platform/platform';
import { findCrdDir, runSynth } from '../src';
import { generatePlatform } from './generate';

const ROOT = path.resolve(__dirname, '..');

const opts = new Command('synth-entry')
  .description('synthesize a generated platform of five environments into <outdir>/<env>/')
  .requiredOption('--namespaces <n>', 'app-team namespaces per environment', Number)
  .requiredOption('--outdir <dir>', 'output folder')
  .option('--seed <n>', 'seed of the generator', Number, 1)
  .option('--crd-cache <dir>', 'cache of compiled CRD validators', path.join(ROOT, 'node_modules', '.cache', 'eks-istio-mesh'))
  .option('--report <file>', 'write the exit code, peak RSS and CPU time here as JSON')
  .parse()
  .opts<{ namespaces: number; outdir: string; seed: number; crdCache: string; report?: string }>();

const platform = generatePlatform({ namespaces: opts.namespaces, seed: opts.seed });
process.exitCode = runSynth({
  environments: platform.environments,
  build: platform.build,
  secondary: { build: buildFlux, folder: 'flux' },
  outdir: path.resolve(opts.outdir),
  crdDir: findCrdDir(ROOT),
  crdCacheDir: opts.crdCache,
  log: () => undefined,
});
if (opts.report) {
  const usage = process.resourceUsage();
  fs.writeFileSync(
    opts.report,
    JSON.stringify({ exitCode: process.exitCode, maxRssKiB: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }),
  );
}
