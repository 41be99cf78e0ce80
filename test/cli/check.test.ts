import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENVIRONMENTS, fixtureDist } from '../fixtures/platform';
import { ReportFormat, rulesTable, runCheck } from '../../src';
import { ROOT } from '../util';

/** The fixture platform's output, as `npm run synth` writes `dist/`. */
const DIST = fixtureDist();

function run(paths: string[], format = ReportFormat.TEXT, env?: string): { code: number; out: string } {
  const lines: string[] = [];
  const code = runCheck({ paths, environments: ENVIRONMENTS, distDir: DIST, env, format, out: l => lines.push(l) });
  return { code, out: lines.join('\n') };
}

const BAD = `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { istio-injection: enabled, istio.io/rev: default } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: all, namespace: istio-system }
spec: { host: "*.local", trafficPolicy: { tls: { mode: ISTIO_MUTUAL } } }
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: batch
  namespace: shop
  annotations: { silence.mesh.eks-istio-mesh.io/sidecar-egress-not-empty: "batch job reaches only the registry; tracked in PLAT-42" }
spec: { workloadSelector: { labels: { app: batch } } }
`;

describe('npm run check', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-check-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(ENVIRONMENTS.map(e => e.name))('reports nothing on the committed dist/%s but the open egress of orders', name => {
    const { code, out } = run([path.join(DIST, name)]);
    // orders reaches api.stripe.com without declared ranges: the warning is kept on purpose.
    const withOrders = fs.existsSync(path.join(DIST, name, 'namespaces', '40-orders.yaml'));
    expect(out).toMatch(
      withOrders ? /^0 errors, 1 warning, 0 silenced; \d+ objects checked$/m : /^0 errors, 0 warnings, 0 silenced; \d+ objects checked$/m,
    );
    if (withOrders) expect(out).toContain('warning network-policy-egress-any  NetworkPolicy orders/allow-egress-external');
    expect(code).toBe(0);
  });

  it('checks every environment of dist/ with its own config', () => {
    const { code, out } = run([DIST]);
    expect(code).toBe(0);
    expect(out).toContain('0 errors');
  });

  it('reports file, object, rule, message and fix, lists silenced findings with their reason, and exits 1', () => {
    fs.writeFileSync(path.join(dir, 'manifests.yaml'), BAD);
    const { code, out } = run([dir]);
    expect(code).toBe(1);
    expect(out).toContain('manifests.yaml');
    expect(out).toContain('error   injection-labels-exclusive  Namespace shop has both istio-injection and istio.io/rev');
    expect(out).toContain('error   destination-rule-wildcard-tls  DestinationRule istio-system/all sets TLS for host *.local');
    expect(out).toContain('fix: delete the wildcard DestinationRule');
    expect(out).toContain('silenced (1):');
    expect(out).toContain('reason: batch job reaches only the registry; tracked in PLAT-42');
    expect(out).toMatch(/2 errors, \d+ warnings?, 1 silenced; 3 objects checked/);
  });

  it('prints JSON for tools', () => {
    fs.writeFileSync(path.join(dir, 'manifests.yaml'), BAD);
    const { code, out } = run([dir], ReportFormat.JSON);
    const report = JSON.parse(out);
    expect(code).toBe(1);
    expect(report.summary).toMatchObject({ objects: 3, errors: 2, silenced: 1 });
    expect(report.results[0]).toMatchObject({ rule: 'destination-rule-wildcard-tls', severity: 'error', object: 'DestinationRule istio-system/all' });
    expect(report.silenced[0]).toMatchObject({ rule: 'sidecar-egress-not-empty', reason: 'batch job reaches only the registry; tracked in PLAT-42' });
  });

  it('prints GitHub annotations for CI', () => {
    fs.writeFileSync(path.join(dir, 'manifests.yaml'), BAD);
    const { out } = run([dir], ReportFormat.GITHUB);
    expect(out.split('\n').filter(l => l.startsWith('::error file='))).toHaveLength(2);
    expect(out).toMatch(/^::notice file=.*manifests\.yaml,title=sidecar-egress-not-empty \(silenced\)::/m);
  });

  it('reports unreadable YAML and refuses missing paths', () => {
    fs.writeFileSync(path.join(dir, 'broken.yaml'), 'kind: [unclosed');
    expect(run([dir]).code).toBe(1);
    expect(run([path.join(dir, 'nope')]).code).toBe(2);
    expect(run([dir], ReportFormat.TEXT, 'qa').code).toBe(2);
  });

  it('uses the environment config when asked (the ingress gateway facts)', () => {
    fs.writeFileSync(
      path.join(dir, 'ingress.yaml'),
      fs.readFileSync(path.join(DIST, 'prod', 'config', '30-ingress.yaml'), 'utf8').replace(/name: istio-ingressgateway\n/, 'name: payments-api\n'),
    );
    const { code, out } = run([dir], ReportFormat.TEXT, 'prod');
    expect(code).toBe(1);
    expect(out).toContain(
      'alb-backend-gateway-only  Ingress istio-system/istio-ingress routes to Service istio-system/payments-api, not to the ingress gateway istio-system/istio-ingressgateway',
    );
  });

  it('keeps the README rule table in sync with the catalog', () => {
    expect(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain(rulesTable());
  });

  it('lists the rule catalog as Markdown', () => {
    const table = rulesTable();
    expect(table.split('\n')[0]).toBe('| rule | severity | what | why | fix |');
    expect(table).toContain('| `ambient-l7-needs-waypoint` | error |');
  });
});
