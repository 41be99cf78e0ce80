/**
 * The flows derived from the declarations: each kind appears for its declaration and is gone
 * without it; ids and order are deterministic; the workloads are what the engine needs and never
 * reach dist/.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DataplaneMode, ExternalProtocol, MtlsMode, NamespaceSettings, PolicyAction, synthesize } from '../../src';
import { canonicalJson, FlowIntent, policyPathMatches } from '../../src/checks/flows/intent';
import { objectsYaml } from '../../src/checks/flows/record';
import { baseConfig } from '../util';
import { FixtureAmbient, FixtureSidecar, HookValues } from '../profiles/fixtures';

const API = { name: 'api', selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }], serviceAccount: 'api' };
const WORKER = { name: 'worker', selector: { app: 'worker' }, ports: [{ port: 7070 }], serviceAccount: 'worker' };
const SHOP = { name: 'shop-api', selector: { app: 'shop-api' }, ports: [{ port: 80, targetPort: 8080 }], serviceAccount: 'shop-api' };

/** `fixture` (ambient) and `shop` (sidecar) in environment `test`. */
function intentOf(
  fixture: HookValues,
  shop: HookValues = {},
  settings: { fixture?: NamespaceSettings; shop?: NamespaceSettings } = {},
  meshMode = MtlsMode.STRICT,
) {
  FixtureAmbient.hooks = { services: [API], ...fixture };
  FixtureSidecar.hooks = { services: [SHOP], ...shop };
  const [r] = synthesize(
    [baseConfig({ istio: { mtlsMode: meshMode }, namespaces: { fixture: settings.fixture ?? {}, shop: settings.shop ?? {} } })],
    (app, env) => {
      new FixtureAmbient(app, 'fixture', { env });
      new FixtureSidecar(app, 'shop', { env });
    },
    { meshReport: false },
  );
  return { intent: r.flows(), result: r };
}

const ids = (i: FlowIntent, expect?: 'allow' | 'deny') => i.input.flows.filter(f => !expect || f.expect === expect).map(f => f.id);

beforeEach(() => {
  FixtureAmbient.hooks = {};
  FixtureSidecar.hooks = {};
});

describe('declared flows', () => {
  it('a route gives an ALB flow to the Service port with the host and prefix; without the route it is gone', () => {
    const routes = [{ name: 'web', hosts: ['shop.apps.example.com'], rules: [{ pathPrefix: '/api', service: 'api', port: 80 }] }];
    const { intent } = intentOf({ routes });
    const flow = intent.input.flows.find(f => 'alb' in f.from)!;
    expect(flow).toMatchObject({
      expect: 'allow',
      origin: 'declared',
      to: { service: 'fixture/api', port: 80 },
      http: { host: 'shop.apps.example.com', method: 'GET', path: '/api' },
    });
    expect(flow.http!.jwt).toBeUndefined();
    expect(flow.id).toBe('test/alb -> fixture/api:80 GET shop.apps.example.com/api');
    expect(intentOf({}).intent.input.flows.some(f => 'alb' in f.from)).toBe(false);
  });

  it('a route whose L7 policy asks for requestPrincipals carries a token, and the same request without it must be denied', () => {
    const { intent } = intentOf({
      waypoint: {},
      routes: [{ name: 'web', hosts: ['shop.apps.example.com'], rules: [{ pathPrefix: '/api', service: 'api', port: 80 }] }],
      jwtRules: [{ issuer: 'https://id.example.com', jwksUri: 'https://id.example.com/jwks.json' }],
      l7Policies: [
        {
          name: 'jwt',
          services: ['api'],
          from: { ingressGateway: true, requestPrincipals: ['https://id.example.com/*'] },
          to: { methods: ['GET'], paths: ['/api', '/api/*'] },
        },
      ],
    });
    const alb = intent.input.flows.filter(f => 'alb' in f.from);
    expect(alb.find(f => f.expect === 'allow')!.http).toEqual({
      host: 'shop.apps.example.com',
      method: 'GET',
      path: '/api',
      jwt: { issuer: 'https://id.example.com', subject: 'flows' },
    });
    expect(alb.filter(f => f.expect === 'deny').map(f => f.http)).toEqual(
      expect.arrayContaining([
        { host: 'shop.apps.example.com', method: 'GET', path: '/api' },
        { host: 'shop.apps.example.com', method: 'DELETE', path: '/api', jwt: { issuer: 'https://id.example.com', subject: 'flows' } },
        { host: 'shop.apps.example.com', method: 'GET', path: '/api-flows-denied', jwt: { issuer: 'https://id.example.com', subject: 'flows' } },
      ]),
    );
    // Without the L7 policy: no token, and no token-less, wrong-method or wrong-path flow.
    const plain = intentOf({
      waypoint: {},
      routes: [{ name: 'web', hosts: ['shop.apps.example.com'], rules: [{ pathPrefix: '/api', service: 'api', port: 80 }] }],
    }).intent;
    expect(plain.input.flows.filter(f => 'alb' in f.from).map(f => f.expect)).toEqual(['allow']);
  });

  it('a caller gives one flow per port of each Service it may call, from a pod of its identity', () => {
    const { intent } = intentOf({ callers: [{ namespace: 'shop', serviceAccount: 'shop-api' }] });
    expect(ids(intent, 'allow')).toEqual(['test/shop/shop-api -> fixture/api:80']);
    expect(intent.input.flows[0]).toMatchObject({
      from: { pod: 'shop/shop-api-flows-0' },
      why: 'CallerDeclaration shop/shop-api in fixture (services: api)',
    });
    expect(ids(intentOf({}).intent, 'allow')).toEqual([]);
  });

  it('an L7 ALLOW for a workload gives an HTTP flow with a method and path it allows', () => {
    const l7 = {
      name: 'reads',
      services: ['api'],
      from: { workloads: [{ namespace: 'fixture', serviceAccount: 'worker' }] },
      to: { methods: ['POST', 'PUT'], paths: ['/jobs/*'] },
    };
    const { intent } = intentOf({ services: [API, WORKER], waypoint: {}, l7Policies: [l7] });
    expect(intent.input.flows.filter(f => f.why.startsWith('L7PolicyDeclaration'))).toEqual([
      expect.objectContaining({
        id: 'test/fixture/worker -> fixture/api:80 POST api.fixture.svc.cluster.local/jobs/flows',
        expect: 'allow',
        from: { pod: 'fixture/worker-flows-0' },
      }),
    ]);
    expect(intentOf({ services: [API, WORKER], waypoint: {} }).intent.input.flows.some(f => f.why.startsWith('L7PolicyDeclaration'))).toBe(false);
  });

  it('a dependency gives flows to the Services of the namespace called, on the ports declared', () => {
    const { intent } = intentOf({}, { dependencies: [{ namespace: 'fixture', ports: [8080] }] });
    expect(ids(intent, 'allow')).toEqual(['test/shop/shop-api -> fixture/api:80']);
    expect(intent.input.flows[0].why).toBe('DependencyDeclaration shop -> fixture (ports 8080)');
    expect(ids(intentOf({}, { dependencies: [{ namespace: 'fixture', ports: [9999] }] }).intent, 'allow')).toEqual([]);
  });

  it('an external host gives a flow from the namespace to it; a sidecar namespace must not reach an undeclared host', () => {
    const { intent } = intentOf({}, { externalHosts: [{ host: 'api.stripe.com', port: 443, protocol: ExternalProtocol.TLS }] });
    expect(ids(intent, 'allow')).toEqual(['test/shop/shop-api -> api.stripe.com:443 (external)']);
    expect(ids(intent, 'deny')).toContain('test/shop/shop-api -> undeclared.flows.example.com:443 (external)');
    expect(ids(intentOf({}).intent, 'allow')).toEqual([]);
    // Ambient namespaces have no REGISTRY_ONLY Sidecar.
    expect(ids(intentOf({}).intent, 'deny').filter(i => i.startsWith('test/fixture/') && i.includes('undeclared.flows'))).toEqual([]);
  });
});

describe('must-deny flows', () => {
  it("another app namespace's intruder to every Service port", () => {
    const { intent } = intentOf({});
    expect(ids(intent, 'deny')).toEqual(
      expect.arrayContaining(['test/shop/intruder -> fixture/api:80', 'test/fixture/intruder -> shop/shop-api:80']),
    );
  });

  it('an undeclared ServiceAccount in the caller namespace, only where a caller is declared', () => {
    const same = intentOf({ services: [API, WORKER], callers: [{ namespace: 'fixture', serviceAccount: 'worker', services: ['api'] }] }).intent;
    expect(same.input.flows.find(f => f.id === 'test/fixture/intruder -> fixture/api:80')?.why).toBe(
      'undeclared ServiceAccount intruder in caller namespace fixture',
    );
    expect(ids(intentOf({}).intent)).not.toContain('test/fixture/intruder -> fixture/api:80');
  });

  it('an undeclared port of the pod, from each declared caller', () => {
    const { intent } = intentOf({ callers: [{ namespace: 'shop', serviceAccount: 'shop-api' }] });
    expect(ids(intent, 'deny')).toContain('test/shop/shop-api -> fixture/api-flows-0:18080 (pod IP)');
    expect(ids(intentOf({}).intent, 'deny').some(i => i.includes('(pod IP)'))).toBe(false);
  });

  it('a pod-IP call around the waypoint, from an ambient caller, only when L7 policies exist', () => {
    const l7 = {
      name: 'reads',
      services: ['api'],
      from: { workloads: [{ namespace: 'fixture', serviceAccount: 'worker' }] },
      to: { methods: ['GET'] },
    };
    const callers = [{ namespace: 'fixture', serviceAccount: 'worker', services: ['api'] }];
    const { intent } = intentOf({ services: [API, WORKER], waypoint: {}, callers, l7Policies: [l7] });
    expect(ids(intent, 'deny')).toContain('test/fixture/worker -> fixture/api-flows-0:8080 (pod IP)');
    expect(ids(intentOf({ services: [API, WORKER], waypoint: {}, callers }).intent, 'deny')).not.toContain(
      'test/fixture/worker -> fixture/api-flows-0:8080 (pod IP)',
    );
  });

  it('a plaintext client from flows-outside under STRICT, not under PERMISSIVE', () => {
    expect(ids(intentOf({}).intent, 'deny')).toContain('test/flows-outside/plaintext-client -> fixture/api:80');
    expect(
      ids(intentOf({}, {}, { fixture: { mtlsMode: MtlsMode.PERMISSIVE } }, MtlsMode.PERMISSIVE).intent, 'deny').some(i =>
        i.startsWith('test/flows-outside/'),
      ),
    ).toBe(false);
  });

  it('a declaration wins over a generated deny of the same request', () => {
    const legacy = { name: 'legacy', selector: { app: 'legacy' }, ports: [{ port: 81 }], serviceAccount: 'intruder' };
    const { intent } = intentOf({ callers: [{ namespace: 'shop', serviceAccount: 'intruder' }] }, { services: [SHOP, legacy] });
    expect(intent.input.flows.filter(f => f.id === 'test/shop/intruder -> fixture/api:80').map(f => f.expect)).toEqual(['allow']);
  });
});

describe('workloads and ids', () => {
  it('materializes a Pod per Service (selector labels, container ports, IP in 10.99/16), its Service with a cluster IP, intruders, the outside client and the gateway', () => {
    const { intent, result } = intentOf({});
    const pod = intent.workloads.find(o => o.kind === 'Pod' && o.metadata.name === 'api-flows-0')!;
    expect(pod).toMatchObject({
      metadata: { namespace: 'fixture', labels: { app: 'api' } },
      spec: { serviceAccountName: 'api', containers: [{ ports: [{ containerPort: 8080 }] }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect((pod.status as any).podIP).toMatch(/^10\.99\.\d+\.\d+$/);
    const svc = intent.workloads.find(o => o.kind === 'Service' && o.metadata.name === 'api')!;
    expect((svc.spec as any).clusterIP).toMatch(/^10\.100\.\d+\.\d+$/);
    const names = intent.workloads.filter(o => o.kind === 'Pod').map(o => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'fixture/intruder-flows-0',
        'shop/intruder-flows-0',
        'flows-outside/plaintext-client-flows-0',
        'istio-system/istio-ingressgateway-flows-0',
      ]),
    );
    expect(intent.workloads.find(o => o.kind === 'Namespace')!.metadata).toEqual({
      name: 'flows-outside',
      labels: { 'kubernetes.io/metadata.name': 'flows-outside' },
    });
    const sas = intent.workloads.filter(o => o.kind === 'ServiceAccount').map(o => `${o.metadata.namespace}/${o.metadata.name}`);
    for (const p of intent.workloads.filter(o => o.kind === 'Pod'))
      expect(sas).toContain(`${p.metadata.namespace}/${(p.spec as any).serviceAccountName}`);
    // Never in the environment's files.
    expect(result.files.map(f => f.content).join('\n')).not.toMatch(/flows-0|flows-outside/);
    const docs = parseAllDocuments(
      objectsYaml(
        result.charts.flatMap(c => c.objects),
        intent,
      ),
    ).map(d => d.toJS());
    expect(docs.length).toBe(result.charts.flatMap(c => c.objects).length + intent.workloads.length);
  });

  it('ids, order and fingerprints are the same on every run; a changed object changes every fingerprint', () => {
    const hooks = { callers: [{ namespace: 'shop', serviceAccount: 'shop-api' }] };
    const a = intentOf(hooks).intent;
    const b = intentOf(hooks).intent;
    expect(ids(a)).toEqual(ids(b));
    expect([...a.fingerprints]).toEqual([...b.fingerprints]);
    const declared = a.input.flows.findIndex(f => f.origin === 'must-deny');
    expect(a.input.flows.slice(0, declared).every(f => f.origin === 'declared')).toBe(true);
    const c = intentOf(hooks, { namespaceLabels: { team: 'other' } }).intent;
    expect(c.fingerprints.get('test/shop/shop-api -> fixture/api:80')).not.toBe(a.fingerprints.get('test/shop/shop-api -> fixture/api:80'));
  });

  it('lists what it cannot model: callers outside the environment', () => {
    const { intent } = intentOf({ callers: [{ namespace: 'billing', serviceAccount: 'job', external: true, dataplane: DataplaneMode.AMBIENT }] });
    expect(intent.notModelled).toEqual(['caller billing/job of fixture: outside this environment']);
    expect(ids(intent).some(i => i.includes('billing'))).toBe(false);
    void PolicyAction;
  });

  it('matches policy paths as Istio does: exact, prefix, suffix, any, templates', () => {
    expect(policyPathMatches('/v1/*', '/v1/x')).toBe(true);
    expect(policyPathMatches('/v1/*', '/v1')).toBe(false);
    expect(policyPathMatches('/v1', '/v1-flows-denied')).toBe(false);
    expect(policyPathMatches('*.json', '/a.json')).toBe(true);
    expect(policyPathMatches('*', '/x')).toBe(true);
    expect(policyPathMatches('/a/{*}/b', '/a/x/b')).toBe(true);
    expect(policyPathMatches('/a/{*}/b', '/a/x/y/b')).toBe(false);
  });
});

describe('canonical JSON of the fingerprints', () => {
  it('orders keys by code point at every depth, drops undefined members, keeps array order', () => {
    const a = { b: 1, a: { y: [3, { d: 1, c: 2 }], x: undefined, '10': 'ten', '9': 'nine', é: 'e' }, 'q"k': 'v"w' };
    const b = { 'q"k': 'v"w', a: { é: 'e', '9': 'nine', y: [3, { c: 2, d: 1 }], '10': 'ten' }, b: 1 };
    const expected = '{"a":{"10":"ten","9":"nine","y":[3,{"c":2,"d":1}],"é":"e"},"b":1,"q\\"k":"v\\"w"}';
    expect(canonicalJson(a)).toBe(expected);
    expect(canonicalJson(b)).toBe(expected);
    // Array members JSON cannot write are null, as in JSON.stringify; order is kept.
    expect(canonicalJson([2, undefined, null, 1])).toBe('[2,null,null,1]');
    expect(canonicalJson({ empty: {}, none: [], s: 'x' })).toBe('{"empty":{},"none":[],"s":"x"}');
    expect(canonicalJson({ only: undefined })).toBe('{}');
  });

  /** The definition, written out: every mapping's keys sorted, undefined members dropped. */
  const reference = (v: unknown): string => {
    if (Array.isArray(v)) return `[${Array.from(v as unknown[], reference).join(',')}]`;
    if (v && typeof v === 'object') {
      const members = Object.keys(v)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        .filter(k => (v as Record<string, unknown>)[k] !== undefined)
        .map(k => `${JSON.stringify(k)}:${reference((v as Record<string, unknown>)[k])}`);
      return `{${members.join(',')}}`;
    }
    return JSON.stringify(v) ?? 'null';
  };

  it('gives the bytes of the definition for values JSON.stringify would write otherwise', () => {
    class Point {
      constructor(
        public y = 2,
        public x = 1,
      ) {}
    }
    const cases: unknown[] = [
      { b: { d: 1, c: 2 }, a: 1 },
      { a: { d: 1, c: 2 }, b: 1 },
      { a: [{ z: 1, y: 2 }], b: { c: [1, { f: 1, e: 2 }] } },
      { '2': 'two', '10': 'ten', a: 1 },
      { a: () => 1, b: 1 },
      { a: Symbol('s'), b: 1 },
      [() => 1, Symbol('s'), undefined],
      { when: new Date(0) },
      { p: new Point() },
      { n: Object.assign(Object.create(null) as object, { b: 1, a: 2 }) },
      { t: { toJSON: () => 'replaced', a: 1 } },
      Object.assign([1, 2], { toJSON: () => 'replaced' }),
      { m: new Map([['k', 1]]) },
      // eslint-disable-next-line no-sparse-arrays -- a hole is written as null
      [1, , 3],
      { x: NaN, y: -0, z: Infinity },
    ];
    cases.forEach((c, i) => expect(canonicalJson(c), `case ${i}`).toBe(reference(c)));
  });

  it('gives the bytes of the definition for random values, sorted and not', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const keys = ['a', 'b', 'B', '_', '9', '10', '0', 'é', 'ß', 'key"q', 'apiVersion', 'kind', ''];
    const value = (depth: number): unknown => {
      const r = next();
      if (depth > 3 || r < 0.3) return [1, 'x', true, null, undefined, 0.5, 'quo"te'][Math.floor(next() * 7)];
      if (r < 0.5) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
      const picked = keys.filter(() => next() < 0.4);
      if (next() < 0.5) picked.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return Object.fromEntries(picked.map(k => [k, value(depth + 1)]));
    };
    for (let i = 0; i < 2000; i++) {
      const v = value(0);
      expect(canonicalJson(v)).toBe(reference(v));
    }
  });
});
