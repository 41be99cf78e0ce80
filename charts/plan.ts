/**
 * `npm run plan [-- --out plan.md]`: the migration plan of every namespace in every environment.
 */
import { Command } from 'commander';
import { runPlan } from '../src';
import { loadEnvironments, loadPlatform } from './load';

const opts = new Command('plan')
  .description('print the migration plan (Markdown): namespaces x environments, next safe steps, what blocks STRICT')
  .option('--out <file>', 'write the Markdown to a file')
  .parse()
  .opts<{ out?: string }>();

process.exitCode = runPlan({ environments: loadEnvironments(), build: loadPlatform().buildPlatform, outFile: opts.out, configSource: name => `charts/environments/${name}.ts` });
