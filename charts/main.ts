/**
 * `npm run synth`: synthesize every environment into `dist/<env>/`.
 *
 * Also the cdk8s app (`npx cdk8s synth`): when the cdk8s CLI sets CDK8S_OUTDIR, the same files are
 * written there too. Nothing is written unless every environment passes every check.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { CrdSchemas, findCrdDir, SynthError, synthesize, writeEnvironments } from '../src';
import { ENVIRONMENTS } from './environments';
import { buildPlatform } from './platform';

const ROOT = path.resolve(__dirname, '..');

function main(): number {
  const program = new Command('synth')
    .description('synthesize every environment into <outdir>/<env>/')
    .option('--env <names...>', 'synthesize only these environments')
    .option('--outdir <dir>', 'output folder', path.join(ROOT, 'dist'))
    .option('--crds <dir>', 'folder of CRD files for the schema check (default: EKS_MESH_CRDS, .crds/, ../shared/crds)')
    .option('--no-schema-check', 'skip validating custom resources against their CRDs')
    .parse();
  const opts = program.opts<{ env?: string[]; outdir: string; crds?: string; schemaCheck: boolean }>();

  const unknown = (opts.env ?? []).filter(n => !ENVIRONMENTS.some(e => e.name === n));
  if (unknown.length > 0) {
    console.error(`unknown environment ${unknown.join(', ')}; known: ${ENVIRONMENTS.map(e => e.name).join(', ')}`);
    return 2;
  }
  const configs = opts.env ? ENVIRONMENTS.filter(e => opts.env!.includes(e.name)) : ENVIRONMENTS;

  let schemas: CrdSchemas | undefined;
  if (opts.schemaCheck) {
    const dir = opts.crds ?? findCrdDir(ROOT);
    if (dir) {
      schemas = CrdSchemas.fromDirectory(dir);
    } else {
      console.warn('warning: schema check skipped: no CRD folder found; run `npm run import` (or `-- --mirror <dir>`), or set EKS_MESH_CRDS');
    }
  }

  try {
    const results = synthesize(configs, buildPlatform, {
      schemas,
      configSource: name => `charts/environments/${name}.ts`,
    });
    const written = writeEnvironments(opts.outdir, results, { pruneOtherEnvironments: !opts.env });
    const cdk8sOut = process.env.CDK8S_OUTDIR;
    if (cdk8sOut && path.resolve(cdk8sOut) !== path.resolve(opts.outdir)) writeEnvironments(cdk8sOut, results);
    console.log(`synthesized ${results.length} environment${results.length === 1 ? '' : 's'} (${written.length} files) into ${path.relative(process.cwd(), opts.outdir) || '.'}${schemas ? '' : ' without schema check'}`);
    return 0;
  } catch (e) {
    if (e instanceof SynthError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}

process.exitCode = main();
