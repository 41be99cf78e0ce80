/**
 * Every rule over objects whose fields have the wrong type: the run never throws, and every object
 * the rules could not read is named in an error with the field.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ALL_RULES, runRules } from '../../src';
import { resolved } from '../util';
import { objects } from './util';

const SAMPLES: Array<Record<string, any>> = [
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: 'g', namespace: 'shop' },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 443, protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 't' } }],
    },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'v', namespace: 'shop' },
    spec: { hosts: ['a'], gateways: ['istio-system/g'], http: [{ match: [{ uri: { prefix: '/' } }], route: [{ destination: { host: 'a' } }] }] },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'd', namespace: 'shop' },
    spec: { host: 'a', trafficPolicy: { tls: { mode: 'SIMPLE' }, portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'DISABLE' } }] } },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: { name: 's', namespace: 'shop' },
    spec: { workloadSelector: { labels: { app: 'a' } }, egress: [{ hosts: ['./*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: 'e', namespace: 'shop' },
    spec: { hosts: ['x.example.com'], location: 'MESH_EXTERNAL' },
  },
  {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'p', namespace: 'shop' },
    spec: {
      action: 'ALLOW',
      targetRefs: [{ kind: 'Gateway', name: 'w' }],
      rules: [
        {
          from: [{ source: { principals: ['cluster.local/ns/shop/sa/a'], namespaces: ['x'] } }],
          to: [{ operation: { paths: ['/'] } }],
          when: [{ key: 'request.headers[x]', values: ['1'] }],
        },
      ],
    },
  },
  {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name: 'pa', namespace: 'shop' },
    spec: { mtls: { mode: 'DISABLE' }, portLevelMtls: { 80: { mode: 'DISABLE' } } },
  },
  {
    apiVersion: 'telemetry.istio.io/v1',
    kind: 'Telemetry',
    metadata: { name: 't', namespace: 'shop' },
    spec: { tracing: [{ providers: [{ name: 'otel' }] }] },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'i', namespace: 'istio-system', annotations: { 'alb.ingress.kubernetes.io/actions.r': '{}' } },
    spec: {
      ingressClassName: 'alb',
      rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'istio-ingressgateway', port: { number: 443 } } } }] } }],
    },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'n', namespace: 'shop' },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 80 }] }],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
    },
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'w', namespace: 'shop' },
    spec: { gatewayClassName: 'istio-waypoint', listeners: [] },
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'r', namespace: 'shop' },
    spec: { parentRefs: [{ group: '', kind: 'Service', name: 'a' }] },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'shop' }, spec: { type: 'LoadBalancer', selector: { app: 'a' } } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'a', namespace: 'shop' },
    spec: { template: { metadata: { labels: { app: 'a' } }, spec: { serviceAccountName: 'a' } } },
  },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'w' } } },
  {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: 'istiod', namespace: 'istio-system' },
    spec: { chart: { spec: { chart: 'istiod' } }, values: { meshConfig: { trustDomain: 'cluster.local', extensionProviders: [{ name: 'otel' }] } } },
  },
];
const WRONG: unknown[] = [7, 'text', [1, 'x'], { a: 1 }, null];

/** Every path of a value: ['spec'], ['spec', 'servers'], ['spec', 'servers', 0], ... */
function paths(v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v).flatMap(([k, child]) => {
    const p = [...at, Array.isArray(v) ? Number(k) : k];
    return [p, ...paths(child, p)];
  });
}
function replaced(o: Record<string, any>, p: Array<string | number>, value: unknown): Record<string, any> {
  const copy = structuredClone(o);
  let target: any = copy;
  for (const k of p.slice(0, -1)) target = target[k];
  target[p[p.length - 1]] = value;
  return copy;
}

describe('wrong field types', () => {
  const env = resolved();
  for (const sample of SAMPLES) {
    it(`${sample.kind}: no rule run throws on any field of the wrong type`, () => {
      for (const p of paths(sample).filter(x => x[0] !== 'apiVersion' && x[0] !== 'kind')) {
        for (const value of WRONG) {
          const docs = [...SAMPLES.filter(s => s !== sample), replaced(sample, p, value)].map(d => stringify(d)).join('---\n');
          for (const e of [undefined, env]) {
            const what = `${sample.kind} ${p.join('.')} = ${JSON.stringify(value)}`;
            let report: ReturnType<typeof runRules> | undefined;
            expect(() => {
              report = runRules(objects(docs), ALL_RULES, e);
            }, what).not.toThrow();
            const faults = report!.results.filter(r => r.message.includes('has an unexpected value'));
            expect(
              faults.every(
                f =>
                  f.object.manifest.kind === sample.kind &&
                  f.object.manifest.metadata.name === (p[0] === 'metadata' ? f.object.manifest.metadata.name : sample.metadata.name),
              ),
              what,
            ).toBe(true);
          }
        }
      }
    });
  }
});
