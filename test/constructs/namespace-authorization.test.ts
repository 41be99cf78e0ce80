import { describe, expect, it } from 'vitest';
import { CallerPath, NamespaceAuthorization, NamespaceAuthorizationProps } from '../../src';
import { synthConstructs } from '../util';

const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway';
const base: NamespaceAuthorizationProps = {
  namespace: 'shop',
  trustDomain: 'cluster.local',
  gatewayPrincipal: GATEWAY,
  services: [{ name: 'api', selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }] }],
  gatewayPorts: new Map([['api', [8080]]]),
  callers: [{ namespace: 'orders', serviceAccount: 'orders-api' }],
  l7Policies: [],
  jwtRules: [],
  callerPath: () => CallerPath.DIRECT,
};
const objects = (props: Partial<NamespaceAuthorizationProps>) =>
  synthConstructs(scope => new NamespaceAuthorization(scope, 'authz', { ...base, ...props })) as any[];
const names = (props: Partial<NamespaceAuthorizationProps>) =>
  objects(props)
    .map(o => `${o.kind} ${o.metadata.name}`)
    .sort();

describe('NamespaceAuthorization', () => {
  it('without a waypoint: denies by default and selects the pods of each Service for the gateway and the callers', () => {
    const allow = objects({}).find(o => o.metadata.name === 'allow-api');
    expect(names({})).toEqual(['AuthorizationPolicy allow-api', 'AuthorizationPolicy default-deny']);
    expect(allow.metadata.annotations).toEqual({ 'mesh.eks-istio-mesh.io/service': 'api' });
    expect(allow.spec).toEqual({
      selector: { matchLabels: { app: 'api' } },
      rules: [
        { from: [{ source: { principals: [GATEWAY] } }], to: [{ operation: { ports: ['8080'] } }] },
        { from: [{ source: { principals: ['cluster.local/ns/orders/sa/orders-api'] } }], to: [{ operation: { ports: ['8080'] } }] },
      ],
    });
  });

  it('with a waypoint: admits the waypoint at ztunnel, callers that bypass it on the pods, and the rest at the waypoint', () => {
    const waypoint = { name: 'waypoint', ingressThroughWaypoint: true };
    expect(names({ waypoint })).toEqual([
      'AuthorizationPolicy allow-api',
      'AuthorizationPolicy allow-direct-api',
      'AuthorizationPolicy allow-waypoint',
      'AuthorizationPolicy default-deny',
      'AuthorizationPolicy waypoint-default-deny',
    ]);
    const byName = new Map(objects({ waypoint }).map(o => [o.metadata.name, o.spec]));
    expect(byName.get('allow-api')).toEqual({
      targetRefs: [{ group: '', kind: 'Service', name: 'api' }],
      rules: [{ from: [{ source: { principals: [GATEWAY] } }] }],
    });
    expect(byName.get('allow-direct-api').rules[0].from[0].source.principals).toEqual(['cluster.local/ns/orders/sa/orders-api']);
    // An ambient caller goes through the waypoint: no selector policy for it.
    expect(names({ waypoint, callerPath: () => CallerPath.WAYPOINT })).not.toContain('AuthorizationPolicy allow-direct-api');
  });

  it('validates JWTs only for the Services a rule names, with jwksUri (not jwks_uri)', () => {
    const jwt = objects({ jwtRules: [{ issuer: 'https://id.example.com', jwksUri: 'https://id.example.com/jwks', services: ['api'] }] }).find(
      o => o.kind === 'RequestAuthentication',
    );
    expect(jwt.metadata.name).toBe('jwt-api');
    expect(jwt.spec).toEqual({
      selector: { matchLabels: { app: 'api' } },
      jwtRules: [{ issuer: 'https://id.example.com', jwksUri: 'https://id.example.com/jwks' }],
    });
    expect(names({}).filter(n => n.startsWith('RequestAuthentication'))).toEqual([]);
  });
});
