/**
 * The declaration checks are a function of the declarations and the environment: no constructs.
 */
import { describe, expect, it } from 'vitest';
import { CallerPath, DataplaneMode, PodSecurityLevel } from '../../src';
import { checkDeclarations, CollectedDeclarations, DeclarationContext, resolveDeclarations } from '../../src/profiles/declaration-checks';
import { resolved } from '../util';

const none: CollectedDeclarations = {
  services: [],
  routes: [],
  callers: [],
  dependencies: [],
  externalHosts: [],
  l7Policies: [],
  jwtRules: [],
  trafficPolicies: [],
  podSecurityLevel: PodSecurityLevel.RESTRICTED,
  namespaceLabels: {},
};
const ctx: DeclarationContext = {
  env: resolved(),
  dataplaneMode: DataplaneMode.AMBIENT,
  callerPath: () => CallerPath.EITHER,
  field: hook => `Shop.${hook}()`,
  written: hook => `${hook}()`,
  addWaypoint: 'override waypoint() in Shop to return {}',
};
const api = { name: 'api', selector: { app: 'api' }, ports: [{ port: 80 }] };

describe('checkDeclarations', () => {
  it('finds nothing wrong with valid declarations', () => {
    expect(
      checkDeclarations(
        { ...none, services: [api], routes: [{ name: 'web', hosts: ['shop.apps.example.com'], rules: [{ service: 'api', port: 80 }] }] },
        ctx,
      ),
    ).toEqual([]);
  });

  it('reports each problem under the field the context names, with the environment it is given', () => {
    const problems = checkDeclarations(
      { ...none, services: [api], routes: [{ name: 'web', hosts: ['shop.example.org'], rules: [{ service: 'api', port: 81 }] }] },
      ctx,
    );
    expect(problems.map(p => [p.field, p.value])).toEqual([
      ['Shop.routes()[0].hosts[0]', 'shop.example.org'],
      ['Shop.routes()[0].rules[0].port', 81],
    ]);
  });

  it('asks for a waypoint with the fix the context gives, only for an ambient namespace', () => {
    const jwt = {
      ...none,
      services: [api],
      jwtRules: [{ issuer: 'https://id.example.com', jwksUri: 'https://id.example.com/jwks', services: ['api'] }],
    };
    expect(checkDeclarations(jwt, ctx).map(p => p.fix)).toEqual(['override waypoint() in Shop to return {}']);
    expect(checkDeclarations(jwt, { ...ctx, dataplaneMode: DataplaneMode.SIDECAR })).toEqual([]);
  });
});

describe('resolveDeclarations', () => {
  it('names the waypoint and sends the ingress gateway through it by default, and scopes JWT rules to the Services whose policies read the token', () => {
    const d = resolveDeclarations({
      ...none,
      services: [api, { ...api, name: 'ledger', selector: { app: 'ledger' } }],
      waypoint: {},
      l7Policies: [{ name: 'jwt', services: ['api'], from: { requestPrincipals: ['https://id.example.com/*'] } }],
      jwtRules: [{ issuer: 'https://id.example.com', jwksUri: 'https://id.example.com/jwks' }],
    });
    expect(d.waypoint).toEqual({ name: 'waypoint', ingressThroughWaypoint: true });
    expect(d.jwtRules[0].services).toEqual(['api']);
  });
});
