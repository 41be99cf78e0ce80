/**
 * `npm run verify [-- --env prod staging] [-- <folder>...]`: check the generated YAML with real
 * tools, cheapest check last of the project's chain:
 *
 * 1. server-side apply (dry-run) to a loopback kube-apiserver with the pinned CRDs;
 * 2. `istioctl validate` and `istioctl analyze` offline;
 * 3. `kubeconform -strict` against schemas from the pinned CRDs and the API server's OpenAPI;
 * 4. `kustomize build` gives exactly the objects of the folder's files;
 * 5. `flows`: per environment, every declared flow is allowed and every generated must-deny flow
 *    denied, as the flows engine (Istio's translation code, `verify/flows`) decides them, and the
 *    recorded `flows/<env>.json` equals the fresh decisions (`verify/lib/flows-stage.ts`).
 *
 * Missing tools are built first (`verify/tools.ts`). Every problem of every folder is printed
 * together; the exit code is 1 when any error or unaccepted warning remains.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { displayPath, Finding, readFolder } from './lib/manifests';
import { formatFinding, runVerify, toolVersions } from './lib/run';
import { findFlowsEngine, flowsStage, FlowsEnvironment } from './lib/flows-stage';
import { PROJECT_ROOT } from './tools';
import { platformBuilder } from '../src';
import { synthesize } from '../src/synth/synthesize';
import { loadEnvironments, loadPlatform } from '../charts/load';

/**
 * The `flows` stage over the environment folders among `folders` (`dist/<env>`, not the Flux
 * folders): each environment synthesized in memory for its declarations, its objects read from
 * the folder.
 */
async function flowsFindings(folders: readonly string[], log: (line: string) => void): Promise<{ findings: Finding[]; seconds: number }> {
  const start = Date.now();
  const configs = loadEnvironments();
  const chosen = folders.filter(f => configs.some(c => c.name === path.basename(f)) && path.basename(path.dirname(f)) !== 'flux');
  if (chosen.length === 0) return { findings: [], seconds: 0 };
  const engine = findFlowsEngine();
  if (!engine.path) return { findings: [{ stage: 'flows', folder: '-', level: 'error', message: `not run: ${engine.problem}` }], seconds: 0 };
  const names = chosen.map(f => path.basename(f));
  let results;
  try {
    results = synthesize(
      configs.filter(c => names.includes(c.name)),
      platformBuilder(loadPlatform()),
      { meshReport: false },
    );
  } catch (e) {
    return {
      findings: [{ stage: 'flows', folder: '-', level: 'error', message: `not run: the environments do not synthesize: ${(e as Error).message}` }],
      seconds: 0,
    };
  }
  const environments: FlowsEnvironment[] = chosen.map(folder => {
    const r = results.find(x => x.env.name === path.basename(folder))!;
    return { name: r.env.name, objects: readFolder(folder).objects.map(o => o.object), intent: r.flows() };
  });
  const report = await flowsStage({ engine: engine.path, environments, recordedDir: path.join(PROJECT_ROOT, 'flows'), recordedDisplay: 'flows' });
  for (const [env, s] of Object.entries(report.seconds))
    log(`flows ${env}: ${environments.find(e => e.name === env)!.intent.input.flows.length} flows decided in ${s}s`);
  return { findings: report.findings, seconds: Math.round((Date.now() - start) / 100) / 10 };
}

/**
 * Folders to verify under `dist`: every environment folder holding a kustomization.yaml
 * (`dist/<env>` and `dist/flux/<env>`), keyed by their environment (the folder name). The stage
 * folders inside `dist/<env>` (control-plane, config, namespaces*), one per Flux Kustomization, are
 * verified with it: their objects together, and `kustomize build` of each on its own.
 */
function appliedFolders(dist: string): Array<{ env: string; folder: string }> {
  if (!fs.existsSync(dist)) return [];
  return fs
    .readdirSync(dist, { withFileTypes: true })
    .filter(e => e.isDirectory())
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap(e => {
      const folder = path.join(dist, e.name);
      return fs.existsSync(path.join(folder, 'kustomization.yaml')) ? [{ env: e.name, folder }] : appliedFolders(folder);
    });
}

/** Folders to verify: the named ones, else the applied folders of the named or all environments. */
function chooseFolders(args: string[], envs: string[] | undefined, dist: string): { folders: string[]; problems: string[] } {
  if (args.length > 0) {
    const folders = args.map(a => path.resolve(a));
    return { folders, problems: folders.filter(f => !fs.existsSync(f) || !fs.statSync(f).isDirectory()).map(f => `${f} is not a folder`) };
  }
  const all = appliedFolders(dist);
  const known = [...new Set(all.map(a => a.env))];
  const chosen = all.filter(a => !envs || envs.includes(a.env));
  const unknown = (envs ?? []).filter(e => !known.includes(e));
  const problems = unknown.map(e => `no folder ${path.join(dist, e)}; known: ${known.join(', ')}`);
  if (chosen.length === 0 && problems.length === 0) problems.push(`no environment folders in ${dist}. fix: run \`npm run synth\` first`);
  return { folders: chosen.map(a => a.folder), problems };
}

async function main(): Promise<number> {
  const program = new Command('verify')
    .description('verify generated YAML with a real kube-apiserver, istioctl, kubeconform and kustomize')
    .argument('[folders...]', 'folders to verify (default: every dist/<env>)')
    .option('--env <names...>', 'verify only these environments of dist/')
    .option('--dist <dir>', 'folder of environment folders', 'dist')
    .option('--accepted <file>', 'accepted findings', 'verify/accepted-findings.yaml')
    .option('--no-build', 'fail instead of building missing tools')
    .option('--no-flows', 'skip the flows stage')
    .parse();
  const opts = program.opts<{ env?: string[]; dist: string; accepted: string; build: boolean; flows: boolean }>();
  const { folders, problems } = chooseFolders(program.args, opts.env, path.resolve(PROJECT_ROOT, opts.dist));
  if (problems.length > 0) {
    console.error(`verify: ${problems.join('\n  ')}`);
    return 2;
  }
  const start = Date.now();
  console.log(`verify ${folders.map(f => displayPath(f, PROJECT_ROOT)).join(' ')} with ${toolVersions().join(', ')}`);
  const report = await runVerify({ folders, root: PROJECT_ROOT, acceptedFile: path.resolve(PROJECT_ROOT, opts.accepted), buildTools: opts.build });
  if (opts.flows) {
    // A flow decided against its declaration is never an accepted finding.
    const flows = await flowsFindings(folders, console.log);
    report.failures.push(...flows.findings);
    report.seconds.flows = flows.seconds;
  }
  for (const f of report.infos) console.log(`info ${formatFinding(f)}`);
  for (const { finding, acceptance } of report.accepted) console.log(`accepted ${formatFinding(finding)}\n    reason: ${acceptance.reason}`);
  for (const a of report.unusedAcceptances)
    console.log(`note: accepted finding matched nothing (remove it?): ${a.stage} ${a.code ?? ''} ${a.object}`);
  const timing = Object.entries(report.seconds)
    .map(([k, v]) => `${k} ${v}s`)
    .join(', ');
  const total = Math.round((Date.now() - start) / 1000);
  if (report.failures.length > 0) {
    console.error(
      `verify failed with ${report.failures.length} problem${report.failures.length === 1 ? '' : 's'}:\n  ${report.failures.map(formatFinding).join('\n  ')}`,
    );
    console.error(`(${total}s: ${timing})`);
    return 1;
  }
  console.log(
    `verify passed: ${folders.length} folder${folders.length === 1 ? '' : 's'}, ${report.accepted.length} accepted finding${report.accepted.length === 1 ? '' : 's'} (${total}s: ${timing})`,
  );
  return 0;
}

main().then(
  code => {
    process.exitCode = code;
  },
  (e: Error) => {
    console.error(`verify: ${e.stack ?? e.message}`);
    process.exitCode = 1;
  },
);
