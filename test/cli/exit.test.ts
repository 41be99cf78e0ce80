/**
 * `exitWhenWritten`: the commands end their process as soon as their output is written, without
 * losing any of it, and a worker thread is left to end as it would.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../util';

const ENTRY = path.join(ROOT, 'test', 'fixtures', 'exit', 'entry.ts');

function run(...args: string[]) {
  return spawnSync(process.execPath, ['--require', 'tsx/cjs', ENTRY, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

describe('exitWhenWritten', () => {
  it('exits with the code once stdout and stderr have written everything, without waiting for timers', () => {
    const bytes = 40_000 * 100;
    const r = run('main', String(bytes));
    expect(r.status).toBe(3);
    expect(r.stdout.length).toBe(bytes);
    expect(r.stdout.split('\n').filter(l => l !== 'x'.repeat(99) && l !== '')).toEqual([]);
    expect(r.stderr).toBe('to stderr\n');
  });

  it('in a worker thread only sets the exit code', () => {
    const r = run('worker');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('heard after\nworker exited 5\n');
  });
});
