/**
 * `npm run synth`: synthesize every environment into `dist/<env>/`, and the Flux Kustomizations that
 * apply it into `dist/flux/<env>/`.
 *
 * Also the cdk8s app (`npx cdk8s synth`): when the cdk8s CLI sets CDK8S_OUTDIR, the same files are
 * written there too. Nothing is written unless every environment passes every check.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { CACHE_FOLDER, findCrdDir, synthPlatform } from '../src';
import { exitWhenWritten } from '../src/cli/exit';
import { loadPlatform } from './load';

const ROOT = path.resolve(__dirname, '..');

const opts = new Command('synth')
  .description('synthesize every environment into <outdir>/<env>/')
  .option('--env <names...>', 'synthesize only these environments')
  .option('--outdir <dir>', 'output folder', 'dist')
  .option('--committed-dir <dir>', 'the committed synthesis that the migration gate compares with', 'dist')
  .option('--crds <dir>', 'folder of CRD files (or extracted schemas) for the schema check (default: EKS_MESH_CRDS, else crd-schemas/)')
  .option('--no-schema-check', 'skip validating custom resources against their CRDs')
  .parse()
  .opts<{ env?: string[]; outdir: string; committedDir: string; crds?: string; schemaCheck: boolean }>();

// The environments and the Flux Kustomizations that apply them are checked together: a mistake in
// either leaves dist/ untouched.
exitWhenWritten(
  synthPlatform(loadPlatform(), {
    outdir: path.resolve(ROOT, opts.outdir),
    committedDir: path.resolve(ROOT, opts.committedDir),
    only: opts.env,
    crdDir: opts.schemaCheck ? (opts.crds ?? findCrdDir(ROOT)) : undefined,
    crdCacheDir: path.join(ROOT, CACHE_FOLDER),
    mirrorOutdir: process.env.CDK8S_OUTDIR,
    // MESH.md draws the flows recorded by `npm run flows -- --record`.
    decisionsDir: path.join(ROOT, 'flows'),
  }),
);
