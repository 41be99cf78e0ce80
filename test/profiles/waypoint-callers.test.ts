/**
 * Where each kind of caller is admitted in a namespace with a waypoint, one test per cell:
 *
 * | caller                                   | reaches the destination | decided by                                     |
 * |------------------------------------------|-------------------------|------------------------------------------------|
 * | ambient pod (ztunnel)                    | through the waypoint    | `allow-<svc>` (targetRefs Service), L7 allowed |
 * | sidecar pod                              | straight to the pod     | `allow-direct-<svc>` (selector, ztunnel, L4)   |
 * | ingress gateway, ingressThroughWaypoint  | through the waypoint    | `allow-<svc>`                                  |
 * | ingress gateway, bypassing the waypoint  | straight to the pod     | `allow-direct-<svc>` (routed ports only)       |
 * | unknown (outside, or out of the mesh)    | either                  | both                                           |
 *
 * Upstream: only gateways send to a Service's waypoint (`pilot/pkg/xds/endpoints/endpoint_builder.go`,
 * `findServiceWaypoint`), ambient clients' ztunnel sends Service traffic to it, and sidecars tunnel
 * HBONE straight to the pod, where ztunnel enforces the policies without targetRefs.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AmbientNamespaceProfile,
  DataplaneMode,
  L7PolicyDeclaration,
  Manifest,
  MtlsMode,
  NamespaceDeclarations,
  NamespaceSettings,
  PolicyAction,
  SidecarNamespaceProfile,
  synthesize,
} from '../../src';
import { baseConfig, crdSchemas, synthProblems } from '../util';
import { FixtureAmbient } from './fixtures';

type Obj = Manifest & Record<string, any>;

const SHOP = 'cluster.local/ns/shop/sa/shop-api';
const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway';

/** The waypoint namespace `fixture` (ambient) and its caller `shop` (sidecar), in one environment. */
function synthPair(fixture: NamespaceDeclarations, shopSettings: NamespaceSettings = {}, meshMode = MtlsMode.STRICT): Obj[] {
  const [result] = synthesize(
    [baseConfig({ istio: { mtlsMode: meshMode }, namespaces: { fixture: {}, shop: shopSettings } })],
    (app, env) => {
      new AmbientNamespaceProfile(app, 'fixture', {
        env,
        declarations: {
          services: [{ name: 'api', selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }], serviceAccount: 'api' }],
          waypoint: {},
          ...fixture,
        },
      });
      new SidecarNamespaceProfile(app, 'shop', {
        env,
        declarations: {
          services: [{ name: 'shop-api', selector: { app: 'shop-api' }, ports: [{ port: 80, targetPort: 8080 }], serviceAccount: 'shop-api' }],
        },
      });
    },
    { schemas: crdSchemas() },
  );
  return result.charts.flatMap(c => c.objects) as Obj[];
}

const policy = (objects: Obj[], name: string) =>
  objects.find(o => o.kind === 'AuthorizationPolicy' && o.metadata.namespace === 'fixture' && o.metadata.name === name);
const principalsOf = (p: Obj | undefined): string[] =>
  (p?.spec.rules ?? []).flatMap((r: any) => (r.from ?? []).flatMap((f: any) => f.source.principals ?? []));

beforeEach(() => {
  FixtureAmbient.hooks = {};
});

describe('callers of a namespace with a waypoint, by the way their traffic travels', () => {
  it('a sidecar caller is admitted by ztunnel on the pods (selector, container ports), not at the waypoint it never reaches', () => {
    const objects = synthPair({ callers: [{ namespace: 'shop', serviceAccount: 'shop-api' }] });
    expect(policy(objects, 'allow-direct-api')!.spec).toEqual({
      selector: { matchLabels: { app: 'api' } },
      rules: [{ from: [{ source: { principals: [SHOP] } }], to: [{ operation: { ports: ['8080'] } }] }],
    });
    expect(principalsOf(policy(objects, 'allow-api'))).not.toContain(SHOP);
  });

  it('an ambient caller goes through the waypoint: admitted there only, so ztunnel keeps admitting only the waypoint', () => {
    const objects = synthPair({
      services: [
        { name: 'api', selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }], serviceAccount: 'api' },
        { name: 'worker', selector: { app: 'worker' }, ports: [{ port: 7070 }], serviceAccount: 'worker' },
      ],
      callers: [{ namespace: 'fixture', serviceAccount: 'worker', services: ['api'] }],
    });
    expect(principalsOf(policy(objects, 'allow-api'))).toEqual(['cluster.local/ns/fixture/sa/worker']);
    expect(policy(objects, 'allow-api')!.spec.targetRefs).toEqual([{ group: '', kind: 'Service', name: 'api' }]);
    expect(policy(objects, 'allow-direct-api')).toBeUndefined();
  });

  it('a caller outside the environment follows its declared dataplane, and both ways when it declares none', () => {
    const declared = (dataplane?: DataplaneMode) =>
      synthPair({ callers: [{ namespace: 'legacy', serviceAccount: 'batch', external: true, dataplane }] });
    const principal = 'cluster.local/ns/legacy/sa/batch';
    const ambient = declared(DataplaneMode.AMBIENT);
    expect([principalsOf(policy(ambient, 'allow-api')), principalsOf(policy(ambient, 'allow-direct-api'))]).toEqual([[principal], []]);
    const sidecar = declared(DataplaneMode.SIDECAR);
    expect([principalsOf(policy(sidecar, 'allow-api')), principalsOf(policy(sidecar, 'allow-direct-api'))]).toEqual([[], [principal]]);
    const unknown = declared();
    expect([principalsOf(policy(unknown, 'allow-api')), principalsOf(policy(unknown, 'allow-direct-api'))]).toEqual([[principal], [principal]]);
  });

  it('a caller whose namespace is still out of the mesh is admitted both ways, ready for whichever dataplane it joins', () => {
    const objects = synthPair(
      { callers: [{ namespace: 'shop', serviceAccount: 'shop-api' }] },
      { dataplane: DataplaneMode.OUT_OF_MESH, mtlsMode: MtlsMode.PERMISSIVE },
      MtlsMode.PERMISSIVE,
    );
    expect(principalsOf(policy(objects, 'allow-api'))).toEqual([SHOP]);
    expect(principalsOf(policy(objects, 'allow-direct-api'))).toEqual([SHOP]);
  });

  it('the ingress gateway goes through the waypoint by default and is admitted there', () => {
    const objects = synthPair({ routes: [{ name: 'web', hosts: ['shop.apps.example.com'], rules: [{ service: 'api', port: 80 }] }] });
    expect(principalsOf(policy(objects, 'allow-api'))).toEqual([GATEWAY]);
    expect(policy(objects, 'allow-direct-api')).toBeUndefined();
  });
});

describe('L7 rules that the waypoint cannot enforce for a caller', () => {
  const l7From = (workloads: NonNullable<L7PolicyDeclaration['from']>['workloads'], action?: PolicyAction) => [
    { name: 'reads', services: ['api'], action, from: { workloads }, to: { methods: ['GET'] } },
  ];

  it('refuse an L7 ALLOW for a sidecar caller, naming the declarations field, caller and fix', () => {
    const problems = synthProblems(() => synthPair({ l7Policies: l7From([{ namespace: 'shop', serviceAccount: 'shop-api' }]) }));
    expect(problems).toEqual([
      '[test] fixture: \'declarations.l7Policies[0].from.workloads[0]\' runs with sidecars, which send straight to the pods and never through the waypoint where L7 rules are enforced, so this ALLOW would never admit it; got {"namespace":"shop","serviceAccount":"shop-api"}. fix: grant it at L4 with declarations.callers (all ports of the Service), or move namespace shop to ambient',
    ]);
  });

  it('refuse an L7 rule for a workload of unknown dataplane, and accept it once it is declared ambient', () => {
    const unknown = synthProblems(() => synthPair({ l7Policies: l7From([{ namespace: 'legacy', serviceAccount: 'batch', external: true }]) }));
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toContain('has no known dataplane');
    const objects = synthPair({
      l7Policies: l7From([{ namespace: 'legacy', serviceAccount: 'batch', external: true, dataplane: DataplaneMode.AMBIENT }]),
    });
    expect(principalsOf(policy(objects, 'reads'))).toEqual(['cluster.local/ns/legacy/sa/batch']);
  });

  it('refuse an L7 rule for the ingress gateway when the gateway bypasses the waypoint', () => {
    const problems = synthProblems(() =>
      synthPair({
        waypoint: { ingressThroughWaypoint: false },
        routes: [{ name: 'web', hosts: ['shop.apps.example.com'], rules: [{ service: 'api', port: 80 }] }],
        l7Policies: [{ name: 'public', services: ['api'], from: { ingressGateway: true }, to: { methods: ['GET'] } }],
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("'declarations.l7Policies[0].from.ingressGateway' needs the ingress gateway to go through the waypoint");
  });

  it('refuse a DENY on a Service that a sidecar caller reaches around the waypoint, and accept it when every caller is ambient', () => {
    const deny = [{ name: 'no-deletes', services: ['api'], action: PolicyAction.DENY, to: { methods: ['DELETE'] } }];
    const problems = synthProblems(() => synthPair({ callers: [{ namespace: 'shop', serviceAccount: 'shop-api' }], l7Policies: deny }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('declarations.callers admits shop/shop-api, whose requests reach the pods without it');
    const objects = synthPair({ callers: [{ namespace: 'fixture', serviceAccount: 'api' }], l7Policies: deny });
    expect(policy(objects, 'no-deletes')!.spec.action).toBe('DENY');
  });
});

describe('the waypoint ServiceAccount the admission guard protects', () => {
  it('is the waypoint name, and a throwing waypoint() hook is reported by the profile instead of crashing the platform', () => {
    class Throws extends FixtureAmbient {
      protected override waypoint(): never {
        throw new Error('boom');
      }
    }
    FixtureAmbient.hooks = { waypoint: { name: 'edge' } };
    const [result] = synthesize(
      [baseConfig({ namespaces: { fixture: {} } })],
      (app, env) => {
        const p = new FixtureAmbient(app, 'fixture', { env });
        expect(p.waypointServiceAccount).toBe('edge');
      },
      { schemas: crdSchemas() },
    );
    expect(result).toBeDefined();
    const problems = synthProblems(() =>
      synthesize([baseConfig({ namespaces: { fixture: {} } })], (app, env) => {
        const p = new Throws(app, 'fixture', { env });
        expect(p.waypointServiceAccount).toBeUndefined();
      }),
    );
    expect(problems).toEqual(["[test] fixture: 'Throws.waypoint()' threw: boom; got nothing. fix: fix Throws.waypoint()"]);
  });
});
