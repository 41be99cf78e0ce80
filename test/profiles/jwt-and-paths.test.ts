import { describe, expect, it } from 'vitest';
import {
  AmbientNamespaceProfile,
  coversRoutePrefix,
  Manifest,
  NamespaceDeclarations,
  policyPathMatches,
  SidecarNamespaceProfile,
  synthesize,
} from '../../src';
import { baseConfig, crdSchemas, synthProblems } from '../util';

type Obj = Manifest & Record<string, any>;
const ISSUER = 'https://id.example.com';

function synth(Profile: typeof AmbientNamespaceProfile | typeof SidecarNamespaceProfile, hooks: NamespaceDeclarations): Obj[] {
  const declarations: NamespaceDeclarations = {
    services: [
      { name: 'api', selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }], serviceAccount: 'api' },
      { name: 'ledger', selector: { app: 'ledger' }, ports: [{ port: 9090 }], serviceAccount: 'ledger' },
    ],
    ...(Profile === AmbientNamespaceProfile ? { waypoint: {} } : {}),
    ...hooks,
  };
  const [result] = synthesize(
    [baseConfig({ namespaces: { fixture: {} } })],
    (app, env) => {
      new Profile(app, 'fixture', { env, declarations });
    },
    { schemas: crdSchemas() },
  );
  return result.charts.flatMap(c => c.objects) as Obj[];
}

const jwtPolicy = {
  name: 'public',
  services: ['api'],
  from: { ingressGateway: true, requestPrincipals: [`${ISSUER}/*`] },
  to: { paths: ['/v1', '/v1/*'] },
};
const route = (pathPrefix?: string) => [{ name: 'web', hosts: ['pay.apps.example.com'], rules: [{ pathPrefix, service: 'api', port: 80 }] }];
const requestAuthentications = (objects: Obj[]) => objects.filter(o => o.kind === 'RequestAuthentication');

describe('JWT validation is scoped to the Services whose policies read the token', () => {
  it('attaches the RequestAuthentication to those Services at the waypoint, not to the whole waypoint (ledger is left alone)', () => {
    const objects = synth(AmbientNamespaceProfile, {
      routes: route('/v1'),
      l7Policies: [jwtPolicy],
      jwtRules: [{ issuer: ISSUER, jwksUri: `${ISSUER}/jwks` }],
    });
    const ras = requestAuthentications(objects);
    expect(ras.map(r => r.metadata.name)).toEqual(['jwt-api']);
    expect(ras[0].spec.targetRefs).toEqual([{ group: '', kind: 'Service', name: 'api' }]);
  });

  it('selects the pods of those Services in a sidecar namespace', () => {
    const ras = requestAuthentications(
      synth(SidecarNamespaceProfile, { routes: route('/v1'), l7Policies: [jwtPolicy], jwtRules: [{ issuer: ISSUER, jwksUri: `${ISSUER}/jwks` }] }),
    );
    expect(ras.map(r => [r.metadata.name, r.spec.selector])).toEqual([['jwt-api', { matchLabels: { app: 'api' } }]]);
  });

  it('takes explicit services and forwardOriginalToken from the rule', () => {
    const objects = synth(AmbientNamespaceProfile, {
      jwtRules: [{ issuer: ISSUER, jwksUri: `${ISSUER}/jwks`, services: ['ledger'], forwardOriginalToken: true }],
    });
    const [ra] = requestAuthentications(objects);
    expect(ra.metadata.name).toBe('jwt-ledger');
    expect(ra.spec.jwtRules).toEqual([{ issuer: ISSUER, jwksUri: `${ISSUER}/jwks`, forwardOriginalToken: true }]);
  });

  it('refuses an issuer that no policy needs and that names no Service, and an unknown Service', () => {
    expect(synthProblems(() => synth(AmbientNamespaceProfile, { jwtRules: [{ issuer: ISSUER, jwksUri: `${ISSUER}/jwks` }] }))).toEqual([
      `[test] fixture: 'declarations.jwtRules[0]' applies to no Service: no L7 policy reads a JWT (requestPrincipals or a request.auth. condition), and the rule names no services; got "${ISSUER}". fix: require the token in declarations.l7Policies, or list the Services in services`,
    ]);
    expect(
      synthProblems(() => synth(AmbientNamespaceProfile, { jwtRules: [{ issuer: ISSUER, jwksUri: `${ISSUER}/jwks`, services: ['nope'] }] }))[0],
    ).toContain("'declarations.jwtRules[0].services[0]' is not a Service declared by declarations.services");
  });
});

describe('route prefixes and the L7 paths that admit the ingress gateway agree', () => {
  it('refuses a route /v1 when the policy allows only /v1/* (a request to /v1 would get 403)', () => {
    const problems = synthProblems(() =>
      synth(AmbientNamespaceProfile, {
        routes: route('/v1'),
        l7Policies: [{ ...jwtPolicy, to: { paths: ['/v1/*'] } }],
        jwtRules: [{ issuer: ISSUER, jwksUri: `${ISSUER}/jwks` }],
      }),
    );
    expect(problems).toEqual([
      "[test] fixture: 'declarations.routes[0].rules[0].pathPrefix' sends requests to api, where the ingress gateway is admitted only by public on paths /v1/*: part of the route would answer 403 (a policy path '/v1/*' does not match '/v1' itself); got \"/v1\". fix: allow both '/v1' and '/v1/*' in the L7 policy, or change the route prefix to what the policy allows",
    ]);
  });

  it.each([
    ['/v1 and /v1/*', '/v1', ['/v1', '/v1/*']],
    ['everything', '/', ['/*']],
    ['a wider prefix', '/v1/orders', ['/v1/*']],
  ])('accepts a route covered by the policy paths (%s)', (_what, prefix, paths) => {
    const objects = synth(AmbientNamespaceProfile, {
      routes: route(prefix),
      l7Policies: [{ ...jwtPolicy, to: { paths } }],
      jwtRules: [{ issuer: ISSUER, jwksUri: `${ISSUER}/jwks` }],
    });
    expect(objects.some(o => o.kind === 'VirtualService')).toBe(true);
  });

  it('refuses a route that the policy paths cover only partly (another subtree)', () => {
    const problems = synthProblems(() =>
      synth(SidecarNamespaceProfile, { routes: route('/'), l7Policies: [jwtPolicy], jwtRules: [{ issuer: ISSUER, jwksUri: `${ISSUER}/jwks` }] }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("'declarations.routes[0].rules[0].pathPrefix'");
  });
});

describe('policy path matching (Istio authorization semantics)', () => {
  it.each([
    ['/v1/*', '/v1/pay', true],
    ['/v1/*', '/v1', false],
    ['/v1*', '/v1', true],
    ['*', '/anything', true],
    ['*/health', '/a/health', true],
    ['*/health', '/a/healthz', false],
    ['/v1', '/v1', true],
    ['/v1', '/v1/', false],
  ])('%s on %s: %s', (pattern, path, matches) => {
    expect(policyPathMatches(pattern, path)).toBe(matches);
  });

  it.each([
    [['/v1', '/v1/*'], '/v1', true],
    [['/v1/*'], '/v1', false],
    [['/v1'], '/v1', false],
    [['/v1*'], '/v1', true],
    [['*/x'], '/v1', false],
    [['/v1/*'], '/v1/', true],
  ])('%j covers the route prefix %s: %s', (patterns, prefix, covers) => {
    expect(coversRoutePrefix(patterns, prefix)).toBe(covers);
  });
});
