import * as fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import { describe, expect, it } from 'vitest';
import { linearFilters } from '../../scripts/linear-filters';

type K8s = typeof k8s;

/** cdk8s-plus's generated Kubernetes classes, loaded again from `text` as a module of their own. */
function loadK8s(file: string, text: string): K8s {
  const m = new Module(file) as Module & { _compile(text: string, file: string): void };
  m.filename = file;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  m._compile(text, file);
  return m.exports as K8s;
}

const K8S_FILE = createRequire(__filename).resolve('cdk8s-plus-33/lib/imports/k8s.js');
const ORIGINAL = fs.readFileSync(K8S_FILE, 'utf8');

/** Objects of the kinds the library defines from cdk8s-plus, and one with maps of converted values. */
function render(lib: K8s): unknown[] {
  const chart = new Chart(new App(), 'c');
  const metadata = (name: string) => ({
    name,
    namespace: 'shop',
    labels: { 'app.kubernetes.io/name': name, b: '2', a: '1' },
    annotations: { 'example.com/note': 'x' },
  });
  const objects = [
    new lib.KubeNetworkPolicy(chart, 'np', {
      metadata: metadata('allow'),
      spec: {
        podSelector: { matchLabels: { app: 'cart' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-ingress' } }, podSelector: {} }],
            ports: [{ protocol: 'TCP', port: lib.IntOrString.fromNumber(8080), endPort: 8090 }, { port: lib.IntOrString.fromString('http') }],
          },
        ],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }, {}],
      },
    }),
    new lib.KubeNamespace(chart, 'ns', {
      metadata: { name: 'shop', labels: { 'istio.io/dataplane-mode': 'ambient' } },
      spec: { finalizers: ['kubernetes'] },
    }),
    new lib.KubeNamespace(chart, 'bare', {}),
    new lib.KubeConfigMap(chart, 'cm', { metadata: metadata('cfg'), data: { 'a.yaml': 'x: 1\n', empty: '' }, immutable: true }),
    new lib.KubeIngress(chart, 'ing', {
      metadata: metadata('ing'),
      spec: {
        ingressClassName: 'alb',
        tls: [{ hosts: ['a.example.com'] }],
        rules: [
          {
            host: 'a.example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'gw', port: { number: 443 } } } }] },
          },
        ],
      },
    }),
    new lib.KubeDeployment(chart, 'deploy', {
      metadata: metadata('web'),
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'example/web:1',
                resources: { limits: { cpu: lib.Quantity.fromString('500m'), memory: lib.Quantity.fromNumber(1) }, requests: {} },
                env: [{ name: 'A', value: 'b' }],
              },
            ],
          },
        },
      },
    }),
  ];
  return objects.map(o => o.toJson());
}

describe('scripts/run.js: the undefined-value filters of cdk8s-plus, made linear in the bundle', () => {
  const transformed = linearFilters(ORIGINAL, { helper: '__mapDefined', language: 'js' });

  it('replaces every filter of the generated Kubernetes classes, so none keeps its copy per key', () => {
    expect(transformed.replaced).toBeGreaterThan(500);
    expect(transformed.left).toBe(false);
    expect(transformed.text.match(/^function __mapDefined\(/gm)).toHaveLength(1);
  });

  it('renders what the shipped classes render, byte for byte', () => {
    const before = render(loadK8s(K8S_FILE, ORIGINAL));
    const after = render(loadK8s(K8S_FILE, transformed.text));
    expect(JSON.stringify(after)).toBe(JSON.stringify(before));
    // The objects are not empty: the comparison covered what they hold.
    expect(JSON.stringify(before)).toContain('"endPort":8090');
    expect(JSON.stringify(before)).toContain('"cpu":"500m"');
  });

  it('leaves a text without such filters as it is', () => {
    const text = 'const x = Object.entries(a).map(([k, v]) => k + v);\n';
    expect(linearFilters(text, { helper: '__mapDefined', language: 'js' })).toEqual({ text, replaced: 0, left: false });
  });

  it('says so when a filter is written another way, without changing it', () => {
    const text = 'Object.entries(result).reduce((r, i) => (i[1] == null) ? r : ({ ...r, [i[0]]: i[1] }), {});\n';
    expect(linearFilters(text, { helper: '__mapDefined', language: 'js' })).toEqual({ text, replaced: 0, left: true });
  });
});
