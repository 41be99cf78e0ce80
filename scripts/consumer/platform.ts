// A platform repository's module, as a new platform starts it from the package: the environments
// in promotion order, and every team's profile class by namespace.
import {
  AlbScheme,
  AmbientNamespaceProfile,
  CallerDeclaration,
  DependencyDeclaration,
  EnvironmentConfig,
  RouteDeclaration,
  ServiceDeclaration,
  SidecarNamespaceProfile,
  TeamRegistry,
} from 'eks-istio-mesh';

/** The shop: ambient mode, exposed on the shared gateway. */
export class Shop extends AmbientNamespaceProfile {
  protected override services(): ServiceDeclaration[] {
    return [
      { name: 'shop-web', selector: { 'app.kubernetes.io/name': 'shop-web' }, ports: [{ port: 80, targetPort: 8080 }], serviceAccount: 'shop-web' },
    ];
  }

  protected override routes(): RouteDeclaration[] {
    return [{ name: 'shop', hosts: [`shop.${this.env.primaryDomain}`], rules: [{ service: 'shop-web', port: 80 }] }];
  }

  protected override dependencies(): DependencyDeclaration[] {
    return [{ namespace: 'billing', ports: [8080] }];
  }
}

/** Billing: sidecar mode, called by the shop only. */
export class Billing extends SidecarNamespaceProfile {
  protected override services(): ServiceDeclaration[] {
    return [{ name: 'billing-api', selector: { 'app.kubernetes.io/name': 'billing-api' }, ports: [{ port: 8080 }], serviceAccount: 'billing-api' }];
  }

  protected override callers(): CallerDeclaration[] {
    return [{ namespace: 'shop', serviceAccount: 'shop-web', services: ['billing-api'] }];
  }
}

/** Every team's profile class; the key is the namespace. */
export const teams: TeamRegistry = { shop: Shop, billing: Billing };

const dev: EnvironmentConfig = {
  name: 'dev',
  clusterName: 'shop-dev',
  awsRegion: 'eu-west-1',
  domains: ['dev.shop.example.com'],
  alb: {
    scheme: AlbScheme.INTERNAL,
    sourceCidrs: ['10.30.0.0/24', '10.30.1.0/24'],
    certificateArns: ['arn:aws:acm:eu-west-1:111122223333:certificate/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'],
  },
  namespaces: { shop: {}, billing: {} },
};

const prod: EnvironmentConfig = {
  name: 'prod',
  clusterName: 'shop-prod',
  awsRegion: 'eu-west-1',
  domains: ['shop.example.com'],
  alb: {
    scheme: AlbScheme.INTERNET_FACING,
    sourceCidrs: ['10.40.0.0/24', '10.40.1.0/24'],
    certificateArns: ['arn:aws:acm:eu-west-1:111122223333:certificate/6f5e4d3c-2b1a-4c9d-8e7f-a1b2c3d4e5f6'],
  },
  namespaces: { shop: {}, billing: {} },
};

/** In promotion order: a change reaches dev first. */
export const environments: EnvironmentConfig[] = [dev, prod];
