/**
 * `npm run diff -- --base <git ref> [--format markdown|text] [--fail-on <classes...>]`: compare
 * what the working tree synthesizes with what a git ref synthesizes, security-relevant changes first.
 */
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { DiffFormat, RiskClass, runDiff } from '../src';

const opts = new Command('diff')
  .description('semantic diff of the synthesized environments against a git ref')
  .option('--base <ref>', 'git ref to compare against (synthesized in a temporary worktree)')
  .option('--base-dir <dir>', 'or: a synthesized folder to compare against')
  .option('--head-dir <dir>', 'a synthesized folder to compare (default: the working tree)')
  .addOption(new Option('--format <format>', 'output format').choices(Object.values(DiffFormat)).default(DiffFormat.MARKDOWN))
  .addOption(
    new Option('--fail-on <classes...>', 'exit 1 when a change of these classes is found ("all" for every class)').choices([
      ...Object.values(RiskClass),
      'all',
    ]),
  )
  .parse()
  .opts<{ base?: string; baseDir?: string; headDir?: string; format: DiffFormat; failOn?: string[] }>();

const failOn = opts.failOn?.includes('all') ? Object.values(RiskClass) : (opts.failOn as RiskClass[] | undefined);
process.exitCode = runDiff({
  root: path.resolve(__dirname, '..'),
  entryPoint: 'charts/main.ts',
  base: opts.base,
  baseDir: opts.baseDir,
  headDir: opts.headDir,
  format: opts.format,
  failOn,
});
