import {
  DependencyDeclaration,
  ExternalHostDeclaration,
  ExternalProtocol,
  RouteDeclaration,
  ServiceDeclaration,
  SidecarNamespaceProfile,
} from '../../src';

/** Orders: sidecar mode, exposed under /orders, calls payments and the card processor's API. */
export class Orders extends SidecarNamespaceProfile {
  protected override services(): ServiceDeclaration[] {
    return [
      {
        name: 'orders-api',
        selector: { 'app.kubernetes.io/name': 'orders-api' },
        ports: [{ port: 80, targetPort: 8080 }],
        serviceAccount: 'orders-api',
      },
    ];
  }

  protected override routes(): RouteDeclaration[] {
    return [{ name: 'shop', hosts: [`shop.${this.env.primaryDomain}`], rules: [{ pathPrefix: '/orders', service: 'orders-api', port: 80 }] }];
  }

  protected override dependencies(): DependencyDeclaration[] {
    return this.env.namespaces.payments ? [{ namespace: 'payments', ports: [8080] }] : [];
  }

  protected override externalHosts(): ExternalHostDeclaration[] {
    return [{ host: 'api.stripe.com', port: 443, protocol: ExternalProtocol.TLS }];
  }
}
