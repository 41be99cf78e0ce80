/**
 * Planted regressions for the `flows` stage with the real engine (verify/flows): each mutates the
 * synthesized staging environment in memory and expects the stage to fail at the layer that must
 * catch it; the unmutated environment passes.
 *
 * Needs the engine (built by `npm run verify:tools`, or EKS_MESH_FLOWS_ENGINE=<binary>); without
 * it the suite is skipped and says why, unless EKS_MESH_VERIFY_REQUIRED=1.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesize, SynthesizedEnvironment } from '../../src';
import { FlowObject } from '../../src/checks/flows/intent';
import { ENVIRONMENTS } from '../../charts/environments';
import { buildPlatform } from '../../charts/platform';
import { findFlowsEngine, flowsStage } from '../../verify/lib/flows-stage';

const engine = findFlowsEngine();
const required = process.env.EKS_MESH_VERIFY_REQUIRED === '1';
if (!engine.path && !required) console.warn(`flows stage with the engine skipped: ${engine.problem}`);

const ORDERS_TO_PAYMENTS = 'staging/orders/orders-api -> payments/payments-api:80 GET payments-api.payments.svc.cluster.local/';
const ROUTE_WITH_JWT = 'staging/alb -> payments/payments-api:80 GET pay.staging.example.com/v1 with JWT';

type Obj = FlowObject & Record<string, any>;

describe.skipIf(!engine.path && !required)('flows stage: planted regressions', () => {
  let staging: SynthesizedEnvironment;
  const fresh = (): Obj[] => JSON.parse(JSON.stringify(staging.charts.flatMap(c => c.objects)));
  const find = (objects: Obj[], kind: string, ns: string, name: string) => {
    const o = objects.find(x => x.kind === kind && x.metadata.namespace === ns && x.metadata.name === name);
    if (!o) throw new Error(`no ${kind} ${ns}/${name} in staging`);
    return o;
  };
  /** The stage's failures for the mutated objects, as `flow id @ layer` and the messages. */
  const failures = async (objects: Obj[]) => {
    const report = await flowsStage({ engine: engine.path!, environments: [{ name: 'staging', objects, intent: staging.flows() }] });
    return report.findings.map(f => f.message);
  };
  const failedAt = (lines: string[], id: string) => lines.find(l => l.includes(`: ${id} at `))?.replace(/^.*: .* at ([a-z-]+): .*$/, '$1');

  beforeAll(() => {
    if (!engine.path) throw new Error(`EKS_MESH_VERIFY_REQUIRED=1 but ${engine.problem}`);
    [staging] = synthesize(
      ENVIRONMENTS.filter(e => e.name === 'staging'),
      buildPlatform,
      { meshReport: false },
    );
  });

  it('the environment as synthesized: every declared flow allowed, every must-deny flow denied', async () => {
    expect(await failures(fresh())).toEqual([]);
  }, 300_000);

  it('a sidecar caller of a waypoint namespace without the direct allow is denied by ztunnel', async () => {
    const objects = fresh().filter(
      o => !(o.kind === 'AuthorizationPolicy' && o.metadata.namespace === 'payments' && o.metadata.name === 'allow-direct-payments-api'),
    );
    expect(failedAt(await failures(objects), ORDERS_TO_PAYMENTS)).toBe('ztunnel');
  }, 300_000);

  it('a NetworkPolicy without HBONE 15008 is denied at the network policy', async () => {
    const objects = fresh();
    for (const np of objects.filter(o => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'payments')) {
      for (const rule of np.spec.ingress ?? []) rule.ports = (rule.ports ?? []).filter((p: any) => p.port !== 15008);
      np.spec.ingress = (np.spec.ingress ?? []).filter((r: any) => r.ports.length > 0);
    }
    const lines = await failures(objects);
    expect(lines.some(l => / at network-policy: /.test(l) && l.includes('-> payments/'))).toBe(true);
  }, 300_000);

  it('the gateway principal dropped from its allow is denied at the waypoint or ztunnel', async () => {
    const objects = fresh();
    const policy = find(objects, 'AuthorizationPolicy', 'payments', 'public-api-requires-jwt');
    // Another identity instead of the gateway's (removing the field would widen the rule to any source).
    for (const rule of policy.spec.rules)
      for (const from of rule.from ?? []) from.source.principals = ['cluster.local/ns/istio-system/sa/not-the-gateway'];
    expect(['waypoint', 'ztunnel']).toContain(failedAt(await failures(objects), ROUTE_WITH_JWT));
  }, 300_000);

  it("an extra wide source namespaces: ['*'] lets a must-deny flow through", async () => {
    const objects = fresh();
    find(objects, 'AuthorizationPolicy', 'payments', 'allow-direct-payments-api').spec.rules.push({ from: [{ source: { namespaces: ['*'] } }] });
    expect(
      (await failures(objects)).some(l => l.includes('must-deny flow allowed: staging/') && l.includes('/intruder -> payments/payments-api:80')),
    ).toBe(true);
  }, 300_000);

  it('a VirtualService from a namespace that does not own the host takes the route', async () => {
    const objects = fresh();
    const own = find(objects, 'VirtualService', 'payments', 'payments');
    objects.push({
      ...JSON.parse(JSON.stringify(own)),
      metadata: { name: 'hijack', namespace: 'orders' },
      spec: {
        ...own.spec,
        http: [
          { match: [{ uri: { prefix: '/v1' } }], route: [{ destination: { host: 'orders-api.orders.svc.cluster.local', port: { number: 80 } } }] },
        ],
      },
    });
    expect(['gateway', 'routing']).toContain(failedAt(await failures(objects), ROUTE_WITH_JWT));
  }, 300_000);

  it('an L7 allow that misses the route prefix denies the route at the waypoint', async () => {
    const objects = fresh();
    const policy = find(objects, 'AuthorizationPolicy', 'payments', 'public-api-requires-jwt');
    for (const rule of policy.spec.rules) for (const to of rule.to ?? []) to.operation.paths = ['/v1/*'];
    expect(failedAt(await failures(objects), ROUTE_WITH_JWT)).toBe('waypoint');
  }, 300_000);
});
