/**
 * The verify stages against real tools: the committed dist/ passes, and each deliberately broken
 * fixture fails in the stage that is meant to catch it.
 *
 * Needs the built tools (`npm run verify:tools`); without them the suite is skipped and says why,
 * unless EKS_MESH_VERIFY_REQUIRED=1 (what `npm run verify:test` sets), which turns the skip into a
 * failure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findCrdFileDir } from '../../src';
import { Finding } from '../../verify/lib/manifests';
import { formatFinding, runVerify, VerifyReport } from '../../verify/lib/run';
import { findTools } from '../../verify/tools';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(__dirname, 'fixtures');
const DIST = path.join(ROOT, 'dist');
/** Every folder Flux applies, relative to dist/: `<env>` and `flux/<env>`. */
const ENVS = fs
  .readdirSync(DIST)
  .filter(d => fs.statSync(path.join(DIST, d)).isDirectory())
  .sort()
  .flatMap(d =>
    fs.existsSync(path.join(DIST, d, 'kustomization.yaml'))
      ? [d]
      : fs
          .readdirSync(path.join(DIST, d))
          .sort()
          .map(e => `${d}/${e}`),
  );

const { missing } = findTools();
const crdDir = findCrdFileDir(ROOT);
const skipReason =
  missing.length > 0
    ? `tools not built: ${missing.map(t => `${t.name} ${t.version}`).join(', ')}; run \`npm run verify:test\` (builds them, about 15 minutes on 2 cores the first time)`
    : !crdDir
      ? 'no CRD folder (EKS_MESH_CRDS or .crds/, filled by `npm run import`)'
      : undefined;
const required = process.env.EKS_MESH_VERIFY_REQUIRED === '1';
if (skipReason && !required) console.warn(`verify stages skipped: ${skipReason}`);

/** Findings of one folder, as printed lines (for readable assertion failures). */
function failuresOf(report: VerifyReport, folder: string, stage?: Finding['stage']): string[] {
  return report.failures.filter(f => f.folder === folder && (!stage || f.stage === stage)).map(formatFinding);
}

describe.skipIf(!!skipReason && !required)('verify stages with real tools', () => {
  let report: VerifyReport;
  const fixture = (name: string) => path.join('test', 'verify', 'fixtures', name);

  beforeAll(async () => {
    if (skipReason) throw new Error(`EKS_MESH_VERIFY_REQUIRED=1 but ${skipReason}`);
    const fixtures = fs
      .readdirSync(FIXTURES)
      .sort()
      .map(f => path.join(FIXTURES, f));
    report = await runVerify({ folders: [...ENVS.map(e => path.join(DIST, e)), ...fixtures], root: ROOT, buildTools: false, log: () => undefined });
  }, 900_000);

  it.each(ENVS)('the committed dist/%s passes every stage', env => {
    expect(failuresOf(report, `dist/${env}`)).toEqual([]);
  });

  it('the API server refuses a label value with a space', () => {
    const lines = failuresOf(report, fixture('bad-label'), 'apiserver');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/namespace\.yaml: Namespace bad-label: HTTP 422: .*metadata\.labels: Invalid value: "platform team"/);
  });

  it('the API server evaluates the Gateway API CRD CEL rules that kubeconform cannot', () => {
    const lines = failuresOf(report, fixture('gateway-cel'));
    expect(lines.filter(l => l.includes('] apiserver: '))).toEqual([
      expect.stringMatching(/Gateway gateway-cel\/plain-http-with-tls: HTTP 422: .*tls must not be specified for protocols \['HTTP', 'TCP', 'UDP'\]/),
    ]);
    expect(failuresOf(report, fixture('gateway-cel'), 'kubeconform')).toEqual([]);
  });

  it('istioctl validate refuses an Istio Gateway whose SIMPLE TLS server has no certificate', () => {
    const lines = failuresOf(report, fixture('istio-invalid'), 'istioctl-validate');
    expect(lines).toEqual([
      expect.stringMatching(/gateway\.yaml: Gateway istio-invalid\/https-without-certificate: SIMPLE TLS requires a server certificate$/),
      expect.stringMatching(/gateway\.yaml: Gateway istio-invalid\/https-without-certificate: SIMPLE TLS requires a private key$/),
    ]);
    expect(failuresOf(report, fixture('istio-invalid'), 'apiserver')).toEqual([]);
  });

  it('kubeconform -strict refuses an unknown field of a core kind', () => {
    const lines = failuresOf(report, fixture('unknown-field'), 'kubeconform');
    expect(lines).toEqual([expect.stringMatching(/networkpolicy\.yaml: NetworkPolicy unknown-field\/default-deny: .*podSelectr/)]);
    // Server-side apply refuses it too.
    expect(failuresOf(report, fixture('unknown-field'), 'apiserver').join('\n')).toMatch(/\.spec\.podSelectr: field not declared in schema/);
  });

  it('kustomize build: a file missing from kustomization.yaml is reported', () => {
    expect(failuresOf(report, fixture('file-not-listed'))).toEqual([
      expect.stringMatching(
        /\] kustomize: forgotten\.yaml: NetworkPolicy file-not-listed\/default-deny: .* is in forgotten\.yaml but not in `kustomize build`/,
      ),
    ]);
  });

  it('kustomize build: an object no file holds is reported', () => {
    expect(failuresOf(report, fixture('extra-object'))).toEqual([
      expect.stringMatching(
        /\] kustomize: ConfigMap extra-object\/extra: `kustomize build` emits v1 ConfigMap extra-object\/extra, which no file of the folder holds/,
      ),
    ]);
  });

  it('a folder without objects fails instead of passing vacuously', () => {
    expect(failuresOf(report, fixture('empty'))).toEqual([expect.stringMatching(/\] kustomize: the folder holds no Kubernetes objects/)]);
  });

  it('every fixture fails and nothing else in the report is unexplained', () => {
    for (const name of fs.readdirSync(FIXTURES)) expect(failuresOf(report, fixture(name)).length, name).toBeGreaterThan(0);
    const folders = new Set([...ENVS.map(e => `dist/${e}`), ...fs.readdirSync(FIXTURES).map(fixture)]);
    expect(report.failures.filter(f => !folders.has(f.folder)).map(formatFinding)).toEqual([]);
  });
});
