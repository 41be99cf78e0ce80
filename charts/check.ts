/**
 * `npm run check -- <dirs or files> [--env <name>] [--format text|json|github]`: run the mesh
 * rules over any YAML, for example `dist/prod` or hand-written manifests in the same repository.
 */
import { Command, Option } from 'commander';
import { ReportFormat, rulesTable, runCheck } from '../src';
import * as path from 'node:path';
import { loadEnvironments } from './load';

const program = new Command('check')
  .description('run the mesh rules over YAML files or folders; exits 1 on errors')
  .argument('[paths...]', 'files or folders (recursively, .yaml/.yml)')
  .option('--env <name>', "check every path as this environment (default: from the folder of this project's dist/, such as dist/prod)")
  .addOption(new Option('--format <format>', 'report format').choices(Object.values(ReportFormat)).default(ReportFormat.TEXT))
  .option('--list-rules', 'print the rule catalog as a Markdown table')
  .parse();
const opts = program.opts<{ env?: string; format: ReportFormat; listRules?: boolean }>();

if (opts.listRules) {
  console.log(rulesTable());
} else {
  try {
    process.exitCode = runCheck({
      paths: program.args,
      environments: loadEnvironments(),
      distDir: path.join(__dirname, '..', 'dist'),
      env: opts.env,
      format: opts.format,
    });
  } catch (e) {
    // runCheck turns what it reads into findings; anything else is a message, not a stack trace.
    console.error(`check could not run: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}
