/**
 * The synth with its environments shared among threads (`runSynth` `threads`, EKS_MESH_SYNTH_THREADS)
 * writes and says exactly what it does on one thread.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvironmentConfig, synthThreads, threadsFromNamespaces } from '../../src';
import { defaultThreads } from '../../src/core/parallel';
import { ROOT } from '../util';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});
function scratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-threads-'));
  dirs.push(dir);
  return dir;
}

function run(
  args: readonly string[],
  threads: number,
  cwd = ROOT,
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, EKS_MESH_SYNTH_THREADS: String(threads), EKS_MESH_SYNTH_WORKERS_FIRST: '1', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under a folder, by path, with its content. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (f.isFile()) out[path.relative(dir, path.join(f.parentPath, f.name))] = fs.readFileSync(path.join(f.parentPath, f.name), 'utf8');
  }
  return out;
}

/** An environment config of a platform module, as JavaScript source. */
const env = (name: string, team = 'shop', region = 'eu-west-1') =>
  `{ name: '${name}', clusterName: 'mesh-${name}', awsRegion: '${region}', domains: ['${name}.example.com'], alb: { scheme: 'internal', sourceCidrs: ['10.0.0.0/24'], certificateArns: ['arn:aws:acm:eu-west-1:111122223333:certificate/0b7d8e52-3c41-4a9e-9f1d-6a2b5c8e7f10'] }, namespaces: { ${team}: {} } }`;

/** `eks-istio-mesh synth` of the package's bin, with the platform module `platform.js` of the folder it runs in. */
const BIN = [
  '--require',
  require.resolve('tsx/cjs', { paths: [ROOT] }),
  path.join(ROOT, 'src', 'cli', 'bin.ts'),
  'synth',
  '--app',
  'platform.js',
  '--outdir',
  'out',
];

describe('synth on several threads', () => {
  it('writes the same files and the same warnings as on one thread, with environments done by other threads', () => {
    const dir = scratch();
    const synth = (threads: number) =>
      run([path.join(ROOT, 'scripts', 'run.js'), 'charts/main.ts', '--outdir', path.join(dir, String(threads)), '--committed-dir', 'dist'], threads);
    const one = synth(1);
    const two = synth(2);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(one.stdout).toMatch(/^synthesized 5 environments \(\d+ files\)/m);
    expect(two.stdout).toMatch(/^synthesized 5 environments, [1-4] of them in other threads \(\d+ files\)/m);
    expect(two.stderr).toBe(one.stderr);
    expect(one.stderr).toContain('warning [staging]');
    const files = tree(path.join(dir, '1'));
    expect(Object.keys(files).length).toBeGreaterThan(50);
    expect(tree(path.join(dir, '2'))).toEqual(files);
    expect(tree(path.join(dir, '1'))).toEqual(tree(path.join(ROOT, 'dist')));
  });

  it('writes the same files to the folder of the cdk8s CLI (CDK8S_OUTDIR) as to the output folder', () => {
    const dir = scratch();
    const mirror = path.join(dir, 'cdk8s.out');
    const r = run([path.join(ROOT, 'scripts', 'run.js'), 'charts/main.ts', '--outdir', path.join(dir, 'out'), '--committed-dir', 'dist'], 2, ROOT, {
      CDK8S_OUTDIR: mirror,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/of them in other threads/);
    expect(tree(mirror)).toEqual(tree(path.join(dir, 'out')));
    expect(tree(mirror)).toEqual(tree(path.join(ROOT, 'dist')));
  });

  it('reports the same problems in the same order, and writes nothing', () => {
    const dir = scratch();
    // dev's config is refused before any thread starts; the other environments fail while building.
    fs.writeFileSync(
      path.join(dir, 'platform.js'),
      `class Shop {}\nexports.teams = { shop: Shop };\nexports.environments = [${env('dev', 'shop', 'mars-1')}, ${env('staging')}, ${env('preprod')}, ${env('prod')}];\n`,
    );
    const one = run(BIN, 1, dir);
    const two = run(BIN, 2, dir);
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(two.stderr).toBe(one.stderr);
    const lines = one.stderr.split('\n').filter(l => l.startsWith('  ['));
    expect(lines.map(l => l.slice(0, l.indexOf(']') + 1))).toEqual(['  [dev]', '  [staging]', '  [preprod]', '  [prod]']);
    expect(lines[0]).toContain('awsRegion');
    expect(lines[1]).toContain('building the environment threw');
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });

  it('reports two environments of one name as on one thread, without writing either', () => {
    const dir = scratch();
    fs.writeFileSync(
      path.join(dir, 'platform.js'),
      [
        `const { AmbientNamespaceProfile } = require(${JSON.stringify(path.join(ROOT, 'src'))});`,
        'class Shop extends AmbientNamespaceProfile {}',
        'exports.teams = { shop: Shop };',
        `exports.environments = [${env('dev')}, ${env('dev')}, ${env('prod')}];`,
      ].join('\n'),
    );
    const one = run(BIN, 1, dir);
    const two = run(BIN, 2, dir);
    expect(one.code).toBe(1);
    expect(two.stderr).toBe(one.stderr);
    expect(one.stderr).toContain("[dev] platform.js: 'name' is used by more than one environment");
    expect(fs.readdirSync(dir)).toEqual(['platform.js']);
  });

  it('leaves the output folder as it was when one environment fails after others were staged', () => {
    const dir = scratch();
    const platform = (lastTeam: string) =>
      [
        `const { AmbientNamespaceProfile } = require(${JSON.stringify(path.join(ROOT, 'src'))});`,
        'class Shop extends AmbientNamespaceProfile {}',
        'class Broken {}',
        'exports.teams = { shop: Shop, broken: Broken };',
        `exports.environments = [${env('dev')}, ${env('staging')}, ${env('prod', lastTeam)}];`,
      ].join('\n');
    fs.writeFileSync(path.join(dir, 'platform.js'), platform('shop'));
    expect(run(BIN, 2, dir).code).toBe(0);
    const before = tree(path.join(dir, 'out'));
    expect(Object.keys(before).some(f => f.startsWith('prod/'))).toBe(true);
    fs.writeFileSync(path.join(dir, 'platform.js'), platform('broken'));
    for (const threads of [1, 2]) {
      const failed = run(BIN, threads, dir);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/^ {2}\[prod\] .*building the environment threw/m);
      expect(tree(path.join(dir, 'out'))).toEqual(before);
      expect(fs.readdirSync(dir).sort()).toEqual(['out', 'platform.js']);
    }
  });
});

describe('the threads of a synth', () => {
  const configs = (environments: number, namespaces: number) =>
    Array.from({ length: environments }, (_, e) => ({
      name: `env${e}`,
      namespaces: Object.fromEntries(Array.from({ length: namespaces }, (_, n) => [`team${n}`, {}])),
    })) as unknown as EnvironmentConfig[];
  const saved = { threads: process.env.EKS_MESH_SYNTH_THREADS, fault: process.env.EKS_MESH_WRITE_FAULT };
  afterEach(() => {
    for (const [key, value] of [
      ['EKS_MESH_SYNTH_THREADS', saved.threads],
      ['EKS_MESH_WRITE_FAULT', saved.fault],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  /** Neither EKS_MESH_SYNTH_THREADS nor a write fault: the threads follow the namespaces and cores. */
  const withoutSettings = () => {
    delete process.env.EKS_MESH_SYNTH_THREADS;
    delete process.env.EKS_MESH_WRITE_FAULT;
  };

  it('are one per core (at most one per environment) from 100 app-team namespaces in all on more than two cores, else 1', () => {
    withoutSettings();
    expect(threadsFromNamespaces(3)).toBe(100);
    expect(synthThreads({}, configs(5, 20), 8)).toBe(5);
    expect(synthThreads({}, configs(5, 20), 4)).toBe(4);
    expect(synthThreads({}, configs(2, 50), 8)).toBe(2);
    expect(synthThreads({}, configs(5, 19), 8)).toBe(1);
    expect(synthThreads({}, configs(1, 500), 8)).toBe(1);
  });

  it('are one per core from 1000 app-team namespaces in all on two cores, and 1 on one core', () => {
    withoutSettings();
    expect(threadsFromNamespaces(2)).toBe(1000);
    expect(synthThreads({}, configs(5, 200), 2)).toBe(2);
    expect(synthThreads({}, configs(2, 500), 2)).toBe(2);
    expect(synthThreads({}, configs(5, 199), 2)).toBe(1);
    expect(synthThreads({}, configs(5, 100), 2)).toBe(1);
    expect(synthThreads({}, configs(5, 1000), 1)).toBe(1);
    // Without the cores given: this machine's.
    expect(synthThreads({}, configs(5, 200))).toBe(defaultThreads(5));
    expect(synthThreads({}, configs(5, 19))).toBe(1);
  });

  it('are what runSynth or EKS_MESH_SYNTH_THREADS says, and a bad value is refused with the fix', () => {
    process.env.EKS_MESH_SYNTH_THREADS = '3';
    expect(synthThreads({}, configs(5, 1))).toBe(3);
    expect(synthThreads({ threads: 1 }, configs(5, 100))).toBe(1);
    process.env.EKS_MESH_SYNTH_THREADS = 'two';
    expect(synthThreads({}, configs(5, 1))).toBe(
      'EKS_MESH_SYNTH_THREADS=two is not a number of threads; fix: give a whole number of at least 1 (1 synthesizes on the main thread only)',
    );
    expect(synthThreads({ threads: 0 }, configs(5, 1))).toMatch(/^runSynth threads 0 is not a number of threads; fix:/);
    const r = run([path.join(ROOT, 'scripts', 'run.js'), 'charts/main.ts', '--outdir', path.join(scratch(), 'out')], 1, ROOT, {
      EKS_MESH_SYNTH_THREADS: '0.5',
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'EKS_MESH_SYNTH_THREADS=0.5 is not a number of threads; fix: give a whole number of at least 1 (1 synthesizes on the main thread only)',
    );
  });
});
