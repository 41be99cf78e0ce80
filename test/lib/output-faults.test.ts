/**
 * The output folder under faults: a synth killed at any file operation, or failing a write, leaves
 * the old tree or the new one (after the next run: the new one), and nothing beside it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../charts/environments';
import { buildFlux, buildPlatform } from '../../charts/platform';
import { runSynth, writeOutput } from '../../src';
import { SynthesizedEnvironment } from '../../src/synth/types';
import { ROOT } from '../util';

const FAULT = 'EKS_MESH_WRITE_FAULT';

/** Every file under `dir` with its bytes, keyed by relative path (folders as `name/`). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.set(`${r}/`, '');
        walk(path.join(d, e.name), r);
      } else {
        out.set(r, fs.readFileSync(path.join(d, e.name)).toString('base64'));
      }
    }
  };
  walk(dir, '');
  return out;
}

/** An old tree that differs from what synth writes: edited, stale and foreign files. */
function makeOldTree(dist: string): void {
  fs.cpSync(path.join(ROOT, 'dist'), dist, { recursive: true });
  for (const dir of [path.join(dist, 'lab'), path.join(dist, 'flux', 'lab')]) {
    for (const f of fs.readdirSync(dir).filter(n => fs.statSync(path.join(dir, n)).isFile())) fs.appendFileSync(path.join(dir, f), '\n# old\n');
  }
  fs.writeFileSync(path.join(dist, 'lab', '99-stale.yaml'), 'stale: true\n');
  fs.writeFileSync(path.join(dist, 'NOTES.txt'), 'kept by every run\n');
}

/** `npm run synth -- --env lab` into `outdir`, with the fault variable set. */
function synthChild(outdir: string, fault: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'charts', 'main.ts'), '--outdir', outdir, '--env', 'lab', '--no-schema-check'], {
      cwd: ROOT,
      env: { ...process.env, [FAULT]: fault },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** The next synth, in process, as `npm run synth -- --env lab` would run it. */
function nextSynth(outdir: string, lines: string[] = []): number {
  return runSynth({
    environments: ENVIRONMENTS,
    build: buildPlatform,
    secondary: { build: buildFlux, folder: 'flux' },
    outdir,
    only: ['lab'],
    decisionsDir: path.join(ROOT, 'flows'),
    log: l => lines.push(l),
    error: l => lines.push(l),
  });
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

describe('synth killed with SIGKILL at every file operation of the write', () => {
  let work: string;
  let oldTree: Map<string, string>;
  let newTree: Map<string, string>;
  let operations: number;
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-kill-'));
    makeOldTree(path.join(work, 'base', 'dist'));
    oldTree = snapshot(path.join(work, 'base', 'dist'));
    // GIVEN the tree a run without faults writes over the old one, and how many operations it takes
    fs.cpSync(path.join(work, 'base'), path.join(work, 'ref'), { recursive: true });
    const ref = await synthChild(path.join(work, 'ref', 'dist'), 'count');
    expect(ref.code, ref.stderr).toBe(0);
    operations = Number(/write operations: (\d+)/.exec(ref.stderr)?.[1]);
    newTree = snapshot(path.join(work, 'ref', 'dist'));
  }, 60_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('leaves the old tree or the new one, and the next synth leaves only the new one', async () => {
    expect(operations).toBeGreaterThan(15);
    expect(newTree).not.toEqual(oldTree);
    expect(newTree.get('NOTES.txt')).toBe(oldTree.get('NOTES.txt'));
    expect(newTree.has('lab/99-stale.yaml')).toBe(false);
    const seen = new Set<string>();
    const points = Array.from({ length: operations }, (_, i) => i + 1);
    await inBatches(points, 3, async n => {
      const parent = path.join(work, `kill-${n}`);
      fs.cpSync(path.join(work, 'base'), parent, { recursive: true });
      const dist = path.join(parent, 'dist');
      // WHEN the synth is killed before its n-th file operation
      const run = await synthChild(dist, `kill@${n}`);
      expect(run.signal, `kill@${n}: ${run.stderr}`).toBe('SIGKILL');
      // THEN dist/ is the old tree or the new one, or (between the two renames) absent with a journal
      const side = fs.readdirSync(parent).filter(f => f !== 'dist');
      if (!fs.existsSync(dist)) {
        expect(side, `kill@${n}`).toContain('.dist-journal');
        seen.add('absent');
      } else {
        const now = snapshot(dist);
        const state = JSON.stringify([...now]) === JSON.stringify([...oldTree]) ? 'old' : JSON.stringify([...now]) === JSON.stringify([...newTree]) ? 'new' : 'mixed';
        expect(state, `kill@${n}`).not.toBe('mixed');
        seen.add(state);
      }
      // AND the next synth finishes or undoes the switch and leaves nothing beside dist/
      const lines: string[] = [];
      expect(nextSynth(dist, lines), lines.join('\n')).toBe(0);
      expect(fs.readdirSync(parent), `kill@${n}`).toEqual(['dist']);
      expect(snapshot(dist), `kill@${n}`).toEqual(newTree);
      fs.rmSync(parent, { recursive: true, force: true });
    });
    // Every phase was hit: before the switch, between the renames, after it.
    expect([...seen].sort()).toEqual(['absent', 'new', 'old']);
  }, 300_000);
});

describe('synth failing a write', () => {
  let work: string;
  afterEach(() => {
    delete process.env[FAULT];
    fs.rmSync(work, { recursive: true, force: true });
  });

  const envs: SynthesizedEnvironment[] = [
    { env: { name: 'lab' }, files: [{ name: 'kustomization.yaml', content: 'resources: [a.yaml]\n' }, { name: 'a.yaml', content: 'new: true\n' }] } as unknown as SynthesizedEnvironment,
  ];

  it.each(['ENOSPC', 'EACCES'])('%s at any operation before the switch names the path and leaves dist/ unchanged', code => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-enospc-'));
    const dist = path.join(work, 'dist');
    fs.mkdirSync(path.join(dist, 'lab'), { recursive: true });
    fs.writeFileSync(path.join(dist, 'lab', 'a.yaml'), 'old: true\n');
    const before = snapshot(dist);
    const messages = new Set<string>();
    for (let n = 1; ; n++) {
      process.env[FAULT] = `${code}@${n}`;
      let message: string | undefined;
      try {
        writeOutput(dist, [{ folder: '', envs }, { folder: 'flux', envs }]);
      } catch (e) {
        message = (e as Error).message;
      }
      delete process.env[FAULT];
      if (message === undefined) {
        // past the last operation that can fail: the write went through
        expect(n).toBeGreaterThan(8);
        break;
      }
      const unchanged = snapshot(dist);
      if (JSON.stringify([...unchanged]) !== JSON.stringify([...before])) {
        // only a failure after the switch (removing the old tree) may leave the new tree
        throw new Error(`${code}@${n}: dist/ changed: ${message}`);
      }
      expect(message).toMatch(new RegExp(`^cannot write \\S+: .* \\(${code}\\); \\S*dist/ is unchanged\\. fix: `));
      expect(fs.readdirSync(work)).toEqual(['dist']);
      messages.add(message.split(':')[0]);
    }
    // the message names the file that failed, e.g. the staged a.yaml
    expect([...messages].some(m => m.includes('.dist-staging-') && m.endsWith('a.yaml'))).toBe(true);
  });

  it('runSynth reports the failed path with exit code 1 and writes nothing', () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-enospc-'));
    const dist = path.join(work, 'dist');
    expect(nextSynth(dist)).toBe(0);
    const before = snapshot(dist);
    process.env[FAULT] = 'ENOSPC@12';
    const lines: string[] = [];
    expect(nextSynth(dist, lines)).toBe(1);
    expect(lines.join('\n')).toMatch(/cannot write \S+\.dist-staging-\d+\/\S+: no space left on device \(ENOSPC\); \S*dist\/ is unchanged\. fix: free space/);
    expect(snapshot(dist)).toEqual(before);
    expect(fs.readdirSync(work)).toEqual(['dist']);
  });

  it('removes staging folders of dead runs and finishes a journal left by a killed run', () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-recover-'));
    const dist = path.join(work, 'dist');
    // GIVEN a run that died after renaming dist/ away (journal written), and one that died while staging
    fs.mkdirSync(path.join(work, '.dist-staging-999999', 'lab'), { recursive: true });
    fs.writeFileSync(path.join(work, '.dist-staging-999999', 'lab', 'a.yaml'), 'new: true\n');
    fs.mkdirSync(path.join(work, '.dist-old-999999', 'lab'), { recursive: true });
    fs.writeFileSync(path.join(work, '.dist-old-999999', 'lab', 'a.yaml'), 'old: true\n');
    fs.writeFileSync(path.join(work, '.dist-journal'), JSON.stringify({ staged: '.dist-staging-999999', old: '.dist-old-999999' }));
    fs.mkdirSync(path.join(work, '.dist-staging-999998', 'lab'), { recursive: true });
    // WHEN the next synth starts
    const lines: string[] = [];
    expect(nextSynth(dist, lines)).toBe(0);
    // THEN nothing is left beside dist/ and the log says what was done
    expect(fs.readdirSync(work)).toEqual(['dist']);
    expect(lines.join('\n')).toContain('completed an interrupted write of');
    expect(lines.join('\n')).toMatch(/removed \S+\.dist-staging-999998, left by an interrupted write/);
  });
});
