#!/usr/bin/env node
/**
 * `eks-istio-mesh <command>`: the package's commands, for a platform repository that installs it.
 *
 * - `synth`, `plan`, `diff` load the repository's platform module (`--app <file>`, default the file
 *   `cdk8s.yaml`'s `app` names), which exports `environments` and `teams`;
 * - `check <paths>` needs no platform module: it runs the mesh rules over any YAML.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { Command, Option } from 'commander';
import { CRD_SCHEMAS_FOLDER, findCrdDir } from '../checks/schema';
import { planPlatform, synthPlatform } from './platform-definition';
import { ReportFormat, rulesTable, runCheck } from './check-command';
import { DiffCommandOptions, failOnClasses, runDiff, withDiffOptions } from './diff-command';
import { loadPlatformModule, PlatformModuleError } from './platform-module';
import { setRelaunch } from '../core/parallel';
import { limitHeapGrowth } from '../core/heap';
import { exitWhenWritten } from './exit';
import { CACHE_FOLDER, cacheDirOf } from './cache-dir';

/** The schemas the package ships beside its compiled code (`lib/crd-schemas`). */
const PACKAGED_SCHEMAS = path.resolve(__dirname, '..', '..', CRD_SCHEMAS_FOLDER);

/** Where the schema check reads CRDs: `--crds`, else `EKS_MESH_CRDS` or `<cwd>/crd-schemas`, else the package's. */
function crdDir(cwd: string, given?: string): string | undefined {
  return given ?? findCrdDir(cwd) ?? (fs.existsSync(PACKAGED_SCHEMAS) ? PACKAGED_SCHEMAS : undefined);
}

/** Run a command body; a platform module that cannot load is one line and exit code 1. */
function run(body: () => number): void {
  try {
    process.exitCode = body();
  } catch (e) {
    if (e instanceof PlatformModuleError) {
      console.error(e.message);
      process.exitCode = 1;
      return;
    }
    console.error(`eks-istio-mesh could not run: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}

function notAvailable(name: string, what: string): Command {
  return new Command(name)
    .description(`${what} (not available in this version of the package)`)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      console.error(`eks-istio-mesh ${name}: not available in this version of the package (${what} runs from the eks-istio-mesh repository itself)`);
      process.exitCode = 2;
    });
}

/** The command-line program; `argv` as in `process.argv`. */
export function main(argv: readonly string[]): void {
  const cwd = process.cwd();
  const program = new Command('eks-istio-mesh').description('zero-trust Istio mesh for Amazon EKS as plain YAML for Flux');

  program
    .command('synth')
    .description('synthesize every environment into <outdir>/<env>/ and its Flux Kustomizations into <outdir>/flux/<env>/')
    .option('--app <file>', "platform module exporting environments and teams (default: the file cdk8s.yaml's app names)")
    .option('--env <names...>', 'synthesize only these environments')
    .option('--outdir <dir>', 'output folder', 'dist')
    .option(
      '--crds <dir>',
      'folder of CRD files or extracted schemas for the schema check (default: EKS_MESH_CRDS, ./crd-schemas, else the schemas of the package)',
    )
    .option('--no-schema-check', 'skip validating custom resources against their CRDs')
    .option(
      '--cache-dir <dir>',
      `folder kept between runs: compiled CRD validators, the custom resources that passed, YAML renderings (default: ${CACHE_FOLDER} of the nearest package.json's folder, when it has node_modules)`,
    )
    .option('--no-cache', 'keep nothing between runs')
    .action((opts: { app?: string; env?: string[]; outdir: string; crds?: string; schemaCheck: boolean; cache: boolean; cacheDir?: string }) =>
      run(() =>
        synthPlatform(loadPlatformModule(cwd, opts.app), {
          outdir: path.resolve(cwd, opts.outdir),
          only: opts.env,
          crdDir: opts.schemaCheck ? crdDir(cwd, opts.crds) : undefined,
          crdCacheDir: cacheDirOf(cwd, opts),
          mirrorOutdir: process.env.CDK8S_OUTDIR,
        }),
      ),
    );

  program
    .command('check')
    .description('run the mesh rules over YAML files or folders; exits 1 on errors')
    .argument('[paths...]', 'files or folders (recursively, .yaml/.yml)')
    .option('--app <file>', "platform module: files under <dist-dir>/<env>/ are checked with that environment's config")
    .option('--dist-dir <dir>', 'the output folder of the platform module', 'dist')
    .option('--env <name>', 'check every path as this environment of the platform module')
    .addOption(new Option('--format <format>', 'report format').choices(Object.values(ReportFormat)).default(ReportFormat.TEXT))
    .option('--list-rules', 'print the rule catalog as a Markdown table')
    .action((paths: string[], opts: { app?: string; distDir: string; env?: string; format: ReportFormat; listRules?: boolean }) =>
      run(() => {
        if (opts.listRules) {
          console.log(rulesTable());
          return 0;
        }
        // Without --app or --env no platform module is needed: the rules judge the YAML alone.
        const environments = opts.app || opts.env ? loadPlatformModule(cwd, opts.app).environments : [];
        return runCheck({ paths, environments, distDir: path.resolve(cwd, opts.distDir), env: opts.env, format: opts.format });
      }),
    );

  program
    .command('plan')
    .description('print the migration plan (Markdown): namespaces x environments, next safe steps, what blocks STRICT')
    .option('--app <file>', "platform module (default: the file cdk8s.yaml's app names)")
    .option('--out <file>', 'write the Markdown to a file')
    .action((opts: { app?: string; out?: string }) => run(() => planPlatform(loadPlatformModule(cwd, opts.app), { outFile: opts.out })));

  withDiffOptions(
    program
      .command('diff')
      .description('semantic diff of the synthesized environments against a git ref or a folder')
      .option('--app <file>', "platform module (default: the file cdk8s.yaml's app names)"),
  ).action((opts: DiffCommandOptions & { app?: string }) =>
    run(() => {
      const failOn = failOnClasses(opts.failOn);
      // Both sides share this repository's cache (a side checked out elsewhere has none of its own).
      const cacheDir = cacheDirOf(cwd, {});
      const synthArgs = [
        'synth',
        '--no-schema-check',
        ...(opts.app ? ['--app', opts.app] : []),
        ...(cacheDir ? ['--cache-dir', cacheDir] : ['--no-cache']),
      ];
      return runDiff({
        root: cwd,
        base: opts.base,
        baseDir: opts.baseDir,
        headDir: opts.headDir,
        format: opts.format,
        failOn,
        // Each side is synthesized by this command in its own process, from that side's files.
        synthesize: (dir, outdir) => {
          const env = { ...process.env };
          delete env.CDK8S_OUTDIR;
          execFileSync(process.execPath, [__filename, ...synthArgs, '--outdir', outdir], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
        },
      });
    }),
  );

  program.addCommand(notAvailable('verify', 'validate the output with kube-apiserver, istioctl, kubeconform and kustomize'));
  program.addCommand(notAvailable('flows', 'the allowed flows of an environment'));

  program.parse([...argv]);
}

if (require.main === module) {
  // The synth shares the environments among the cores by starting this program again in threads.
  setRelaunch({ script: __filename, argv: process.argv.slice(2) });
  if (isMainThread) limitHeapGrowth();
  main(process.argv);
  exitWhenWritten();
}
