/**
 * Run a tool and collect its output.
 */
import { spawn } from 'node:child_process';
import { dieWithParent } from './supervise';

/** What a finished tool run gave. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the process could not be started or was killed. */
  readonly error?: string;
}

/**
 * Run `bin args` without a shell, stdin closed; never throws. The tool gets SIGKILL when this
 * process dies (see supervise.ts).
 *
 * @param timeoutMs killed after this long (the result says so)
 */
export function run(bin: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return new Promise(resolve => {
    const command = dieWithParent(bin, args);
    const child = spawn(command.command, command.args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let killed: string | undefined;
    const timer = setTimeout(() => {
      killed = `killed after ${(options.timeoutMs ?? 300_000) / 1000}s`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 300_000);
    child.on('error', e => {
      clearTimeout(timer);
      resolve({ code: -1, stdout: '', stderr: '', error: `cannot run ${bin}: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        error: killed ?? (signal ? `killed by ${signal}` : undefined),
      });
    });
  });
}

/** The last lines of a tool's output, indented for a message. */
export function outputTail(r: ExecResult, lines = 20): string {
  return `${r.stdout}${r.stderr}`.trim().split('\n').slice(-lines).join('\n    ');
}
