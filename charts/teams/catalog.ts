import { AmbientNamespaceProfile, RouteDeclaration, ServiceDeclaration } from '../../src';

/**
 * Catalog: moving from sidecars to ambient, one environment at a time (see each environment's
 * `namespaces.catalog` and `npm run plan`).
 */
export class Catalog extends AmbientNamespaceProfile {
  protected override services(): ServiceDeclaration[] {
    return [
      {
        name: 'catalog-api',
        selector: { 'app.kubernetes.io/name': 'catalog-api' },
        ports: [{ port: 80, targetPort: 8080 }],
        serviceAccount: 'catalog-api',
      },
    ];
  }

  protected override routes(): RouteDeclaration[] {
    return [{ name: 'catalog', hosts: [`catalog.${this.env.primaryDomain}`], rules: [{ service: 'catalog-api', port: 80 }] }];
  }
}
