/**
 * `npm run synth`: synthesize every environment into `dist/<env>/`, and the Flux Kustomizations that
 * apply it into `dist/flux/<env>/`.
 *
 * Also the cdk8s app (`npx cdk8s synth`): when the cdk8s CLI sets CDK8S_OUTDIR, the same files are
 * written there too. Nothing is written unless every environment passes every check.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { CrdSchemas, findCrdDir, SynthError, synthesize } from '../src';
import { runSynth } from '../src/cli/synth-command';
import { ENVIRONMENTS } from './environments';
import { buildFlux, buildPlatform } from './platform';

const ROOT = path.resolve(__dirname, '..');

const opts = new Command('synth')
  .description('synthesize every environment into <outdir>/<env>/')
  .option('--env <names...>', 'synthesize only these environments')
  .option('--outdir <dir>', 'output folder', 'dist')
  .option('--crds <dir>', 'folder of CRD files for the schema check (default: EKS_MESH_CRDS, .crds/, ../shared/crds)')
  .option('--no-schema-check', 'skip validating custom resources against their CRDs')
  .parse()
  .opts<{ env?: string[]; outdir: string; crds?: string; schemaCheck: boolean }>();

/** Folder of `dist/` that holds the Flux Kustomizations, one subfolder per environment. */
const FLUX_FOLDER = 'flux';

function main(): number {
  const outdir = path.resolve(ROOT, opts.outdir);
  const crdDir = opts.schemaCheck ? (opts.crds ?? findCrdDir(ROOT)) : undefined;
  const configSource = (name: string) => `charts/environments/${name}.ts`;
  const mirror = process.env.CDK8S_OUTDIR;

  // Check the Flux Kustomizations first, so that a mistake there also leaves dist/ untouched.
  try {
    const configs = opts.env ? ENVIRONMENTS.filter(e => opts.env!.includes(e.name)) : ENVIRONMENTS;
    synthesize(configs, buildFlux, { schemas: crdDir ? CrdSchemas.fromDirectory(crdDir) : undefined, configSource });
  } catch (e) {
    if (!(e instanceof SynthError)) throw e;
    console.error(e.message);
    return 1;
  }
  const code = runSynth({ environments: ENVIRONMENTS, build: buildPlatform, outdir, only: opts.env, crdDir, mirrorOutdir: mirror, configSource });
  if (code !== 0) return code;
  return runSynth({
    environments: ENVIRONMENTS,
    build: buildFlux,
    outdir: path.join(outdir, FLUX_FOLDER),
    only: opts.env,
    crdDir,
    mirrorOutdir: mirror ? path.join(mirror, FLUX_FOLDER) : undefined,
    configSource,
    meshReport: false,
    error: line => { if (!line.startsWith('warning: schema check skipped')) console.error(line); },
  });
}

process.exitCode = main();
