import { ApiObject } from 'cdk8s';
import { beforeEach, describe, expect, it } from 'vitest';
import { InjectionStyle, Manifest, MtlsMode, PodSecurityLevel, PolicyAction, synthesize } from '../../src';
import { baseConfig, crdSchemas, findByKind, synthProblems } from '../util';
import { FixtureAmbient, FixtureSidecar, fullHooks, HookValues } from './fixtures';

type Profile = typeof FixtureAmbient | typeof FixtureSidecar;
const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway';

function synthProfile(Profile: Profile, hooks: HookValues, overrides: Parameters<typeof baseConfig>[0] = {}): Array<Manifest & Record<string, any>> {
  Profile.hooks = hooks;
  const [result] = synthesize(
    [baseConfig({ namespaces: { fixture: {} }, ...overrides })],
    (app, env) => {
      new Profile(app, 'fixture', { env });
    },
    { schemas: crdSchemas() },
  );
  return result.charts.flatMap(c => c.objects) as Array<Manifest & Record<string, any>>;
}

function profileProblems(Profile: Profile, hooks: HookValues): string[] {
  return synthProblems(() => synthProfile(Profile, hooks));
}

const named = (objects: Manifest[], kind: string, name: string) =>
  objects.find(o => o.kind === kind && o.metadata.name === name) as (Manifest & Record<string, any>) | undefined;
const policies = (objects: Manifest[]) => findByKind(objects, 'AuthorizationPolicy') as Array<Manifest & Record<string, any>>;
const principalsOf = (p: any): string[] => (p.spec.rules ?? []).flatMap((r: any) => (r.from ?? []).flatMap((f: any) => f.source.principals ?? []));
const L7_KEYS = ['methods', 'paths', 'hosts', 'notMethods', 'notPaths', 'notHosts'];
const hasL7 = (p: any) =>
  (p.spec.rules ?? []).some(
    (r: any) =>
      (r.to ?? []).some((t: any) => L7_KEYS.some(k => t.operation[k])) ||
      (r.from ?? []).some((f: any) => f.source.requestPrincipals) ||
      (r.when ?? []).length > 0,
  );

beforeEach(() => {
  FixtureAmbient.hooks = {};
  FixtureSidecar.hooks = {};
});

describe('every profile', () => {
  it.each([FixtureAmbient, FixtureSidecar])('%o: denies by default with an ALLOW policy with an empty spec', Profile => {
    const objects = synthProfile(Profile, {});
    expect(named(objects, 'AuthorizationPolicy', 'default-deny')!.spec).toEqual({});
    expect(named(objects, 'NetworkPolicy', 'default-deny')!.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it.each([FixtureAmbient, FixtureSidecar])(
    '%o: labels the Namespace with Pod Security, team and environment, and gives it no namespace',
    Profile => {
      const ns = named(synthProfile(Profile, {}), 'Namespace', 'fixture')!;
      expect(ns.metadata.namespace).toBeUndefined();
      expect(ns.metadata.labels).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'mesh.eks-istio-mesh.io/team': 'fixture',
        'mesh.eks-istio-mesh.io/environment': 'test',
      });
    },
  );

  it.each([FixtureAmbient, FixtureSidecar])('%o: takes the Pod Security level and extra labels from hooks', Profile => {
    const ns = named(
      synthProfile(Profile, { podSecurityLevel: PodSecurityLevel.BASELINE, namespaceLabels: { 'cost-center': 'shop' } }),
      'Namespace',
      'fixture',
    )!;
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'baseline', 'cost-center': 'shop' });
  });

  it.each([FixtureAmbient, FixtureSidecar])('%o: sets the namespace mTLS mode from the environment, defaulting to the mesh mode', Profile => {
    expect(named(synthProfile(Profile, {}), 'PeerAuthentication', 'default')!.spec).toEqual({ mtls: { mode: 'STRICT' } });
    const permissive = synthProfile(Profile, {}, { namespaces: { fixture: { mtlsMode: MtlsMode.PERMISSIVE } } });
    expect(named(permissive, 'PeerAuthentication', 'default')!.spec).toEqual({ mtls: { mode: 'PERMISSIVE' } });
  });

  it.each([FixtureAmbient, FixtureSidecar])('%o: never emits a wildcard principal and never an "allow health checks" policy', Profile => {
    const objects = synthProfile(Profile, fullHooks());
    for (const p of policies(objects)) {
      for (const principal of principalsOf(p)) expect(principal).not.toContain('*');
      expect(p.metadata.name).not.toMatch(/health/);
    }
  });

  it.each([FixtureAmbient, FixtureSidecar])('%o: routes exposed Services on the shared gateway', Profile => {
    const vs = named(synthProfile(Profile, fullHooks()), 'VirtualService', 'web')!;
    expect(vs.metadata.namespace).toBe('fixture');
    expect(vs.spec.gateways).toEqual(['istio-system/shared-gateway']);
    expect(vs.spec.http[0].route[0].destination).toEqual({ host: 'api.fixture.svc.cluster.local', port: { number: 80 } });
  });

  it.each([FixtureAmbient, FixtureSidecar])(
    '%o: defines external hosts as namespace-local ServiceEntries with a matching egress NetworkPolicy',
    Profile => {
      const objects = synthProfile(Profile, fullHooks());
      const se = named(objects, 'ServiceEntry', 'api.stripe.com')!;
      expect(se.spec).toMatchObject({
        hosts: ['api.stripe.com'],
        exportTo: ['.'],
        location: 'MESH_EXTERNAL',
        resolution: 'DNS',
        ports: [{ number: 443, name: 'tls-443', protocol: 'TLS' }],
      });
      const np = named(objects, 'NetworkPolicy', 'allow-egress-external')!;
      expect(np.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }] }]);
    },
  );

  it.each([FixtureAmbient, FixtureSidecar])('%o: opens DNS to kube-system over UDP and TCP 53', Profile => {
    const np = named(synthProfile(Profile, {}), 'NetworkPolicy', 'allow-dns')!;
    expect(np.spec.egress[0].ports).toEqual([
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
    expect(np.spec.egress[0].to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }]);
  });

  it.each([FixtureAmbient, FixtureSidecar])('%o: emits a DestinationRule that leaves TLS to auto-mTLS', Profile => {
    const dr = named(synthProfile(Profile, fullHooks()), 'DestinationRule', 'api')!;
    expect(dr.spec.host).toBe('api.fixture.svc.cluster.local');
    expect(dr.spec.trafficPolicy.tls).toBeUndefined();
  });
});

describe('identities', () => {
  it.each([FixtureAmbient, FixtureSidecar])(
    '%o: declares its ServiceAccounts on the Namespace and its outside principals on the policies',
    Profile => {
      const objects = synthProfile(Profile, { ...fullHooks(), ...(Profile === FixtureSidecar ? { waypoint: undefined } : {}) });
      expect(named(objects, 'Namespace', 'fixture')!.metadata.annotations).toEqual({
        'kustomize.toolkit.fluxcd.io/prune': 'disabled',
        'mesh.eks-istio-mesh.io/service-accounts': 'api,worker',
      });
      const annotated = policies(objects).filter(p => p.metadata.annotations?.['mesh.eks-istio-mesh.io/external-principals']);
      expect([...new Set(annotated.map(p => p.metadata.annotations!['mesh.eks-istio-mesh.io/external-principals']))].sort()).toEqual([
        'cluster.local/ns/admin/sa/console',
        'cluster.local/ns/billing/sa/billing-job',
      ]);
    },
  );

  it('fails the synth when a caller names a ServiceAccount nobody declares (rule principal-resolves)', () => {
    const problems = profileProblems(FixtureSidecar, {
      ...fullHooks(),
      callers: [{ namespace: 'fixture', serviceAccount: 'ap1', services: ['api'] }],
    });
    expect(problems).toEqual([
      '[test] test/namespaces/40-fixture.yaml (fixture/Authorization/allow-api): rule principal-resolves: AuthorizationPolicy fixture/allow-api allows cluster.local/ns/fixture/sa/ap1, which is no ServiceAccount known in this environment. fix: fix the principal, declare the ServiceAccount (Namespace annotation mesh.eks-istio-mesh.io/service-accounts), or list it in the policy annotation mesh.eks-istio-mesh.io/external-principals when it lives outside this environment',
    ]);
  });
});

describe('NetworkPolicies follow authorization', () => {
  it('admit the namespaces of workloads that only an L7 policy allows (sidecar: per Service)', () => {
    const api = named(synthProfile(FixtureSidecar, { ...fullHooks(), waypoint: undefined }), 'NetworkPolicy', 'allow-to-api')!;
    const namespaces = api.spec.ingress.flatMap((r: any) => r.from.map((f: any) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']));
    expect(namespaces).toEqual(['istio-system', 'admin', 'billing']);
  });

  it('admit them on HBONE when a waypoint fronts the namespace', () => {
    const hbone = named(synthProfile(FixtureAmbient, fullHooks()), 'NetworkPolicy', 'allow-hbone')!;
    expect(hbone.spec.ingress[0].from.map((f: any) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name'])).toEqual([
      'istio-system',
      'admin',
      'billing',
    ]);
  });
});

describe('AmbientNamespaceProfile', () => {
  it('enrols the namespace in ambient with neither injection label', () => {
    const labels = named(synthProfile(FixtureAmbient, {}), 'Namespace', 'fixture')!.metadata.labels!;
    expect(labels['istio.io/dataplane-mode']).toBe('ambient');
    expect(labels['istio.io/rev']).toBeUndefined();
    expect(labels['istio-injection']).toBeUndefined();
    expect(labels['istio.io/use-waypoint']).toBeUndefined();
  });

  it('never emits a Sidecar, even with dependencies and external hosts', () => {
    expect(
      findByKind(
        synthProfile(FixtureAmbient, { ...fullHooks(), waypoint: undefined, l7Policies: [], jwtRules: [], telemetry: undefined }),
        'Sidecar',
      ),
    ).toEqual([]);
    expect(findByKind(synthProfile(FixtureAmbient, fullHooks()), 'Sidecar')).toEqual([]);
  });

  it('without a waypoint: L4 allows select the Service pods; the gateway reaches only routed container ports', () => {
    const objects = synthProfile(FixtureAmbient, { ...fullHooks(), waypoint: undefined, l7Policies: [], jwtRules: [], telemetry: undefined });
    const api = named(objects, 'AuthorizationPolicy', 'allow-api')!;
    expect(api.spec.selector).toEqual({ matchLabels: { app: 'api' } });
    expect(api.spec.targetRefs).toBeUndefined();
    expect(api.spec.rules).toEqual([
      { from: [{ source: { principals: [GATEWAY] } }], to: [{ operation: { ports: ['8080'] } }] },
      { from: [{ source: { principals: ['cluster.local/ns/billing/sa/billing-job'] } }], to: [{ operation: { ports: ['8080', '9000'] } }] },
    ]);
    expect(policies(objects).every(p => !hasL7(p))).toBe(true);
  });

  it('with a waypoint: ztunnel admits the waypoint, the waypoint denies by default, allows attach with targetRefs', () => {
    const objects = synthProfile(FixtureAmbient, {
      ...fullHooks(),
      callers: [{ namespace: 'fixture', serviceAccount: 'api', services: ['worker'] }],
    });
    const ns = named(objects, 'Namespace', 'fixture')!;
    expect(ns.metadata.labels).toMatchObject({ 'istio.io/use-waypoint': 'waypoint', 'istio.io/ingress-use-waypoint': 'true' });
    // With only ambient callers (this namespace), every policy enforced by ztunnel (no targetRefs) admits the waypoint principal only.
    const ztunnel = policies(objects).filter(p => !p.spec.targetRefs);
    expect(ztunnel.map(p => p.metadata.name).sort()).toEqual(['allow-waypoint', 'default-deny']);
    expect(principalsOf(named(objects, 'AuthorizationPolicy', 'allow-waypoint'))).toEqual(['cluster.local/ns/fixture/sa/waypoint']);
    expect(named(objects, 'AuthorizationPolicy', 'waypoint-default-deny')!.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }],
    });
    const api = named(objects, 'AuthorizationPolicy', 'allow-api')!;
    expect(api.spec.targetRefs).toEqual([{ group: '', kind: 'Service', name: 'api' }]);
    expect(api.spec.selector).toBeUndefined();
    expect(principalsOf(api)).toEqual([GATEWAY]);
    expect(principalsOf(named(objects, 'AuthorizationPolicy', 'allow-worker'))).toEqual(['cluster.local/ns/fixture/sa/api']);
  });

  it('with a waypoint: a caller of unknown dataplane is admitted at the waypoint and, at L4 on the container ports, by ztunnel', () => {
    const objects = synthProfile(FixtureAmbient, fullHooks());
    expect(principalsOf(named(objects, 'AuthorizationPolicy', 'allow-api')).sort()).toEqual(
      ['cluster.local/ns/billing/sa/billing-job', GATEWAY].sort(),
    );
    expect(named(objects, 'AuthorizationPolicy', 'allow-direct-api')!.spec).toEqual({
      selector: { matchLabels: { app: 'api' } },
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/billing/sa/billing-job'] } }], to: [{ operation: { ports: ['8080', '9000'] } }] }],
    });
    expect(named(objects, 'AuthorizationPolicy', 'allow-direct-worker')).toBeUndefined();
  });

  it('binds every L7 policy and the RequestAuthentication to the waypoint with targetRefs, never a selector', () => {
    const objects = synthProfile(FixtureAmbient, fullHooks());
    for (const p of policies(objects).filter(hasL7)) {
      expect(p.spec.selector).toBeUndefined();
      expect(p.spec.targetRefs.length).toBeGreaterThan(0);
    }
    expect(named(objects, 'AuthorizationPolicy', 'admins-only')!.spec).toEqual({
      action: 'ALLOW',
      targetRefs: [{ group: '', kind: 'Service', name: 'api' }],
      rules: [
        {
          from: [{ source: { principals: ['cluster.local/ns/admin/sa/console'] } }],
          to: [{ operation: { methods: ['DELETE'], paths: ['/api/*'] } }],
        },
      ],
    });
    expect(named(objects, 'RequestAuthentication', 'jwt-api')!.spec).toEqual({
      targetRefs: [{ group: '', kind: 'Service', name: 'api' }],
      jwtRules: [{ issuer: 'https://id.example.com', jwksUri: 'https://id.example.com/jwks.json' }],
    });
  });

  it('defines the waypoint as a Gateway API Gateway with the HBONE listener', () => {
    const gw = findByKind(synthProfile(FixtureAmbient, fullHooks()), 'Gateway')[0] as any;
    expect(gw.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(gw.metadata).toMatchObject({ name: 'waypoint', namespace: 'fixture', labels: { 'istio.io/waypoint-for': 'service' } });
    expect(gw.spec).toEqual({
      gatewayClassName: 'istio-waypoint',
      infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'waypoint-infrastructure' } },
      listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
    });
  });

  it('labels the waypoint with a non-default revision', () => {
    const gw = findByKind(synthProfile(FixtureAmbient, fullHooks(), { istio: { revision: '1-30' } }), 'Gateway')[0] as any;
    expect(gw.metadata.labels['istio.io/rev']).toBe('1-30');
  });

  it('lets the ingress gateway bypass the waypoint only when asked, then admits it at ztunnel to routed ports only', () => {
    const objects = synthProfile(FixtureAmbient, { ...fullHooks(), waypoint: { ingressThroughWaypoint: false } });
    expect(named(objects, 'Namespace', 'fixture')!.metadata.labels!['istio.io/ingress-use-waypoint']).toBeUndefined();
    expect(named(objects, 'AuthorizationPolicy', 'allow-direct-api')!.spec).toEqual({
      selector: { matchLabels: { app: 'api' } },
      rules: [
        { from: [{ source: { principals: [GATEWAY] } }], to: [{ operation: { ports: ['8080'] } }] },
        { from: [{ source: { principals: ['cluster.local/ns/billing/sa/billing-job'] } }], to: [{ operation: { ports: ['8080', '9000'] } }] },
      ],
    });
    expect(principalsOf(named(objects, 'AuthorizationPolicy', 'allow-api'))).toEqual(['cluster.local/ns/billing/sa/billing-job']);
  });

  it('lets an L7 policy that admits the gateway replace the blanket gateway allow (so a JWT applies to internet traffic)', () => {
    const hooks = fullHooks();
    const objects = synthProfile(FixtureAmbient, {
      ...hooks,
      l7Policies: [
        {
          name: 'public',
          services: ['api'],
          from: { ingressGateway: true, requestPrincipals: ['https://id.example.com/*'] },
          to: { paths: ['/api', '/api/*'] },
        },
      ],
    });
    expect(principalsOf(named(objects, 'AuthorizationPolicy', 'allow-api'))).toEqual(['cluster.local/ns/billing/sa/billing-job']);
    expect(named(objects, 'AuthorizationPolicy', 'public')!.spec.rules[0].from[0].source).toEqual({
      principals: [GATEWAY],
      requestPrincipals: ['https://id.example.com/*'],
    });
  });

  it('allows HBONE 15008 and the probe source in its NetworkPolicies', () => {
    for (const hooks of [{ ...fullHooks(), waypoint: undefined, l7Policies: [], jwtRules: [], telemetry: undefined }, fullHooks()]) {
      const objects = synthProfile(FixtureAmbient, hooks);
      const nps = findByKind(objects, 'NetworkPolicy') as any[];
      expect(named(objects, 'NetworkPolicy', 'allow-kubelet-probes')!.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '169.254.7.127/32' } }] }]);
      const fromOtherNamespaces = nps.flatMap(np => (np.spec.ingress ?? []).filter((r: any) => (r.from ?? []).some((f: any) => f.namespaceSelector)));
      expect(fromOtherNamespaces.length).toBeGreaterThan(0);
      for (const rule of fromOtherNamespaces) expect(rule.ports.map((p: any) => p.port)).toContain(15008);
      const egressMesh = named(objects, 'NetworkPolicy', 'allow-egress-mesh')!;
      expect(egressMesh.spec.egress[0].ports.map((p: any) => p.port)).toEqual([8443, 15008]);
    }
  });

  it('fails on an L7 policy without a waypoint, naming the class and the hook', () => {
    const problems = profileProblems(FixtureAmbient, { ...fullHooks(), waypoint: undefined, jwtRules: [], telemetry: undefined });
    expect(problems).toEqual([
      '[test] fixture: \'FixtureAmbient.l7Policies()[0]\' needs a waypoint: ztunnel enforces L4 only and would turn this ALLOW into deny-all (or a DENY into a wider deny); got "admins-only". fix: override waypoint() in FixtureAmbient to return {}',
    ]);
  });

  it('fails on a JWT rule without a waypoint', () => {
    const problems = profileProblems(FixtureAmbient, { ...fullHooks(), waypoint: undefined, l7Policies: [] });
    expect(problems[0]).toMatch(/'FixtureAmbient\.jwtRules\(\)\[0\]' needs a waypoint: ztunnel cannot validate JWTs/);
  });

  it('fails on a Sidecar added through extraResources', () => {
    const problems = profileProblems(FixtureAmbient, {
      extra: scope =>
        new ApiObject(scope, 'Sidecar', {
          apiVersion: 'networking.istio.io/v1',
          kind: 'Sidecar',
          metadata: { name: 'default' },
          spec: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } },
        }),
    });
    expect(problems).toEqual([
      '[test] fixture/Extra: \'FixtureAmbient.extraResources()\' defines a Sidecar in an ambient namespace, where ztunnel and waypoints ignore it; got "Sidecar default". fix: remove it; restrict egress with externalHosts() and NetworkPolicies',
    ]);
  });
});

describe('SidecarNamespaceProfile', () => {
  it('sets istio.io/rev to the revision and not istio-injection', () => {
    const labels = named(synthProfile(FixtureSidecar, {}, { istio: { revision: '1-30' } }), 'Namespace', 'fixture')!.metadata.labels!;
    expect(labels['istio.io/rev']).toBe('1-30');
    expect(labels['istio-injection']).toBeUndefined();
    expect(labels['istio.io/dataplane-mode']).toBeUndefined();
  });

  it('sets istio-injection=enabled and not istio.io/rev with the legacy injection style', () => {
    const labels = named(synthProfile(FixtureSidecar, {}, { istio: { injectionStyle: InjectionStyle.INJECTION_LABEL } }), 'Namespace', 'fixture')!
      .metadata.labels!;
    expect(labels['istio-injection']).toBe('enabled');
    expect(labels['istio.io/rev']).toBeUndefined();
  });

  it('locks egress with a REGISTRY_ONLY Sidecar listing the namespace, istio-system, the collector and the dependencies', () => {
    const sidecar = named(synthProfile(FixtureSidecar, fullHooks()), 'Sidecar', 'default')!;
    expect(sidecar.spec).toEqual({
      egress: [{ hosts: ['./*', 'billing/*', 'istio-system/*', 'observability/*'] }],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    });
    expect(sidecar.spec.workloadSelector).toBeUndefined();
  });

  it('enforces L7 policies in the sidecars (selector) and validates JWTs on the pods of the Services that need them', () => {
    const { waypoint: _unused, ...hooks } = fullHooks();
    const objects = synthProfile(FixtureSidecar, hooks);
    const admins = named(objects, 'AuthorizationPolicy', 'admins-only')!;
    expect(admins.spec.selector).toEqual({ matchLabels: { app: 'api' } });
    expect(admins.spec.targetRefs).toBeUndefined();
    expect(named(objects, 'RequestAuthentication', 'jwt-api')!.spec.selector).toEqual({ matchLabels: { app: 'api' } });
    expect(named(objects, 'RequestAuthentication', 'jwt-api')!.spec.targetRefs).toBeUndefined();
    expect(findByKind(objects, 'RequestAuthentication')).toHaveLength(1);
    expect(findByKind(objects, 'Gateway')).toEqual([]);
  });

  it('allows the gateway to the routed container port and HBONE, and egress to istiod and the collector', () => {
    const objects = synthProfile(FixtureSidecar, fullHooks());
    const api = named(objects, 'NetworkPolicy', 'allow-to-api')!;
    expect(api.spec.podSelector).toEqual({ matchLabels: { app: 'api' } });
    expect(api.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
            podSelector: { matchLabels: { istio: 'ingressgateway' } },
          },
        ],
        ports: [
          { protocol: 'TCP', port: 8080 },
          { protocol: 'TCP', port: 15008 },
        ],
      },
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'admin' } } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'billing' } } },
        ],
        ports: [
          { protocol: 'TCP', port: 8080 },
          { protocol: 'TCP', port: 9000 },
          { protocol: 'TCP', port: 15008 },
        ],
      },
    ]);
    expect(named(objects, 'NetworkPolicy', 'allow-egress-istiod')!.spec.egress[0].ports).toEqual([{ protocol: 'TCP', port: 15012 }]);
    expect(named(objects, 'NetworkPolicy', 'allow-egress-telemetry')!.spec.egress[0]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }],
      ports: [
        { protocol: 'TCP', port: 4317 },
        { protocol: 'TCP', port: 15008 },
      ],
    });
    expect(named(objects, 'NetworkPolicy', 'allow-kubelet-probes')).toBeUndefined();
  });

  it('allows the gateway principal to exactly the routed Services and ports', () => {
    const objects = synthProfile(FixtureSidecar, fullHooks());
    const withGateway = policies(objects).filter(p => principalsOf(p).includes(GATEWAY));
    expect(
      withGateway.map(p => [p.metadata.name, p.spec.selector, p.spec.rules.find((r: any) => r.from[0].source.principals.includes(GATEWAY)).to]),
    ).toEqual([['allow-api', { matchLabels: { app: 'api' } }, [{ operation: { ports: ['8080'] } }]]]);
  });
});

describe('hook validation', () => {
  it('names the class, the hook, the bad value and the fix for a route outside the domains', () => {
    const problems = profileProblems(FixtureSidecar, {
      ...fullHooks(),
      routes: [{ name: 'web', hosts: ['shop.evil.com'], rules: [{ service: 'api', port: 80 }] }],
    });
    expect(problems).toEqual([
      '[test] fixture: \'FixtureSidecar.routes()[0].hosts[0]\' is not under any domain of environment test (apps.example.com); got "shop.evil.com". fix: use a host under one of those domains, or add the domain to the environment config',
    ]);
  });

  it('refuses routes, callers and policies that name undeclared Services or ports', () => {
    const problems = profileProblems(FixtureSidecar, {
      ...fullHooks(),
      routes: [
        {
          name: 'web',
          hosts: ['shop.apps.example.com'],
          rules: [
            { service: 'nope', port: 80 },
            { service: 'api', port: 81 },
          ],
        },
      ],
      callers: [{ namespace: 'billing', serviceAccount: 'job', services: ['ghost'] }],
    });
    expect(problems.map(p => p.split("'")[1])).toEqual([
      'FixtureSidecar.routes()[0].rules[0].service',
      'FixtureSidecar.routes()[0].rules[1].port',
      'FixtureSidecar.callers()[0].services[0]',
    ]);
  });

  it('refuses wildcard callers and an L7 ALLOW from any source', () => {
    const problems = profileProblems(FixtureSidecar, {
      ...fullHooks(),
      callers: [{ namespace: '*', serviceAccount: '*' }],
      l7Policies: [{ name: 'open', services: ['api'], to: { paths: ['/'] } }],
    });
    expect(problems[0]).toMatch(/'FixtureSidecar\.callers\(\)\[0\]' uses a wildcard: it would allow every workload/);
    expect(problems[1]).toMatch(/'FixtureSidecar\.l7Policies\(\)\[0\]\.from' allows any source/);
  });

  it('refuses a DestinationRule TLS mode other than ISTIO_MUTUAL, at the top and per port', () => {
    const problems = profileProblems(FixtureSidecar, {
      ...fullHooks(),
      trafficPolicies: [
        {
          service: 'api',
          trafficPolicy: { tls: { mode: 'SIMPLE' as any }, portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'DISABLE' as any } }] },
        },
      ],
    });
    expect(problems.map(p => p.split("'")[1])).toEqual([
      'FixtureSidecar.trafficPolicies()[0].trafficPolicy.tls.mode',
      'FixtureSidecar.trafficPolicies()[0].trafficPolicy.portLevelSettings[0].tls.mode',
    ]);
    expect(problems[0]).toContain('would replace Istio mTLS to an in-mesh Service');
  });

  it('accepts ISTIO_MUTUAL', () => {
    const objects = synthProfile(FixtureSidecar, {
      ...fullHooks(),
      trafficPolicies: [{ service: 'api', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' as any } } }],
    });
    expect(named(objects, 'DestinationRule', 'api')!.spec.trafficPolicy.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
  });

  it('refuses namespace labels the profile owns', () => {
    const problems = profileProblems(FixtureAmbient, { namespaceLabels: { 'istio-injection': 'enabled', 'istio.io/rev': 'x' } });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("'FixtureAmbient.namespaceLabels()['istio-injection']' sets a label the profile owns");
  });

  it('reports a hook that throws', () => {
    const problems = profileProblems(FixtureSidecar, {
      get services(): never {
        throw new Error('boom');
      },
    } as HookValues);
    expect(problems).toEqual(["[test] fixture: 'FixtureSidecar.services()' threw: boom; got nothing. fix: fix FixtureSidecar.services()"]);
  });

  it('refuses cluster-scoped and foreign-namespace objects from extraResources', () => {
    const problems = profileProblems(FixtureSidecar, {
      extra: scope => {
        new ApiObject(scope, 'Role', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'god' } });
        new ApiObject(scope, 'Cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'kube-system' } });
        new ApiObject(scope, 'Pa', {
          apiVersion: 'security.istio.io/v1',
          kind: 'PeerAuthentication',
          metadata: { name: 'off' },
          spec: { mtls: { mode: 'PERMISSIVE' } },
        });
      },
    });
    expect(problems.map(p => p.split(';')[0])).toEqual([
      "[test] fixture/Extra: 'FixtureSidecar.extraResources()' is cluster-scoped: it would reach beyond the namespace",
      "[test] fixture/Extra: 'FixtureSidecar.extraResources()' defines an object outside namespace fixture (in kube-system)",
      "[test] fixture/Extra: 'FixtureSidecar.extraResources()' defines a PeerAuthentication, which the profile owns",
    ]);
  });

  it('puts extra objects that set no namespace into the profile namespace', () => {
    const quota = named(synthProfile(FixtureSidecar, fullHooks()), 'ResourceQuota', 'quota')!;
    expect(quota.metadata.namespace).toBe('fixture');
  });

  it('collects every problem of every hook in one run', () => {
    const problems = profileProblems(FixtureAmbient, {
      services: [{ name: 'API', selector: {}, ports: [] }],
      dependencies: [{ namespace: 'Bad_NS' }],
      externalHosts: [{ host: 'x', port: 0, protocol: 'FTP' as any, cidrs: ['0.0.0.0/0'] }],
      l7Policies: [{ name: 'p', services: ['API'], action: PolicyAction.DENY, to: { methods: ['FETCH'] } }],
    });
    expect(problems.length).toBeGreaterThanOrEqual(9);
    expect(problems.every(p => p.startsWith("[test] fixture: 'FixtureAmbient."))).toBe(true);
  });
});

describe('telemetry() hook', () => {
  const telemetryOf = (objects: Manifest[]) => findByKind(objects, 'Telemetry') as Array<Manifest & Record<string, any>>;

  it('sidecar: emits no namespace Telemetry unless the hook asks, so the mesh-wide one applies', () => {
    expect(telemetryOf(synthProfile(FixtureSidecar, {}))).toEqual([]);
  });

  it('sidecar: overrides sampling, access logging and tags namespace-wide, keeping the environment provider and tags', () => {
    // GIVEN
    const hooks = { telemetry: { samplingPercentage: 25, accessLogging: true, customTags: { team: 'shop' } } };
    // WHEN
    const [t] = telemetryOf(synthProfile(FixtureSidecar, hooks));
    // THEN
    expect(t.metadata).toMatchObject({ name: 'default', namespace: 'fixture' });
    expect(t.spec.targetRefs).toBeUndefined();
    expect(t.spec.tracing).toEqual([
      {
        providers: [{ name: 'otel-tracing' }],
        randomSamplingPercentage: 25,
        customTags: {
          cluster: { literal: { value: 'mesh-test' } },
          environment: { literal: { value: 'test' } },
          team: { literal: { value: 'shop' } },
        },
      },
    ]);
    expect(t.spec.accessLogging).toEqual([{ providers: [{ name: 'envoy' }], disabled: false }]);
  });

  it('ambient with a waypoint: always attaches tracing to the waypoint with targetRefs, with the environment settings by default', () => {
    // WHEN
    const [t] = telemetryOf(synthProfile(FixtureAmbient, { waypoint: {} }, { telemetry: { samplingPercentage: 3 } }));
    // THEN
    expect(t.metadata).toMatchObject({ name: 'waypoint', namespace: 'fixture' });
    expect(t.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }]);
    expect(t.spec.tracing[0].randomSamplingPercentage).toBe(3);
    expect(t.spec.tracing[0].providers).toEqual([{ name: 'otel-tracing' }]);
  });

  it('ambient with a waypoint: applies the overrides to the waypoint', () => {
    const [t] = telemetryOf(synthProfile(FixtureAmbient, { waypoint: { name: 'edge' }, telemetry: { samplingPercentage: 50 } }));
    expect(t.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' }]);
    expect(t.spec.tracing[0].randomSamplingPercentage).toBe(50);
  });

  it('ambient without a waypoint: emits no Telemetry (ztunnel emits no spans)', () => {
    expect(telemetryOf(synthProfile(FixtureAmbient, {}))).toEqual([]);
  });

  it('fails on overrides in an ambient namespace without a waypoint, naming the class and the hook', () => {
    const problems = profileProblems(FixtureAmbient, { telemetry: { samplingPercentage: 10 } });
    expect(problems).toEqual([
      '[test] fixture: \'FixtureAmbient.telemetry()\' needs a waypoint: in ambient mode ztunnel emits no spans and no HTTP access logs, so only a waypoint can apply it; got {"samplingPercentage":10}. fix: override waypoint() in FixtureAmbient to return {}, or remove telemetry()',
    ]);
  });

  it('fails on a sampling percentage out of range and on a tag the platform owns', () => {
    const problems = profileProblems(FixtureSidecar, { telemetry: { samplingPercentage: 150, customTags: { cluster: 'other' } } });
    expect(problems).toEqual([
      "[test] fixture: 'FixtureSidecar.telemetry().samplingPercentage' must be a percentage from 0 to 100; got 150. fix: e.g. 10 for one request in ten",
      "[test] fixture: 'FixtureSidecar.telemetry().customTags['cluster']' is set by the platform for every span; got \"other\". fix: use another tag name",
    ]);
  });

  it('fails on a setting a namespace may not change, such as the provider', () => {
    const problems = profileProblems(FixtureSidecar, { telemetry: { provider: 'zipkin' } as any });
    expect(problems[0]).toMatch(/'FixtureSidecar\.telemetry\(\)\.provider' is not a telemetry setting a namespace may change; got "zipkin"/);
  });
});
