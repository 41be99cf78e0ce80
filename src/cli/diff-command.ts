/**
 * `npm run diff -- --base <git ref>`: what a change does to every environment, security first.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { classify, RiskClass } from '../diff/classify';
import { DiffFormat, renderDiff } from '../diff/render';
import { classifyMigrationSteps } from '../diff/migration-steps';
import { diffTrees, readTree } from '../diff/semantic-diff';

/** The command-line options of a diff (`npm run diff` and `eks-istio-mesh diff`), as commander parses them. */
export interface DiffCommandOptions {
  readonly base?: string;
  readonly baseDir?: string;
  readonly headDir?: string;
  readonly format: DiffFormat;
  readonly failOn?: string[];
}

/** Add the options of a diff to a command: what to compare, the format, the classes that fail it. */
export function withDiffOptions(command: Command): Command {
  return command
    .option('--base <ref>', 'git ref to compare against (synthesized in a temporary worktree)')
    .option('--base-dir <dir>', 'or: a synthesized folder to compare against')
    .option('--head-dir <dir>', 'a synthesized folder to compare (default: the working tree)')
    .addOption(new Option('--format <format>', 'output format').choices(Object.values(DiffFormat)).default(DiffFormat.MARKDOWN))
    .addOption(
      new Option('--fail-on <classes...>', 'exit 1 when a change of these classes is found ("all" for every class)').choices([
        ...Object.values(RiskClass),
        'all',
      ]),
    );
}

/** The risk classes `--fail-on` names, "all" standing for every class. */
export function failOnClasses(failOn: readonly string[] | undefined): RiskClass[] | undefined {
  return failOn?.includes('all') ? Object.values(RiskClass) : (failOn as RiskClass[] | undefined);
}

/** Options of {@link runDiff}. */
export interface RunDiffOptions {
  /** The repository root. */
  readonly root: string;
  /**
   * The synth entry point, relative to `root` (and to the base's worktree): run with tsx as
   * `<entryPoint> --outdir <dir> --no-schema-check`. Needed unless both `baseDir` and `headDir` are given.
   *
   * @default - none
   */
  readonly entryPoint?: string;
  /** Git ref to compare against: synthesized in a temporary worktree. */
  readonly base?: string;
  /** Or: an already synthesized folder (`<dir>/<env>/*.yaml`) to compare against. */
  readonly baseDir?: string;
  /**
   * The synthesized folder to compare.
   *
   * @default - the working tree, synthesized into a temporary folder
   */
  readonly headDir?: string;
  /** @default DiffFormat.MARKDOWN */
  readonly format?: DiffFormat;
  /**
   * Risk classes that make the command exit 1.
   *
   * @default - none: the diff is informative
   */
  readonly failOn?: readonly RiskClass[];
  /** @default console.log */
  readonly out?: (text: string) => void;
  /**
   * Synthesize the platform of the checkout in `cwd` into `outdir` (throws when it cannot).
   *
   * @default - run `entryPoint` with tsx in `cwd`
   */
  readonly synthesize?: (cwd: string, outdir: string) => void;
}

function synthesizeInto(cwd: string, entryPoint: string, outdir: string): void {
  const env = { ...process.env };
  delete env.CDK8S_OUTDIR;
  execFileSync(path.join(cwd, 'node_modules', '.bin', 'tsx'), [entryPoint, '--outdir', outdir, '--no-schema-check'], {
    cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** Synthesize a git ref in a temporary worktree (sharing this checkout's node_modules). */
function synthesizeRef(root: string, ref: string, outdir: string, synthesize: (cwd: string, outdir: string) => void): void {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-diff-base-'));
  execFileSync('git', ['worktree', 'add', '--detach', '--force', tree, ref], { cwd: root, stdio: 'pipe' });
  try {
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(tree, 'node_modules'), 'dir');
    synthesize(tree, outdir);
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: root, stdio: 'pipe' });
  }
}

/**
 * Compare two syntheses and print the result.
 *
 * @returns 0, or 1 when a change of a `failOn` class was found, or 2 when a side could not be synthesized
 */
export function runDiff(options: RunDiffOptions): number {
  const out = options.out ?? console.log;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-diff-'));
  try {
    let baseDir = options.baseDir;
    let headDir = options.headDir;
    try {
      const entryPoint = options.entryPoint;
      const synthesize = options.synthesize ?? (entryPoint ? (cwd: string, outdir: string) => synthesizeInto(cwd, entryPoint, outdir) : undefined);
      if ((!baseDir || !headDir) && !synthesize)
        throw new Error('give the synth entry point (entryPoint) or a synthesize function to synthesize a side');
      if (!baseDir) {
        if (!options.base) throw new Error('give --base <git ref> or --base-dir <folder>');
        baseDir = path.join(work, 'base');
        synthesizeRef(options.root, options.base, baseDir, synthesize!);
      }
      if (!headDir) {
        headDir = path.join(work, 'head');
        synthesize!(options.root, headDir);
      }
    } catch (e) {
      const err = e as Error & { stderr?: Buffer };
      out(`diff: could not synthesize: ${err.stderr?.toString().trim() || err.message}`);
      return 2;
    }
    const before = readTree(baseDir);
    const after = readTree(headDir);
    const diffs = diffTrees(before, after);
    // The migration gate between the two sides: the base's namespace states are the committed ones.
    const risks = [...diffs.flatMap(classify), ...classifyMigrationSteps(before, after)];
    const title = `${options.base ?? options.baseDir} -> ${options.headDir ?? 'working tree'}`;
    out(renderDiff(diffs, risks, title, options.format ?? DiffFormat.MARKDOWN));
    const failing = risks.filter(r => options.failOn?.includes(r.riskClass));
    return failing.length > 0 ? 1 : 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
