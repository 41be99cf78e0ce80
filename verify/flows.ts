/**
 * `npm run flows -- --env <env> [--from ns/sa] [--to ns/service:port] [--path /x] [--jwt] [--record]`:
 * the environment's flows decided by the flows engine (verify/flows): a table of every flow, or the
 * trace of the flows the filters select. `--record` writes flows/<env>.json, which MESH.md is drawn from.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { platformBuilder } from '../src';
import { runFlows } from '../src/cli/flows-command';
import { findFlowsEngine } from './lib/flows-stage';
import { loadPlatform, ROOT } from '../charts/load';

const opts = new Command('flows')
  .description("decide an environment's flows with the flows engine and print them")
  .requiredOption('--env <name>', 'the environment')
  .option('--from <ns/sa>', 'only flows from this workload identity (or alb: requests from the internet)')
  .option('--to <ns/service[:port]>', 'only flows to this Service (port optional), pod or external host')
  .option('--path <path>', 'only HTTP flows with this path or below it')
  .option('--jwt', 'only flows that carry a valid token')
  .option('--record', 'write flows/<env>.json (MESH.md is drawn from it)')
  .parse()
  .opts<{ env: string; from?: string; to?: string; path?: string; jwt?: boolean; record?: boolean }>();

const platform = loadPlatform();
runFlows({
  environments: platform.environments,
  build: platformBuilder(platform),
  env: opts.env,
  engine: findFlowsEngine(),
  from: opts.from,
  to: opts.to,
  path: opts.path,
  jwt: opts.jwt,
  record: opts.record,
  decisionsDir: path.join(ROOT, 'flows'),
}).then(
  code => {
    process.exitCode = code;
  },
  (e: Error) => {
    console.error(`flows: ${e.message}`);
    process.exitCode = 1;
  },
);
