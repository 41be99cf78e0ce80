/**
 * `npm run synth` for a generated platform: what the benchmark runs as a child process
 * (`node scripts/run.js bench/synth-entry.ts --namespaces 100 --outdir <dir>`, started the way
 * `npm run synth` starts charts/main.ts), so process start, module loading, the CRD schemas, the
 * synth and the writes are all timed as a user pays them.
 *
 * Like charts/main.ts (with the Flux Kustomizations in `<outdir>/flux/<env>/`), with the platform
 * from bench/generate.ts. The bench takes CPU time and peak RSS of this process from GNU time.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { buildFlux } from '../src/platform/platform';
import { CACHE_FOLDER, findCrdDir, runSynth } from '../src';
import { exitWhenWritten } from '../src/cli/exit';
import { generatePlatform } from './generate';

const ROOT = path.resolve(__dirname, '..');

const opts = new Command('synth-entry')
  .description('synthesize a generated platform of five environments into <outdir>/<env>/')
  .requiredOption('--namespaces <n>', 'app-team namespaces per environment', Number)
  .requiredOption('--outdir <dir>', 'output folder')
  .option('--seed <n>', 'seed of the generator', Number, 1)
  .option('--crd-cache <dir>', 'cache of compiled CRD validators', path.join(ROOT, CACHE_FOLDER))
  .parse()
  .opts<{ namespaces: number; outdir: string; seed: number; crdCache: string }>();

const platform = generatePlatform({ namespaces: opts.namespaces, seed: opts.seed });
exitWhenWritten(
  runSynth({
    environments: platform.environments,
    build: platform.build,
    secondary: { build: buildFlux, folder: 'flux' },
    outdir: path.resolve(opts.outdir),
    crdDir: findCrdDir(ROOT),
    crdCacheDir: opts.crdCache,
    log: () => undefined,
  }),
);
