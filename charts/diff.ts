/**
 * `npm run diff -- --base <git ref> [--format markdown|text] [--fail-on <classes...>]`: compare
 * what the working tree synthesizes with what a git ref synthesizes, security-relevant changes first.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { DiffCommandOptions, failOnClasses, runDiff, withDiffOptions } from '../src';

const opts = withDiffOptions(new Command('diff').description('semantic diff of the synthesized environments against a git ref'))
  .parse()
  .opts<DiffCommandOptions>();

process.exitCode = runDiff({
  root: path.resolve(__dirname, '..'),
  entryPoint: 'charts/main.ts',
  base: opts.base,
  baseDir: opts.baseDir,
  headDir: opts.headDir,
  format: opts.format,
  failOn: failOnClasses(opts.failOn),
});
