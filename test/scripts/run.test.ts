import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../util';

const RUN = path.join(ROOT, 'scripts', 'run.js');

/** An entry point in a temp folder that imports a module of a subfolder and prints what it sees. */
function project(): { dir: string; entry: string; cache: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-'));
  fs.mkdirSync(path.join(dir, 'lib'));
  fs.writeFileSync(
    path.join(dir, 'lib', 'where.ts'),
    'export const where = { dir: __dirname, file: __filename };\nexport const value: number = 1;\n',
  );
  fs.writeFileSync(
    path.join(dir, 'entry.ts'),
    [
      "import { where, value } from './lib/where';",
      'console.log(JSON.stringify({ dir: __dirname, file: __filename, where, value, args: process.argv.slice(2), main: require.main === module }));',
    ].join('\n'),
  );
  return { dir, entry: path.join(dir, 'entry.ts'), cache: path.join(dir, 'cache') };
}

function run(args: string[], cache: string, env: Record<string, string> = {}): unknown {
  return JSON.parse(
    execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, EKS_MESH_RUN_CACHE: cache, ...env } }),
  );
}

describe('scripts/run.js runs a TypeScript entry point from a cached bundle', () => {
  it('sees what tsx shows it: each file its own __dirname and __filename, its arguments, itself as the main module', () => {
    const { dir, entry, cache } = project();
    const bundled = run([RUN, entry, '--env', 'lab'], cache);
    const viaTsx = run(['--require', 'tsx/cjs', entry, '--env', 'lab'], cache);
    expect(bundled).toEqual(viaTsx);
    expect(bundled).toEqual({
      dir,
      file: entry,
      where: { dir: path.join(dir, 'lib'), file: path.join(dir, 'lib', 'where.ts') },
      value: 1,
      args: ['--env', 'lab'],
      main: true,
    });
    const files = fs.readdirSync(cache).sort();
    expect(files.filter(f => f.endsWith('.js'))).toHaveLength(1);
    expect(files.some(f => f.endsWith('.js.map'))).toBe(true);
    expect(files.some(f => f.endsWith('.js.v8'))).toBe(true);
  });

  it('reuses the bundle while its inputs are unchanged, and rebuilds it when one changes', () => {
    const { dir, entry, cache } = project();
    run([RUN, entry], cache);
    const bundle = path.join(
      cache,
      fs.readdirSync(cache).find(f => f.endsWith('.js'))!,
    );
    const built = fs.statSync(bundle).mtimeMs;
    run([RUN, entry], cache);
    expect(fs.statSync(bundle).mtimeMs).toBe(built);
    fs.writeFileSync(path.join(dir, 'lib', 'where.ts'), 'export const where = {};\nexport const value: number = 22;\n');
    expect(run([RUN, entry], cache)).toMatchObject({ where: {}, value: 22 });
    expect(fs.statSync(bundle).mtimeMs).not.toBe(built);
  });

  it('keeps the names of classes and functions that two modules both use (messages name profile classes)', () => {
    const { dir, cache } = project();
    fs.writeFileSync(path.join(dir, 'a.ts'), 'export class Thing {}\nexport function make() { return 1; }\n');
    fs.writeFileSync(path.join(dir, 'b.ts'), 'export class Thing {}\nexport function make() { return 2; }\n');
    const entry = path.join(dir, 'names.ts');
    fs.writeFileSync(
      entry,
      "import * as a from './a';\nimport * as b from './b';\nconsole.log(JSON.stringify([new a.Thing().constructor.name, new b.Thing().constructor.name, a.make.name, b.make.name]));\n",
    );
    expect(run([RUN, entry], cache)).toEqual(['Thing', 'Thing', 'make', 'make']);
  });

  it("bundles cdk8s-plus's generated Kubernetes classes with linear filters, rendering the same objects", () => {
    // Inside the repository, so that the entry resolves the packages of its node_modules.
    const dir = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.cache', 'run-test-'));
    try {
      const entry = path.join(dir, 'k8s.ts');
      fs.writeFileSync(
        entry,
        [
          "import { App, Chart } from 'cdk8s';",
          "import { k8s } from 'cdk8s-plus-33';",
          "const chart = new Chart(new App(), 'c');",
          "const np = new k8s.KubeNetworkPolicy(chart, 'np', { metadata: { name: 'a', labels: { x: 'y' } }, spec: { podSelector: {}, ingress: [{ ports: [{ port: k8s.IntOrString.fromNumber(80) }] }] } });",
          'console.log(JSON.stringify(np.toJson()));',
        ].join('\n'),
      );
      const cache = path.join(dir, 'cache');
      const bundled = run([RUN, entry], cache);
      expect(bundled).toEqual(run(['--require', 'tsx/cjs', entry], cache));
      expect(bundled).toMatchObject({ kind: 'NetworkPolicy', spec: { ingress: [{ ports: [{ port: 80 }] }] } });
      const text = fs.readFileSync(
        path.join(
          cache,
          fs.readdirSync(cache).find(f => f.endsWith('.js'))!,
        ),
        'utf8',
      );
      expect(text).toMatch(/function __mapDefined\(/);
      expect(text).not.toMatch(/\.reduce\(\(r, i\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs through tsx, writing no bundle, with EKS_MESH_NO_BUNDLE=1', () => {
    const { entry, cache } = project();
    expect(run([RUN, entry], cache, { EKS_MESH_NO_BUNDLE: '1' })).toMatchObject({ value: 1, main: true });
    expect(fs.existsSync(cache)).toBe(false);
  });

  it('without an entry: the usage and exit code 2', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [RUN], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      ({ status, stderr } = e as { status: number; stderr: string });
    }
    expect(status).toBe(2);
    expect(stderr).toBe('usage: node scripts/run.js <entry.ts> [args...]\n');
  });
});
