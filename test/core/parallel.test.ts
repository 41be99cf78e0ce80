import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../util';

const PROGRAM = path.join(ROOT, 'test', 'fixtures', 'parallel', 'units.ts');

interface Mapped {
  readonly results: readonly { key: string; worker: boolean }[];
  readonly elsewhere: number;
}

function run(mode: string): { out: Mapped; ms: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'units-'));
  const t0 = Date.now();
  const stdout = execFileSync(process.execPath, ['--require', 'tsx/cjs', PROGRAM, mode, dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { out: JSON.parse(stdout) as Mapped, ms: Date.now() - t0 };
}

const KEYS = ['a', 'b', 'c', 'd', 'e'];

describe('mapUnits shares units among threads that run the program again', () => {
  it('gives every unit once, in the order of the keys, some of them done by workers', () => {
    const { out } = run('ok');
    expect(out.results.map(r => r.key)).toEqual(KEYS);
    const byWorkers = out.results.filter(r => r.worker).length;
    expect(byWorkers).toBeGreaterThan(0);
    expect(out.elsewhere).toBe(byWorkers);
  });

  it('does every unit on the main thread when no launcher said how to start the program again', () => {
    const { out } = run('alone');
    expect(out.results.map(r => r.key)).toEqual(KEYS);
    expect(out.results.every(r => !r.worker)).toBe(true);
    expect(out.elsewhere).toBe(0);
  });

  it.each(['throw', 'exit'])('does again on the main thread what a worker could not finish (%s)', mode => {
    const { out } = run(mode);
    expect(out.results.map(r => r.key)).toEqual(KEYS);
    expect(out.results.every(r => !r.worker)).toBe(true);
    expect(out.elsewhere).toBe(0);
  });

  it('gives up a worker that shows no progress, and does its unit on the main thread', () => {
    const { out, ms } = run('hang');
    expect(out.results.map(r => r.key)).toEqual(KEYS);
    expect(out.results.every(r => !r.worker)).toBe(true);
    // The hanging unit sleeps 60 s; the stall limit is 1 s.
    expect(ms).toBeLessThan(30_000);
  });

  it('leaves every unit to the main thread when a worker computes other keys', () => {
    const { out } = run('keys');
    expect(out.results.map(r => r.key)).toEqual(KEYS);
    expect(out.results.every(r => !r.worker)).toBe(true);
  });
});
