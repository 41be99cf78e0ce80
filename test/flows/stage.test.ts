/**
 * The `flows` verify stage, `npm run flows` and MESH.md from recorded decisions, with a stand-in
 * engine (test/flows/fake-engine.cjs) that writes decisions.json in the engine's format: these run
 * without the Go engine. The same stage against the real engine: test/verify/flows.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSynth, synthesize, SynthesizedEnvironment } from '../../src';
import { runFlows } from '../../src/cli/flows-command';
import { FlowIntent } from '../../src/checks/flows/intent';
import { parseDecisions, recordedText, recordFlows } from '../../src/checks/flows/record';
import { DecisionsFile, RecordedFlows } from '../../src/checks/flows/types';
import { NOT_VERIFIED } from '../../src/report/mesh-report';
import { ENVIRONMENTS } from '../../charts/environments';
import { buildPlatform } from '../../charts/platform';
import { flowsStage } from '../../verify/lib/flows-stage';

const FAKE = path.join(__dirname, 'fake-engine.cjs');
const ORDERS_TO_PAYMENTS = 'staging/orders/orders-api -> payments/payments-api:80 GET payments-api.payments.svc.cluster.local/';
const ROUTE_WITH_JWT = 'staging/alb -> payments/payments-api:80 GET pay.staging.example.com/v1 with JWT';
const INTRUDER = 'staging/catalog/intruder -> payments/ledger:9090';

let staging: SynthesizedEnvironment;
let intent: FlowIntent;
const objects = () => staging.charts.flatMap(c => c.objects);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'flows-test-'));

beforeAll(() => {
  [staging] = synthesize(
    ENVIRONMENTS.filter(e => e.name === 'staging'),
    buildPlatform,
    { meshReport: false },
  );
  intent = staging.flows();
});

afterEach(() => {
  delete process.env.FAKE_FLOWS_RULES;
  delete process.env.FAKE_FLOWS_EXIT;
});

/** Decisions as the engine would write them: as expected, except the ids given. */
function decisions(flip: Record<string, string> = {}): DecisionsFile {
  return {
    engine: { istio: 'fake' },
    decisions: intent.input.flows.map(f => {
      const layer = flip[f.id];
      const decision = layer ? (f.expect === 'allow' ? 'deny' : 'allow') : f.expect;
      const component = decision === 'allow' ? (f.id === ORDERS_TO_PAYMENTS ? 'ztunnel' : 'waypoint') : (layer ?? 'ztunnel');
      return {
        id: f.id,
        decision,
        layer: decision === 'allow' ? 'allowed' : ((layer ?? 'ztunnel') as any),
        hops: [
          { hop: `${component} hop`, component, decision, matched: decision === 'allow' ? 'payments/allow-direct-payments-api' : 'default deny' },
        ],
      };
    }),
  };
}

describe('the flows stage', () => {
  it('passes when every flow is decided as expected and the recorded file equals the fresh decisions', async () => {
    const dir = tmp();
    const first = await flowsStage({ engine: FAKE, environments: [{ name: 'staging', objects: objects(), intent }] });
    fs.writeFileSync(path.join(dir, 'staging.json'), recordedText(recordFlows(intent, first.decisions.get('staging')!)));
    const report = await flowsStage({ engine: FAKE, environments: [{ name: 'staging', objects: objects(), intent }], recordedDir: dir });
    expect(report.findings).toEqual([]);
    expect(report.decisions.get('staging')!.decisions).toHaveLength(intent.input.flows.length);
  });

  it('fails a declared flow denied, naming the environment, flow, layer and hop', async () => {
    process.env.FAKE_FLOWS_RULES = JSON.stringify([{ match: ORDERS_TO_PAYMENTS, decision: 'deny', layer: 'ztunnel' }]);
    const report = await flowsStage({ engine: FAKE, environments: [{ name: 'staging', objects: objects(), intent }] });
    expect(report.findings.map(f => f.message)).toEqual([
      `[staging] declared flow denied: ${ORDERS_TO_PAYMENTS} at ztunnel: ztunnel fake hop for ${ORDERS_TO_PAYMENTS} (matched default deny); DependencyDeclaration orders -> payments (ports 8080); CallerDeclaration orders/orders-api in payments (services: payments-api)`,
    ]);
    expect(report.findings[0]).toMatchObject({ stage: 'flows', folder: 'flows/staging', object: ORDERS_TO_PAYMENTS, level: 'error' });
  });

  it('fails a must-deny flow allowed', async () => {
    process.env.FAKE_FLOWS_RULES = JSON.stringify([{ match: INTRUDER, decision: 'allow' }]);
    const report = await flowsStage({ engine: FAKE, environments: [{ name: 'staging', objects: objects(), intent }] });
    expect(report.findings.map(f => f.message)).toEqual([
      expect.stringMatching(/^\[staging\] must-deny flow allowed: staging\/catalog\/intruder -> payments\/ledger:9090 at allowed: /),
    ]);
  });

  it('fails when the recorded file is missing or differs, and says how to record it', async () => {
    const dir = tmp();
    const missing = await flowsStage({
      engine: FAKE,
      environments: [{ name: 'staging', objects: objects(), intent }],
      recordedDir: dir,
      recordedDisplay: 'flows',
    });
    expect(missing.findings.map(f => `${f.file}: ${f.message}`)).toEqual([
      expect.stringMatching(/^flows\/staging\.json: is missing: .*fix: npm run flows -- --env staging --record/),
    ]);
    const stale = recordFlows(intent, decisions()) as RecordedFlows;
    fs.writeFileSync(
      path.join(dir, 'staging.json'),
      recordedText({ ...stale, flows: stale.flows.map((f, i) => (i === 0 ? { ...f, fingerprint: 'old' } : f)) }),
    );
    const differs = await flowsStage({ engine: FAKE, environments: [{ name: 'staging', objects: objects(), intent }], recordedDir: dir });
    expect(differs.findings.map(f => f.message)).toEqual([expect.stringMatching(/^differs from the fresh decisions/)]);
  });

  it('reports an engine that refuses its input with its one line, and one that is missing', async () => {
    process.env.FAKE_FLOWS_EXIT = '2';
    const refused = await flowsStage({ engine: FAKE, environments: [{ name: 'staging', objects: objects(), intent }] });
    expect(refused.findings.map(f => f.message)).toEqual([
      expect.stringMatching(/^flows engine refused its input: .*objects\.yaml: Pod payments\/x: spec\.containers: missing/),
    ]);
    const missing = await flowsStage({ engine: path.join(tmp(), 'no-engine'), environments: [{ name: 'staging', objects: objects(), intent }] });
    expect(missing.findings.map(f => f.message)).toEqual([expect.stringMatching(/^flows engine did not finish \(.*ENOENT/)]);
  });

  it('refuses decisions that do not follow the flows, naming the field', () => {
    const good = decisions();
    expect(parseDecisions(JSON.stringify(good), intent.input.flows).problems).toEqual([]);
    const swapped = { ...good, decisions: [good.decisions[1], good.decisions[0], ...good.decisions.slice(2)] };
    expect(parseDecisions(JSON.stringify(swapped), intent.input.flows).problems[0]).toMatch(/decisions\[0\]\.id is .*expected/);
    const badLayer = { ...good, decisions: good.decisions.map((d, i) => (i === 0 ? { ...d, layer: 'firewall' } : d)) };
    expect(parseDecisions(JSON.stringify(badLayer), intent.input.flows).problems).toEqual([
      expect.stringMatching(/decisions\[0\]\.layer must be one of network-policy, gateway, sidecar, ztunnel, waypoint, routing, allowed/),
    ]);
    expect(parseDecisions('{', intent.input.flows).problems[0]).toMatch(/is not JSON/);
  });
});

describe('npm run flows', () => {
  const run = async (args: Partial<Parameters<typeof runFlows>[0]>) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runFlows({
      environments: ENVIRONMENTS,
      build: buildPlatform,
      env: 'staging',
      engine: { path: FAKE },
      log: l => out.push(l),
      error: l => err.push(l),
      ...args,
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('without filters prints a table of every flow', async () => {
    const r = await run({});
    expect(r.code).toBe(0);
    expect(r.out).toContain(`ok  allow     allow   allowed  ${ORDERS_TO_PAYMENTS}`);
    expect(r.out).toMatch(new RegExp(`staging: ${intent.input.flows.length} flows decided by fake`));
  });

  it('with filters prints the decision and the trace hop by hop; exit 1 when a flow is not as expected', async () => {
    process.env.FAKE_FLOWS_RULES = JSON.stringify([{ match: ROUTE_WITH_JWT, decision: 'deny', layer: 'waypoint' }]);
    const r = await run({ from: 'alb', to: 'payments/payments-api:80', path: '/v1', jwt: true });
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `${ROUTE_WITH_JWT}\n  declared: RouteDeclaration payments/payments pay.staging.example.com/v1 -> payments-api:80\n  decision: deny at waypoint (EXPECTED ALLOW)\n   1. waypoint       deny  waypoint fake hop for ${ROUTE_WITH_JWT}  [matched default deny]`,
    );
  });

  it('--record writes flows/<env>.json: the flows, their fingerprints and the decisions with their hops', async () => {
    const dir = tmp();
    const r = await run({ record: true, decisionsDir: dir });
    expect(r.code).toBe(0);
    const recorded = JSON.parse(fs.readFileSync(path.join(dir, 'staging.json'), 'utf8')) as RecordedFlows;
    expect(recorded.flows.find(f => f.id === ORDERS_TO_PAYMENTS)).toMatchObject({
      expect: 'allow',
      origin: 'declared',
      fingerprint: intent.fingerprints.get(ORDERS_TO_PAYMENTS),
      decision: 'allow',
      layer: 'allowed',
      hops: [{ component: 'ztunnel' }],
    });
  });

  it('bad filters and no engine are one line, not a stack trace', async () => {
    expect(await run({ from: 'Orders' })).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^flows: --from Orders is not ns\/serviceaccount or alb/),
    });
    expect(await run({ from: 'nobody/here' })).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^flows: no flow of staging matches the filters\. Sources: alb, /),
    });
    expect(await run({ env: 'qa' })).toMatchObject({ code: 2, err: 'flows: unknown environment qa; known: lab, dev, staging, preprod, prod' });
    expect(await run({ engine: { problem: 'flows-engine is not built' } })).toMatchObject({
      code: 1,
      err: 'flows: cannot decide: flows-engine is not built',
    });
  });
});

describe('MESH.md from recorded decisions', () => {
  const mesh = (recorded: RecordedFlows | undefined) => {
    const dir = tmp();
    if (recorded) fs.writeFileSync(path.join(dir, 'staging.json'), recordedText(recorded));
    const [r] = synthesize(
      ENVIRONMENTS.filter(e => e.name === 'staging'),
      buildPlatform,
      { decisionsDir: dir },
    );
    return { md: r.files.find(f => f.name === 'MESH.md')!.content, unverified: r.unverifiedFlows };
  };
  const callers = (md: string) => md.split('\n').find(l => l.startsWith('| `payments`'))!;

  it('a matching allow is listed as allowed and drawn', () => {
    const { md, unverified } = mesh(recordFlows(intent, decisions()));
    expect(unverified).toBe(0);
    expect(callers(md)).toContain('orders/orders-api -> payments-api:80 (allowed)');
    expect(callers(md)).toContain('ingress gateway (with JWT) -> payments-api:80 GET pay.staging.example.com/v1 (allowed, through the waypoint)');
    expect(md).toContain('ns_orders -->|"mTLS · orders/orders-api"| payments_svc_payments_api');
    expect(md).toContain('gateway -->|"pay.staging.example.com /v1 · JWT"| payments_waypoint');
  });

  it('a stale fingerprint is not verified and not drawn', () => {
    const fresh = recordFlows(intent, decisions());
    const { md, unverified } = mesh({
      ...fresh,
      flows: fresh.flows.map(f => (f.id === ORDERS_TO_PAYMENTS ? { ...f, fingerprint: `${f.fingerprint.slice(1)}0` } : f)),
    });
    expect(unverified).toBe(1);
    expect(callers(md)).toContain(`orders/orders-api -> payments-api:80 (${NOT_VERIFIED})`);
    expect(md).not.toMatch(/ns_orders -->.*payments/);
    // The other flows keep their decisions.
    expect(md).toContain('gateway -->|"pay.staging.example.com /v1 · JWT"| payments_waypoint');
  });

  it('a recorded deny is listed as denied with its layer and not drawn', () => {
    const { md } = mesh(recordFlows(intent, decisions({ [ORDERS_TO_PAYMENTS]: 'ztunnel' })));
    expect(callers(md)).toContain('orders/orders-api -> payments-api:80 (**denied** at ztunnel: default deny)');
    expect(md).not.toMatch(/ns_orders -->.*payments/);
  });

  it('without a recorded file nothing is drawn as working, and synth warns once per environment', () => {
    const { md, unverified } = mesh(undefined);
    expect(unverified).toBe(intent.input.flows.filter(f => f.origin === 'declared').length);
    expect(md).not.toMatch(/gateway -->/);
    const out = tmp();
    const errors: string[] = [];
    const code = runSynth({
      environments: ENVIRONMENTS,
      build: buildPlatform,
      outdir: out,
      only: ['staging'],
      decisionsDir: tmp(),
      log: () => undefined,
      error: l => errors.push(l),
    });
    expect(code).toBe(0);
    expect(errors.filter(e => e.includes('not verified'))).toEqual([
      `warning [staging] ${unverified} declared flows are not verified: MESH.md does not draw them. fix: npm run flows -- --env staging --record`,
    ]);
  });
});
