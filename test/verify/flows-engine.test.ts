/**
 * The flows engine (verify/flows): its Go tests (evaluators, the hand-written fixture, bad input),
 * and the built binary against the fixture's reviewed decisions.
 *
 * Needs the built engine (`npm run verify:tools`); without it the suite is skipped and says why,
 * unless EKS_MESH_VERIFY_REQUIRED=1, which turns the skip into a failure.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLOWS_ENGINE_MODULE, findTools, goBinary, ISTIOCTL_MODULE_VERSION, sourceFiles, sourceHash, toolPath, TOOLS } from '../../verify/tools';

const { paths } = findTools();
const engine = paths['flows-engine'];
const required = process.env.EKS_MESH_VERIFY_REQUIRED === '1';
const spec = TOOLS.find(t => t.name === 'flows-engine')!;
const skipReason = !engine ? `flows-engine not built (${spec.version}); run \`npm run verify:tools\`` : undefined;
if (skipReason && !required) console.warn(`flows engine tests skipped: ${skipReason}`);
const FIXTURE = path.join(FLOWS_ENGINE_MODULE, 'testdata', 'basic');

describe('flows engine build', () => {
  it('pins the istio.io/istio version and replacements of the istioctl wrapper', () => {
    const own = fs.readFileSync(path.join(FLOWS_ENGINE_MODULE, 'go.mod'), 'utf8');
    const istioctl = fs.readFileSync(path.join(FLOWS_ENGINE_MODULE, '..', 'tools', 'istioctl', 'go.mod'), 'utf8');
    expect(own).toContain(`istio.io/istio ${ISTIOCTL_MODULE_VERSION}`);
    const replaces = (gomod: string) => gomod.slice(gomod.indexOf('replace ('), gomod.indexOf(')', gomod.indexOf('replace (')) + 1);
    expect(replaces(own)).toBe(replaces(istioctl));
  });

  it('is cached by the hash of go.mod, go.sum and the non-test sources', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flows-src-'));
    for (const f of ['go.mod', 'go.sum', 'main.go', 'main_test.go']) fs.writeFileSync(path.join(dir, f), f);
    fs.mkdirSync(path.join(dir, 'testdata'));
    expect(sourceFiles(dir)).toEqual(['go.mod', 'go.sum', 'main.go']);
    const before = sourceHash(dir);
    fs.writeFileSync(path.join(dir, 'main_test.go'), 'changed');
    expect(sourceHash(dir)).toBe(before);
    fs.writeFileSync(path.join(dir, 'main.go'), 'changed');
    expect(sourceHash(dir)).not.toBe(before);
    expect(path.basename(path.dirname(toolPath(spec)))).toBe(`flows-engine-${sourceHash(FLOWS_ENGINE_MODULE)}`);
  });
});

describe.skipIf(!!skipReason && !required)('flows engine', () => {
  it('is built', () => {
    expect(engine, skipReason).toBeDefined();
  });

  it('passes its Go tests (evaluators, fixture, bad input)', () => {
    const go = goBinary();
    expect(go, 'no Go toolchain').toBeDefined();
    const res = spawnSync(go!, ['test', '-trimpath', '-count=1', './...'], {
      cwd: FLOWS_ENGINE_MODULE,
      encoding: 'utf8',
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly', GOTOOLCHAIN: 'local' },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(res.status, `${res.stdout}${res.stderr}`).toBe(0);
  }, 1_800_000);

  it('decides the fixture as reviewed, byte for byte', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flows-')), 'decisions.json');
    const res = spawnSync(engine!, ['--objects', path.join(FIXTURE, 'objects.yaml'), '--flows', path.join(FIXTURE, 'flows.json'), '--out', out], {
      encoding: 'utf8',
    });
    expect(res.status, res.stderr).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(path.join(FIXTURE, 'decisions.json'), 'utf8'));
  }, 120_000);

  it('exits 2 with one line naming file, object and field on bad input', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flows-bad-'));
    fs.writeFileSync(path.join(dir, 'objects.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: ns\n');
    fs.writeFileSync(path.join(dir, 'flows.json'), '{}');
    const res = spawnSync(
      engine!,
      ['--objects', path.join(dir, 'objects.yaml'), '--flows', path.join(dir, 'flows.json'), '--out', path.join(dir, 'd.json')],
      { encoding: 'utf8' },
    );
    expect(res.status).toBe(2);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('objects.yaml');
    expect(lines[0]).toContain('Pod ns/a');
    expect(lines[0]).toContain('status.podIP');
    expect(res.stderr).not.toContain('goroutine');
  }, 120_000);
});
