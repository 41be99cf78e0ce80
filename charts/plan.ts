/**
 * `npm run plan [-- --out plan.md]`: the migration plan of every namespace in every environment.
 */
import { Command } from 'commander';
import { planPlatform } from '../src';
import { loadPlatform } from './load';

const opts = new Command('plan')
  .description('print the migration plan (Markdown): namespaces x environments, next safe steps, what blocks STRICT')
  .option('--out <file>', 'write the Markdown to a file')
  .parse()
  .opts<{ out?: string }>();

process.exitCode = planPlatform(loadPlatform(), { outFile: opts.out });
