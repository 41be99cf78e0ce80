/**
 * The `eks-istio-mesh` command in a repository of its own: the platform module it loads, and
 * `check`, which needs none.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appFromCdk8sYaml, CACHE_FOLDER, cacheDirOf, loadPlatformModule, PlatformModuleError } from '../../src';
import { ROOT } from '../util';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});
/** A scratch repository outside this one, with the given files. */
function repo(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-consumer-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}
// Only the shape is read here; synthesizing it is the consumer test's part (scripts/consumer-test.sh).
const PLATFORM_JS = `
class Shop {}
exports.teams = { shop: Shop };
exports.environments = [{ name: 'dev', clusterName: 'mesh-dev', awsRegion: 'eu-west-1', domains: ['dev.example.com'],
  alb: { scheme: 'internal', sourceCidrs: ['10.0.0.0/24'], certificateArns: ['arn:aws:acm:eu-west-1:111122223333:certificate/0b7d8e52-3c41-4a9e-9f1d-6a2b5c8e7f10'] },
  namespaces: { shop: {} } }];
`;

describe('platform module', () => {
  it("is the last .ts or .js word of cdk8s.yaml's app", () => {
    expect(appFromCdk8sYaml(repo({ 'cdk8s.yaml': 'app: npx eks-istio-mesh synth --app src/platform.ts\n' }))).toBe('src/platform.ts');
    expect(appFromCdk8sYaml(repo({ 'cdk8s.yaml': 'app: npx ts-node main\n' }))).toBeUndefined();
    expect(appFromCdk8sYaml(repo({}))).toBeUndefined();
  });

  it('loads environments and teams from the module cdk8s.yaml names, and names it in messages', () => {
    const dir = repo({ 'cdk8s.yaml': 'app: npx eks-istio-mesh synth --app platform.js\n', 'platform.js': PLATFORM_JS });
    const platform = loadPlatformModule(dir);
    expect(platform.environments.map(e => e.name)).toEqual(['dev']);
    expect(Object.keys(platform.teams)).toEqual(['shop']);
    expect(platform.configSource?.('dev')).toBe('platform.js');
  });

  it('says what to do when there is no module, when it is missing, and when it exports no environments', () => {
    const none = repo({});
    expect(() => loadPlatformModule(none)).toThrow(PlatformModuleError);
    expect(() => loadPlatformModule(none)).toThrow('no platform module: cdk8s.yaml in');
    expect(() => loadPlatformModule(none, 'nope.ts')).toThrow('platform module nope.ts does not exist');
    const empty = repo({ 'p.js': 'exports.teams = {};\n' });
    expect(() => loadPlatformModule(empty, 'p.js')).toThrow(
      "platform module p.js exports no 'environments' (got undefined). fix: export const environments",
    );
  });

  it('turns a module that throws while loading into one line naming the file and line', () => {
    const dir = repo({ 'p.js': "\nthrow new Error('boom');\n" });
    expect(() => loadPlatformModule(dir, 'p.js')).toThrow(/^cannot load the platform module p\.js: p\.js:2:\d+: boom/);
  });
});

describe("the synth command's cache folder", () => {
  it("is node_modules/.cache/eks-istio-mesh of the nearest package.json's folder, from any folder inside it", () => {
    const dir = repo({ 'package.json': '{}' });
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.mkdirSync(path.join(dir, 'src', 'teams'), { recursive: true });
    expect(cacheDirOf(dir, {})).toBe(path.join(dir, 'node_modules', '.cache', 'eks-istio-mesh'));
    expect(cacheDirOf(path.join(dir, 'src', 'teams'), {})).toBe(path.join(dir, CACHE_FOLDER));
    expect(cacheDirOf(dir, { cache: true })).toBe(path.join(dir, CACHE_FOLDER));
  });

  it('is none when that folder has no node_modules, even when a folder further up has one', () => {
    const outer = repo({ 'package.json': '{}' });
    fs.mkdirSync(path.join(outer, 'node_modules'));
    const inner = path.join(outer, 'platform');
    fs.mkdirSync(inner);
    fs.writeFileSync(path.join(inner, 'package.json'), '{}');
    expect(cacheDirOf(inner, {})).toBeUndefined();
    // node_modules as a file is not a folder to keep a cache in.
    fs.writeFileSync(path.join(inner, 'node_modules'), '');
    expect(cacheDirOf(inner, {})).toBeUndefined();
  });

  it('is --cache-dir, relative to the current folder, and none with --no-cache', () => {
    const dir = repo({ 'package.json': '{}' });
    fs.mkdirSync(path.join(dir, 'node_modules'));
    expect(cacheDirOf(dir, { cacheDir: 'ci-cache' })).toBe(path.join(dir, 'ci-cache'));
    expect(cacheDirOf(dir, { cacheDir: '/var/cache/mesh' })).toBe('/var/cache/mesh');
    expect(cacheDirOf(dir, { cache: false })).toBeUndefined();
    expect(cacheDirOf(dir, { cache: false, cacheDir: 'ci-cache' })).toBeUndefined();
  });
});

describe('eks-istio-mesh check in a repository without a platform module', () => {
  const bin = (cwd: string, ...args: string[]) => {
    try {
      return {
        code: 0,
        out: execFileSync(
          process.execPath,
          ['--require', require.resolve('tsx/cjs', { paths: [ROOT] }), path.join(ROOT, 'src', 'cli', 'bin.ts'), ...args],
          { cwd, encoding: 'utf8', stdio: 'pipe' },
        ),
      };
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      return { code: err.status, out: err.stdout + err.stderr };
    }
  };

  it('exits 0 on a correct namespace and 1 on one labelled both ambient and for injection', () => {
    const good = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio.io/dataplane-mode: ambient\n';
    const dir = repo({ 'ns.yaml': good });
    expect(bin(dir, 'check', 'ns.yaml').code).toBe(0);
    fs.writeFileSync(path.join(dir, 'ns.yaml'), `${good}    istio-injection: enabled\n`);
    const bad = bin(dir, 'check', 'ns.yaml');
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('injection-labels-exclusive');
  });

  it('says verify is not available in the package', () => {
    const res = bin(repo({}), 'verify');
    expect(res.code).toBe(2);
    expect(res.out).toContain('not available in this version of the package');
  });
});
