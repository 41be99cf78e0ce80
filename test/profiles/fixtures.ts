import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AmbientNamespaceProfile,
  CallerDeclaration,
  DataplaneMode,
  DependencyDeclaration,
  ExternalHostDeclaration,
  ExternalProtocol,
  JwtRuleDeclaration,
  L7PolicyDeclaration,
  PodSecurityLevel,
  RouteDeclaration,
  ServiceDeclaration,
  SidecarNamespaceProfile,
  TelemetryOverrides,
  TrafficPolicyDeclaration,
  WaypointOptions,
} from '../../src';

/** Returns every hook's value from one object, so a test can change any of them. */
export interface HookValues {
  services?: ServiceDeclaration[];
  routes?: RouteDeclaration[];
  callers?: CallerDeclaration[];
  dependencies?: DependencyDeclaration[];
  externalHosts?: ExternalHostDeclaration[];
  l7Policies?: L7PolicyDeclaration[];
  jwtRules?: JwtRuleDeclaration[];
  trafficPolicies?: TrafficPolicyDeclaration[];
  podSecurityLevel?: PodSecurityLevel;
  namespaceLabels?: Record<string, string>;
  waypoint?: WaypointOptions;
  telemetry?: TelemetryOverrides;
  extra?: (scope: Construct) => void;
}

/** A realistic value for every hook. */
export function fullHooks(domain = 'apps.example.com'): HookValues {
  return {
    services: [
      { name: 'api', selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }, { port: 9000 }], serviceAccount: 'api' },
      { name: 'worker', selector: { app: 'worker' }, ports: [{ port: 7070 }], serviceAccount: 'worker' },
    ],
    routes: [{ name: 'web', hosts: [`shop.${domain}`], rules: [{ pathPrefix: '/api', service: 'api', port: 80 }] }],
    callers: [
      { namespace: 'billing', serviceAccount: 'billing-job', services: ['api'], external: true },
      { namespace: 'fixture', serviceAccount: 'api', services: ['worker'] },
    ],
    dependencies: [{ namespace: 'billing', ports: [8443] }],
    externalHosts: [{ host: 'api.stripe.com', port: 443, protocol: ExternalProtocol.TLS, cidrs: ['203.0.113.0/24'] }],
    l7Policies: [
      {
        name: 'admins-only',
        services: ['api'],
        from: { workloads: [{ namespace: 'admin', serviceAccount: 'console', external: true, dataplane: DataplaneMode.AMBIENT }] },
        to: { methods: ['DELETE'], paths: ['/api/*'] },
      },
    ],
    jwtRules: [{ issuer: 'https://id.example.com', jwksUri: 'https://id.example.com/jwks.json', services: ['api'] }],
    trafficPolicies: [{ service: 'api', trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: 'session', ttl: '0s' } } } } }],
    podSecurityLevel: PodSecurityLevel.BASELINE,
    namespaceLabels: { 'cost-center': 'shop' },
    waypoint: {},
    telemetry: { samplingPercentage: 20, accessLogging: true, customTags: { team: 'shop' } },
    extra: scope =>
      new ApiObject(scope, 'Quota', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'quota' }, spec: { hard: { pods: '50' } } }),
  };
}

/** An ambient profile whose every hook returns what the test gives. */
export class FixtureAmbient extends AmbientNamespaceProfile {
  public static hooks: HookValues = {};
  protected override services() {
    return FixtureAmbient.hooks.services ?? [];
  }
  protected override routes() {
    return FixtureAmbient.hooks.routes ?? [];
  }
  protected override callers() {
    return FixtureAmbient.hooks.callers ?? [];
  }
  protected override dependencies() {
    return FixtureAmbient.hooks.dependencies ?? [];
  }
  protected override externalHosts() {
    return FixtureAmbient.hooks.externalHosts ?? [];
  }
  protected override l7Policies() {
    return FixtureAmbient.hooks.l7Policies ?? [];
  }
  protected override jwtRules() {
    return FixtureAmbient.hooks.jwtRules ?? [];
  }
  protected override trafficPolicies() {
    return FixtureAmbient.hooks.trafficPolicies ?? [];
  }
  protected override podSecurityLevel() {
    return FixtureAmbient.hooks.podSecurityLevel ?? super.podSecurityLevel();
  }
  protected override namespaceLabels() {
    return FixtureAmbient.hooks.namespaceLabels ?? {};
  }
  protected override waypoint() {
    return FixtureAmbient.hooks.waypoint;
  }
  protected override telemetry() {
    return FixtureAmbient.hooks.telemetry;
  }
  protected override extraResources(scope: Construct) {
    FixtureAmbient.hooks.extra?.(scope);
  }
}

/** A sidecar profile whose every hook returns what the test gives. */
export class FixtureSidecar extends SidecarNamespaceProfile {
  public static hooks: HookValues = {};
  protected override services() {
    return FixtureSidecar.hooks.services ?? [];
  }
  protected override routes() {
    return FixtureSidecar.hooks.routes ?? [];
  }
  protected override callers() {
    return FixtureSidecar.hooks.callers ?? [];
  }
  protected override dependencies() {
    return FixtureSidecar.hooks.dependencies ?? [];
  }
  protected override externalHosts() {
    return FixtureSidecar.hooks.externalHosts ?? [];
  }
  protected override l7Policies() {
    return FixtureSidecar.hooks.l7Policies ?? [];
  }
  protected override jwtRules() {
    return FixtureSidecar.hooks.jwtRules ?? [];
  }
  protected override trafficPolicies() {
    return FixtureSidecar.hooks.trafficPolicies ?? [];
  }
  protected override podSecurityLevel() {
    return FixtureSidecar.hooks.podSecurityLevel ?? super.podSecurityLevel();
  }
  protected override namespaceLabels() {
    return FixtureSidecar.hooks.namespaceLabels ?? {};
  }
  protected override telemetry() {
    return FixtureSidecar.hooks.telemetry;
  }
  protected override extraResources(scope: Construct) {
    FixtureSidecar.hooks.extra?.(scope);
  }
}
