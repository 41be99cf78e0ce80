import {
  AmbientNamespaceProfile,
  CallerDeclaration,
  JwtRuleDeclaration,
  L7PolicyDeclaration,
  RouteDeclaration,
  ServiceDeclaration,
  TrafficPolicyDeclaration,
  WaypointOptions,
} from '../../src';

const ISSUER = 'https://auth.example.com';

/**
 * Payments: ambient, with a waypoint. The public API is reachable from the internet only with a
 * valid JWT from the company issuer; orders may call it from inside the mesh.
 */
export class Payments extends AmbientNamespaceProfile {
  protected override services(): ServiceDeclaration[] {
    return [
      {
        name: 'payments-api',
        selector: { 'app.kubernetes.io/name': 'payments-api' },
        ports: [{ port: 80, targetPort: 8080 }],
        serviceAccount: 'payments-api',
      },
      { name: 'ledger', selector: { 'app.kubernetes.io/name': 'ledger' }, ports: [{ port: 9090 }], serviceAccount: 'ledger' },
    ];
  }

  protected override waypoint(): WaypointOptions {
    return {};
  }

  protected override routes(): RouteDeclaration[] {
    return [{ name: 'payments', hosts: [`pay.${this.env.primaryDomain}`], rules: [{ pathPrefix: '/v1', service: 'payments-api', port: 80 }] }];
  }

  protected override callers(): CallerDeclaration[] {
    return [
      // Orders calls the API wherever the platform runs it.
      ...(this.env.namespaces.orders ? [{ namespace: 'orders', serviceAccount: 'orders-api', services: ['payments-api'] }] : []),
      { namespace: 'payments', serviceAccount: 'payments-api', services: ['ledger'] },
    ];
  }

  protected override jwtRules(): JwtRuleDeclaration[] {
    return [{ issuer: ISSUER, jwksUri: `${ISSUER}/.well-known/jwks.json`, audiences: ['payments'] }];
  }

  protected override l7Policies(): L7PolicyDeclaration[] {
    return [
      {
        name: 'public-api-requires-jwt',
        services: ['payments-api'],
        from: { ingressGateway: true, requestPrincipals: [`${ISSUER}/*`] },
        to: { methods: ['GET', 'POST'], paths: ['/v1', '/v1/*'] },
      },
    ];
  }

  protected override trafficPolicies(): TrafficPolicyDeclaration[] {
    return [{ service: 'ledger', trafficPolicy: { outlierDetection: { consecutive5XxErrors: 5, interval: '30s', baseEjectionTime: '60s' } } }];
  }
}
