import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLoadError, locateLoadError } from '../../src/cli/load-errors';
import { ROOT } from '../util';

/** How an entry point runs: through tsx, or bundled by scripts/run.js (what the npm scripts use). */
type Runner = 'tsx' | 'bundle';

function runnerArgs(runner: Runner, entry: string): string[] {
  return runner === 'tsx' ? ['--require', 'tsx/cjs', entry] : [path.join(ROOT, 'scripts', 'run.js'), entry];
}

/** Load `config` (a file written to a temp folder) the way charts/main.ts loads the environments. */
function loadInChild(config: string, runner: Runner): { status: number; stderr: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'load-errors-'));
  fs.writeFileSync(path.join(dir, 'env.ts'), config);
  fs.writeFileSync(
    path.join(dir, 'entry.ts'),
    [
      `import { loadOrExit } from ${JSON.stringify(path.join(ROOT, 'src/cli/load-errors'))};`,
      `loadOrExit(() => require('./env'), ${JSON.stringify(dir)}, 'the environment configs');`,
      `console.log('loaded');`,
    ].join('\n'),
  );
  try {
    execFileSync(process.execPath, runnerArgs(runner, path.join(dir, 'entry.ts')), {
      cwd: ROOT,
      stdio: 'pipe',
      encoding: 'utf8',
      env: { ...process.env, EKS_MESH_RUN_CACHE: path.join(dir, 'run-cache') },
    });
    return { status: 0, stderr: '', dir };
  } catch (e) {
    const err = e as { status: number; stderr: string };
    return { status: err.status, stderr: err.stderr, dir };
  }
}

describe.each<Runner>(['tsx', 'bundle'])('a configuration module that cannot load (run through %s)', runner => {
  it('with merge-conflict markers: one line with file:line and the fix, no stack trace or loader source', () => {
    const { status, stderr } = loadInChild(
      'export const a = 1;\n<<<<<<< HEAD\nexport const b = 1;\n=======\nexport const b = 2;\n>>>>>>> other\n',
      runner,
    );
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'cannot load the environment configs: env.ts:2:1: Unexpected "<<". fix: resolve the merge conflict (remove the <<<<<<<, ======= and >>>>>>> lines)',
    ]);
  });

  it('that throws while loading: the line of the user file that threw', () => {
    const { status, stderr } = loadInChild(
      "export const name = 'prod';\nexport const region = (process.env.EKS_MESH_NO_SUCH_VARIABLE as string).toLowerCase();\n",
      runner,
    );
    expect(status).toBe(1);
    expect(stderr.trim()).toMatch(
      /^cannot load the environment configs: env\.ts:2:\d+: TypeError: Cannot read properties of undefined \(reading 'toLowerCase'\)\. fix: fix env\.ts at line 2$/,
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('loads a good module and goes on', () => {
    expect(loadInChild('export const ok = true;\n', runner).status).toBe(0);
  });
});

describe('load errors without a child process', () => {
  it('falls back to the message alone when no frame is in the project', () => {
    const e = new Error('boom');
    e.stack = 'Error: boom\n    at Object.<anonymous> (/elsewhere/node_modules/x/index.js:1:1)';
    expect(locateLoadError(e, '/work/project')).toEqual({ message: 'boom' });
    expect(formatLoadError('not an error', '/work/project')).toBe('cannot load the configuration: not an error. fix: fix the module named above');
  });
});
