/**
 * The synth with its environments shared among threads (`runSynth` `threads`, EKS_MESH_SYNTH_THREADS)
 * writes and says exactly what it does on one thread.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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

function run(args: readonly string[], threads: number, cwd = ROOT): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, EKS_MESH_SYNTH_THREADS: String(threads) } });
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

  it('reports the same problems in the same order, and writes nothing', () => {
    const dir = scratch();
    const env = (name: string, region: string) =>
      `{ name: '${name}', clusterName: 'mesh-${name}', awsRegion: '${region}', domains: ['${name}.example.com'], alb: { scheme: 'internal', sourceCidrs: ['10.0.0.0/24'], certificateArns: ['arn:aws:acm:eu-west-1:111122223333:certificate/0b7d8e52-3c41-4a9e-9f1d-6a2b5c8e7f10'] }, namespaces: { shop: {} } }`;
    // dev's config is refused before any thread starts; the other environments fail while building.
    fs.writeFileSync(
      path.join(dir, 'platform.js'),
      `class Shop {}\nexports.teams = { shop: Shop };\nexports.environments = [${env('dev', 'mars-1')}, ${env('staging', 'eu-west-1')}, ${env('preprod', 'eu-west-1')}, ${env('prod', 'eu-west-1')}];\n`,
    );
    const bin = [
      '--require',
      require.resolve('tsx/cjs', { paths: [ROOT] }),
      path.join(ROOT, 'src', 'cli', 'bin.ts'),
      'synth',
      '--app',
      'platform.js',
      '--outdir',
      'out',
    ];
    const one = run(bin, 1, dir);
    const two = run(bin, 2, dir);
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(two.stderr).toBe(one.stderr);
    const lines = one.stderr.split('\n').filter(l => l.startsWith('  ['));
    expect(lines.map(l => l.slice(0, l.indexOf(']') + 1))).toEqual(['  [dev]', '  [staging]', '  [preprod]', '  [prod]']);
    expect(lines[0]).toContain('awsRegion');
    expect(lines[1]).toContain('building the environment threw');
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });

  it('leaves the output folder as it was when one environment fails after others were staged', () => {
    const dir = scratch();
    const env = (name: string, team: string) =>
      `{ name: '${name}', clusterName: 'mesh-${name}', awsRegion: 'eu-west-1', domains: ['${name}.example.com'], alb: { scheme: 'internal', sourceCidrs: ['10.0.0.0/24'], certificateArns: ['arn:aws:acm:eu-west-1:111122223333:certificate/0b7d8e52-3c41-4a9e-9f1d-6a2b5c8e7f10'] }, namespaces: { ${team}: {} } }`;
    const platform = (lastTeam: string) =>
      [
        `const { AmbientNamespaceProfile } = require(${JSON.stringify(path.join(ROOT, 'src'))});`,
        'class Shop extends AmbientNamespaceProfile {}',
        'class Broken {}',
        'exports.teams = { shop: Shop, broken: Broken };',
        `exports.environments = [${env('dev', 'shop')}, ${env('staging', 'shop')}, ${env('prod', lastTeam)}];`,
      ].join('\n');
    const bin = [
      '--require',
      require.resolve('tsx/cjs', { paths: [ROOT] }),
      path.join(ROOT, 'src', 'cli', 'bin.ts'),
      'synth',
      '--app',
      'platform.js',
      '--outdir',
      'out',
    ];
    fs.writeFileSync(path.join(dir, 'platform.js'), platform('shop'));
    expect(run(bin, 2, dir).code).toBe(0);
    const before = tree(path.join(dir, 'out'));
    expect(Object.keys(before).some(f => f.startsWith('prod/'))).toBe(true);
    fs.writeFileSync(path.join(dir, 'platform.js'), platform('broken'));
    for (const threads of [1, 2]) {
      const failed = run(bin, threads, dir);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/^  \[prod\] .*building the environment threw/m);
      expect(tree(path.join(dir, 'out'))).toEqual(before);
      expect(fs.readdirSync(dir).sort()).toEqual(['out', 'platform.js']);
    }
  });
});
