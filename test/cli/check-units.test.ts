/**
 * What `npm run check` checks together: environments only from --env or the project's dist/,
 * kustomization builds, loose files, unrendered Helm templates and objects without a namespace.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENVIRONMENTS, fixtureDist } from '../fixtures/platform';
import { ReportFormat, runCheck } from '../../src';

/** The fixture platform's output, as `npm run synth` writes `dist/`. */
const DIST = fixtureDist();

function run(paths: string[], env?: string): { code: number; out: string; json: any } {
  const lines: string[] = [];
  const code = runCheck({ paths, environments: ENVIRONMENTS, distDir: DIST, env, format: ReportFormat.TEXT, out: l => lines.push(l) });
  const json: string[] = [];
  runCheck({ paths, environments: ENVIRONMENTS, distDir: DIST, env, format: ReportFormat.JSON, out: l => json.push(l) });
  return { code, out: lines.join('\n'), json: JSON.parse(json.join('\n')) };
}

const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};
const vs = (name: string, subset: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: bookinfo }
spec: { hosts: [${name}], http: [{ route: [{ destination: { host: ${name}, subset: ${subset} } }] }] }
`;

describe('npm run check: what is checked together', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-units-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('does not apply an environment config to a foreign folder named like an environment', () => {
    // An ALB Ingress to an app Service: with the prod config it is an error (the prod gateway is known).
    const ingress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, namespace: shop, annotations: { alb.ingress.kubernetes.io/target-type: ip } }
spec: { ingressClassName: alb, rules: [{ http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }] }
`;
    write(path.join(dir, 'prod', 'ingress.yaml'), ingress);
    const foreign = run([path.join(dir, 'prod')]);
    expect(foreign.json.units).toEqual([{ environment: '(files)', checked: [expect.stringContaining('prod')] }]);
    expect(foreign.out).not.toContain('not to the ingress gateway istio-system/istio-ingressgateway');
    expect(run([path.join(dir, 'prod')], 'prod').out).toContain('not to the ingress gateway istio-system/istio-ingressgateway');
  });

  it('reports alternative files of a folder without kustomization.yaml as a warning, and names the unit', () => {
    write(path.join(dir, 'networking', 'virtual-service-all-v1.yaml'), vs('reviews', 'v1'));
    write(path.join(dir, 'networking', 'virtual-service-reviews-v3.yaml'), vs('reviews', 'v3'));
    const { out, json } = run([dir]);
    expect(out).toMatch(/^checked together: \S+ \(YAML files without a kustomization\.yaml, checked as if applied together\)$/m);
    expect(json.results.filter((r: any) => r.rule === 'unique-identity').map((r: any) => r.severity)).toEqual(['warning']);
  });

  it('checks what a kustomization.yaml builds: its resources, with its namespace, and a duplicate in it is an error', () => {
    write(
      path.join(dir, 'app', 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: bookinfo\nresources: [a.yaml, b.yaml, https://example.com/remote.yaml]\n',
    );
    write(path.join(dir, 'app', 'a.yaml'), vs('ratings', 'v1'));
    write(path.join(dir, 'app', 'b.yaml'), vs('ratings', 'v2'));
    write(path.join(dir, 'app', 'unused.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: never-built }\n');
    const { out, json } = run([dir]);
    expect(json.units).toEqual([
      { environment: expect.stringContaining('build'), checked: [expect.stringMatching(/app\/kustomization\.yaml \(what it builds\)$/)] },
    ]);
    expect(json.summary.objects).toBe(2);
    expect(json.results.filter((r: any) => r.rule === 'unique-identity').map((r: any) => [r.severity, r.object])).toEqual([
      ['error', 'VirtualService bookinfo/ratings'],
    ]);
    expect(out).toMatch(/remote resource https:\/\/example\.com\/remote\.yaml not checked/);
  });

  it('checks an overlay once, with its base, and not the base again on its own', () => {
    write(path.join(dir, 'base', 'kustomization.yaml'), 'resources: [vs.yaml]\n');
    write(path.join(dir, 'base', 'vs.yaml'), vs('details', 'v1'));
    write(path.join(dir, 'overlay', 'kustomization.yaml'), 'resources: [../base]\nnamespace: staging-shop\n');
    const { json } = run([dir]);
    expect(json.summary.objects).toBe(1);
    expect(json.skipped).toContainEqual(expect.stringMatching(/base: checked as part of the kustomization that includes it/));
  });

  it('skips an unrendered Helm template with a message, and still checks a rendered file with {{ }} in a string', () => {
    write(path.join(dir, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
    write(
      path.join(dir, 'chart', 'templates', 'gateway.yaml'),
      'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: {{ .Release.Name }}\n  namespace: {{ .Release.Namespace }}\n',
    );
    write(path.join(dir, 'control.yaml'), '{{- if .Values.enabled }}\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n{{- end }}\n');
    write(
      path.join(dir, 'alerts.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: alerts, namespace: monitoring }\ndata: { summary: "{{ $labels.instance }} is down" }\n',
    );
    const { code, out, json } = run([dir]);
    expect(out).toMatch(/skipped {2}\S*gateway\.yaml: skipped: an unrendered Helm template \(\{\{ \.\.\. \}\} on line 4\)/);
    expect(out).toMatch(/skipped {2}\S*control\.yaml: skipped: an unrendered Helm template \(\{\{ \.\.\. \}\} on line 1\)/);
    expect(json.summary.objects).toBe(1);
    expect(code).toBe(0);
  });

  it('puts objects without a namespace in default, in messages and in logic', () => {
    write(
      path.join(dir, 'a.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: c, namespace: default }\n',
    );
    const { json } = run([dir]);
    expect(json.results.map((r: any) => [r.rule, r.object])).toEqual([['unique-identity', 'ConfigMap default/c']]);
  });
});

describe('npm run check: wrong field types', () => {
  it('reports a field of the wrong type as an error on that object, checks the rest, and prints no stack trace', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-types-'));
    try {
      write(
        path.join(dir, 'a.yaml'),
        `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: bad, namespace: shop }
spec: { rules: [{ from: { source: { principals: [x] } } }] }
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: w, namespace: shop }
spec: { workloadSelector: { labels: { app: api } } }
`,
      );
      const { code, out } = run([dir]);
      expect(out).toContain(
        'error   principal-resolves  AuthorizationPolicy shop/bad has an unexpected value at spec.rules[0].from; principal-resolves checked the other objects',
      );
      expect(out).toContain('sidecar-egress-not-empty  Sidecar shop/w selects workloads and lists no egress hosts');
      expect(out).not.toMatch(/\n\s+at /);
      expect(code).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
