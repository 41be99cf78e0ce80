/**
 * Bad input a careless or hostile author could write, one row each: every row must be refused with
 * a problem naming the field (or class and hook), the value and a fix, in one run, as a SynthError
 * (never another exception, so never a stack trace). Each group also has inputs that must pass.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App } from 'cdk8s';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  AmbientNamespaceProfile,
  CallerDeclaration,
  EnvironmentConfig,
  ResolvedEnvironment,
  RouteDeclaration,
  ServiceDeclaration,
  SidecarNamespaceProfile,
  SynthError,
  synthesize,
  teamRegistryProblems,
  WaypointOptions,
} from '../../src';
import { albAttributeProblems, ALB_ATTRIBUTES } from '../../src/config/load-balancer-attributes';
import { CLUSTER_SCOPED_KINDS, misplacedPathWildcard } from '../../src/profiles/namespace-profile';
import { closestName } from '../../src/core/closest';
import { buildPlatform, TEAMS } from '../fixtures/platform';
import { Orders } from '../fixtures/platform/teams/orders';
import { Payments } from '../fixtures/platform/teams/payments';
import { baseConfig, ROOT } from '../util';

type Build = (app: App, env: ResolvedEnvironment) => void;
const nothing: Build = () => undefined;

/** The problems of a synth that must fail: only a SynthError is accepted. */
function problemsOf(configs: EnvironmentConfig[], build: Build = nothing): string[] {
  try {
    synthesize(configs, build);
  } catch (e) {
    expect(e).toBeInstanceOf(SynthError);
    return (e as SynthError).message
      .split('\n')
      .slice(1)
      .map(l => l.trim());
  }
  throw new Error('expected the synth to fail, but it succeeded');
}

const cfg = (overrides: Record<string, unknown>) => baseConfig(overrides as Partial<EnvironmentConfig>);

// -------------------------------------------------------------------------------------------------
// Environment configs.

interface ConfigCase {
  readonly name: string;
  readonly config: EnvironmentConfig;
  /** Substrings of the one problem expected. */
  readonly expected: readonly string[];
}

const CONFIG_CASES: readonly ConfigCase[] = [
  {
    name: 'a misspelled top-level field',
    config: cfg({ namespace: { orders: {} } }),
    expected: ["'namespace' is not a field of EnvironmentConfig", "did you mean 'namespaces'?", "rename 'namespace' to 'namespaces'"],
  },
  {
    name: 'a misspelled alb field',
    config: cfg({ alb: { ...baseConfig().alb, loadBalancerAttribute: { 'idle_timeout.timeout_seconds': '120' } } }),
    expected: ["'alb.loadBalancerAttribute' is not a field of alb", "did you mean 'loadBalancerAttributes'?"],
  },
  {
    name: 'a misspelled istio field',
    config: cfg({ istio: { revison: '1-30' } }),
    expected: ["'istio.revison' is not a field of istio", "did you mean 'revision'?", 'got "1-30"'],
  },
  {
    name: 'a misspelled ingressGateway field',
    config: cfg({ ingressGateway: { serviceAcount: 'gw' } }),
    expected: ["'ingressGateway.serviceAcount'", "did you mean 'serviceAccount'?"],
  },
  {
    name: 'a misspelled telemetry field',
    config: cfg({ telemetry: { samplingPercent: 10 } }),
    expected: ["'telemetry.samplingPercent'", "did you mean 'samplingPercentage'?"],
  },
  {
    name: 'a misspelled flux field',
    config: cfg({ flux: { intervall: '5m' } }),
    expected: ["'flux.intervall' is not a field of flux", "did you mean 'interval'?"],
  },
  {
    name: 'a misspelled encryptedStorage field',
    config: cfg({ encryptedStorage: { kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/0b7d8e52-3c41-4a9e-9f1d-6a2b5c8e7f10', default: true } }),
    expected: ["'encryptedStorage.default'", "did you mean 'isDefault'?"],
  },
  {
    name: 'a misspelled availability field',
    config: cfg({ availability: { replica: 3 } }),
    expected: ["'availability.replica'", "did you mean 'replicas'?"],
  },
  {
    name: 'a misspelled cluster field',
    config: cfg({ cluster: { ipfamily: 'IPv6' } }),
    expected: ["'cluster.ipfamily'", "did you mean 'ipFamily'?"],
  },
  {
    name: 'a misspelled monitoring field',
    config: cfg({ monitoring: { namespace: 'monitoring', podLabel: { app: 'prometheus' } } }),
    expected: ["'monitoring.podLabel'", "did you mean 'podLabels'?"],
  },
  {
    name: 'a misspelled rollback setting of a namespace',
    config: cfg({ namespaces: { orders: { mtlsmode: 'PERMISSIVE' } } }),
    expected: ["'namespaces['orders'].mtlsmode' is not a field of the settings of namespace orders", "did you mean 'mtlsMode'?", 'got "PERMISSIVE"'],
  },
  {
    name: 'an unknown field with no close match',
    config: cfg({ flux: { branch: 'main' } }),
    expected: ["'flux.branch' is not a field of flux: 'branch' is unknown;", 'fix: remove it; flux has namespace, sourceName, dependsOn, path'],
  },
  { name: 'a level that is not an object', config: cfg({ flux: './dist/test' }), expected: ["'flux' must be an object (flux)", 'got "./dist/test"'] },
  {
    name: 'namespaces as a list',
    config: cfg({ namespaces: ['orders'] }),
    expected: ["'namespaces' must be an object keyed by name", 'got ["orders"]'],
  },
  {
    name: 'namespace settings that are not an object',
    config: cfg({ namespaces: { orders: 'sidecar' } }),
    expected: ["'namespaces['orders']' must be an object (the settings of namespace orders)"],
  },
  // ALB attributes, checked against the ELBv2 LoadBalancerAttribute keys and value kinds.
  {
    name: 'an unknown ALB attribute',
    config: cfg({ alb: { ...baseConfig().alb, loadBalancerAttributes: { 'idle_timeout.seconds': '120' } } }),
    expected: [
      "'alb.loadBalancerAttributes['idle_timeout.seconds']' is not an Application Load Balancer attribute (did you mean 'idle_timeout.timeout_seconds'?)",
    ],
  },
  {
    name: 'an idle timeout out of range',
    config: cfg({ alb: { ...baseConfig().alb, loadBalancerAttributes: { 'idle_timeout.timeout_seconds': '5000' } } }),
    expected: ["'alb.loadBalancerAttributes['idle_timeout.timeout_seconds']' must be a whole number from 1 to 4000", 'got "5000"'],
  },
  {
    name: 'a keep-alive below its minimum',
    config: cfg({ alb: { ...baseConfig().alb, loadBalancerAttributes: { 'client_keep_alive.seconds': '30' } } }),
    expected: ['must be a whole number from 60 to 604800'],
  },
  {
    name: 'a boolean attribute given as yes',
    config: cfg({ alb: { ...baseConfig().alb, loadBalancerAttributes: { 'deletion_protection.enabled': 'yes' } } }),
    expected: ["'alb.loadBalancerAttributes['deletion_protection.enabled']' must be 'true' or 'false'", 'got "yes"'],
  },
  {
    name: 'a boolean attribute given as a boolean',
    config: cfg({ alb: { ...baseConfig().alb, loadBalancerAttributes: { 'routing.http2.enabled': true } } }),
    expected: ["'alb.loadBalancerAttributes['routing.http2.enabled']' must be given as a string", 'got true'],
  },
  {
    name: 'an unknown desync mitigation mode',
    config: cfg({ alb: { ...baseConfig().alb, loadBalancerAttributes: { 'routing.http.desync_mitigation_mode': 'strict' } } }),
    expected: ['must be one of monitor, defensive, strictest', 'got "strict"'],
  },
  {
    name: 'an unknown X-Forwarded-For mode',
    config: cfg({ alb: { ...baseConfig().alb, loadBalancerAttributes: { 'routing.http.xff_header_processing.mode': 'replace' } } }),
    expected: ['must be one of append, preserve, remove'],
  },
  {
    name: 'access logs on without a bucket',
    config: cfg({ alb: { ...baseConfig().alb, loadBalancerAttributes: { 'access_logs.s3.enabled': 'true' } } }),
    expected: ["'alb.loadBalancerAttributes['access_logs.s3.enabled']' turns the logs on without access_logs.s3.bucket"],
  },
  {
    name: 'a bucket given as a URL',
    config: cfg({
      alb: { ...baseConfig().alb, loadBalancerAttributes: { 'connection_logs.s3.enabled': 'true', 'connection_logs.s3.bucket': 's3://logs' } },
    }),
    expected: ["'alb.loadBalancerAttributes['connection_logs.s3.bucket']' is not an S3 bucket name", 'got "s3://logs"'],
  },
  {
    name: 'a Network Load Balancer attribute',
    config: cfg({ alb: { ...baseConfig().alb, loadBalancerAttributes: { 'dns_record.client_routing_policy': 'any_availability_zone' } } }),
    expected: ['is an attribute of Network Load Balancers'],
  },
  {
    name: 'cross-zone load balancing turned off',
    config: cfg({ alb: { ...baseConfig().alb, loadBalancerAttributes: { 'load_balancing.cross_zone.enabled': 'false' } } }),
    expected: ["must be 'true': cross-zone load balancing is always on for Application Load Balancers"],
  },
  // flux.path: the cluster applies what the folder holds.
  {
    name: "flux.path at another environment's folder",
    config: cfg({ flux: { path: './dist/prod' } }),
    expected: ["'flux.path' points at the folder of environment 'prod', not at dist/test/", 'fix: remove flux.path (default ./dist/test)'],
  },
  {
    name: 'flux.path at the Flux folder',
    config: cfg({ flux: { path: './dist/flux/' } }),
    expected: ["'flux.path' points at the Flux Kustomizations of every environment"],
  },
  {
    name: 'flux.path at the whole dist folder',
    config: cfg({ flux: { path: './dist' } }),
    expected: ["'flux.path' points at the whole dist/ folder"],
  },
  {
    name: 'flux.path inside its own folder',
    config: cfg({ flux: { path: './dist/test/control-plane' } }),
    expected: ["points at the folder of environment 'test' (or a part of it)"],
  },
  {
    name: 'flux.namespacesPerFolder of zero',
    config: cfg({ flux: { namespacesPerFolder: 0 } }),
    expected: ["[test] EnvironmentConfig: 'flux.namespacesPerFolder' must be an integer from 1 to 100; got 0", 'fix: remove it (25)'],
  },
];

describe('environment configs: refused', () => {
  it.each(CONFIG_CASES)('$name', ({ config, expected }) => {
    const problems = problemsOf([config]);
    expect(problems).toHaveLength(1);
    for (const text of expected) expect(problems[0]).toContain(text);
    expect(problems[0]).toContain('fix: ');
  });

  it('reports every problem of every environment in one run', () => {
    const problems = problemsOf([
      cfg({ flux: { intervall: '5m' }, istio: { revison: 'x' } }),
      cfg({
        name: 'other',
        namespaces: { orders: { mtlsmode: 'PERMISSIVE' } },
        alb: { ...baseConfig().alb, loadBalancerAttributes: { 'idle_timeout.timeout_seconds': '0' } },
      }),
    ]);
    expect(problems.map(p => p.slice(0, p.indexOf("' ") + 1))).toEqual([
      "[test] EnvironmentConfig: 'istio.revison'",
      "[test] EnvironmentConfig: 'flux.intervall'",
      "[other] EnvironmentConfig: 'namespaces['orders'].mtlsmode'",
      "[other] EnvironmentConfig: 'alb.loadBalancerAttributes['idle_timeout.timeout_seconds']'",
    ]);
  });

  it('reports a builder that throws as a problem, with the other environments', () => {
    const problems = problemsOf([cfg({}), cfg({ name: 'other', flux: { intervall: '1m' } })], () => {
      throw new TypeError("Cannot read properties of undefined (reading 'x')");
    });
    expect(problems).toEqual([
      expect.stringContaining("[test] app: '(build)' building the environment threw: Cannot read properties of undefined (reading 'x')"),
      expect.stringContaining("[other] EnvironmentConfig: 'flux.intervall'"),
    ]);
  });

  it('refuses two environments applied from one folder', () => {
    const problems = problemsOf([cfg({ flux: { path: './clusters/shared' } }), cfg({ name: 'other', flux: { path: './clusters/shared/' } })]);
    expect(problems).toEqual([
      expect.stringContaining("[other] EnvironmentConfig: 'flux.path' is also the folder Flux applies for environment test"),
    ]);
  });
});

describe('environment configs: accepted', () => {
  it('every field of every level, each ALB attribute kind, and a flux.path outside dist/', () => {
    const config = cfg({
      alb: {
        ...baseConfig().alb,
        loadBalancerAttributes: {
          'idle_timeout.timeout_seconds': '4000',
          'client_keep_alive.seconds': '60',
          'deletion_protection.enabled': 'true',
          'routing.http2.enabled': 'false',
          'routing.http.desync_mitigation_mode': 'strictest',
          'routing.http.xff_header_processing.mode': 'remove',
          'load_balancing.cross_zone.enabled': 'true',
          'access_logs.s3.enabled': 'true',
          'access_logs.s3.bucket': 'my-alb-logs.eu',
          'access_logs.s3.prefix': 'prod/alb',
        },
      },
      istio: { revision: 'default', revisions: ['default'] },
      ingressGateway: { serviceAccount: 'istio-ingressgateway' },
      telemetry: { samplingPercentage: 5 },
      flux: { path: './clusters/test', interval: '5m' },
      availability: { replicas: 3 },
      cluster: {},
      monitoring: { namespace: 'monitoring', podLabels: { app: 'prometheus' } },
      namespaces: { orders: { mtlsMode: 'PERMISSIVE', aheadOfPreviousBecause: 'INC-1: testing the fields' } },
      tags: { Team: 'platform' },
    });
    expect(synthesize([config], nothing)).toHaveLength(1);
    expect(synthesize([cfg({ flux: { path: './dist/test/' } })], nothing)).toHaveLength(1);
  });

  it('the table knows every attribute the defaults and the committed environments set', () => {
    expect(albAttributeProblems({ 'routing.http.drop_invalid_header_fields.enabled': 'true' })).toEqual([]);
    expect(Object.keys(ALB_ATTRIBUTES)).toContain('waf.fail_open.enabled');
  });

  it('suggests a name only when it is close', () => {
    expect(closestName('mtlsmode', ['mtlsMode', 'dataplane'])).toBe('mtlsMode');
    expect(closestName('branch', ['namespace', 'path', 'interval'])).toBeUndefined();
  });
});

// -------------------------------------------------------------------------------------------------
// Team profiles.

const API: ServiceDeclaration = { name: 'api', selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }], serviceAccount: 'api' };

class ForgetsToReturn extends AmbientNamespaceProfile {
  protected override services(): ServiceDeclaration[] {
    return [API];
  }
  protected override callers(): CallerDeclaration[] {
    const callers = [{ namespace: 'shop', serviceAccount: 'web' }];
    void callers;
    return undefined as unknown as CallerDeclaration[];
  }
}

class LabelsNothing extends SidecarNamespaceProfile {
  protected override namespaceLabels(): Record<string, string> {
    return undefined as unknown as Record<string, string>;
  }
}

class MisspellsCallers extends AmbientNamespaceProfile {
  protected override services(): ServiceDeclaration[] {
    return [API];
  }
  protected calers(): CallerDeclaration[] {
    return [{ namespace: 'shop', serviceAccount: 'web' }];
  }
}

class HasHelpers extends AmbientNamespaceProfile {
  protected override services(): ServiceDeclaration[] {
    return [API];
  }
  protected override routes(): RouteDeclaration[] {
    return [{ name: 'web', hosts: [this.hostFor('shop')], rules: [{ service: 'api', port: 80 }] }];
  }
  private hostFor(name: string): string {
    return `${name}.${this.env.primaryDomain}`;
  }
  protected override telemetry() {
    return undefined;
  }
  protected override waypoint(): WaypointOptions | undefined {
    return undefined;
  }
}

class SidecarWithWaypoint extends SidecarNamespaceProfile {
  protected waypoint(): WaypointOptions {
    return {};
  }
}

class MiddleWildcard extends AmbientNamespaceProfile {
  public static paths: string[] = [];
  protected override services(): ServiceDeclaration[] {
    return [API];
  }
  protected override waypoint(): WaypointOptions {
    return {};
  }
  protected override l7Policies() {
    return [
      {
        name: 'pay',
        services: ['api'],
        from: { workloads: [{ namespace: 'shop', serviceAccount: 'web', external: true, dataplane: 'ambient' as never }] },
        to: { paths: MiddleWildcard.paths },
      },
    ];
  }
}

class RoutesShop extends AmbientNamespaceProfile {
  public static hosts: string[][] = [['shop.apps.example.com']];
  protected override services(): ServiceDeclaration[] {
    return [API];
  }
  protected override routes(): RouteDeclaration[] {
    return RoutesShop.hosts.map((hosts, i) => ({ name: `web-${i}`, hosts, rules: [{ service: 'api', port: 80, pathPrefix: `/p${i}` }] }));
  }
}

class AlsoRoutesShop extends SidecarNamespaceProfile {
  protected override services(): ServiceDeclaration[] {
    return [API];
  }
  protected override routes(): RouteDeclaration[] {
    return [{ name: 'store', hosts: ['shop.apps.example.com'], rules: [{ service: 'api', port: 80 }] }];
  }
}

class Extra extends SidecarNamespaceProfile {
  public static define: (scope: Construct) => void = () => undefined;
  protected override extraResources(scope: Construct): void {
    Extra.define(scope);
  }
}

const one =
  (Profile: new (scope: Construct, id: string, props: { env: ResolvedEnvironment; namespace?: string }) => unknown, ns = 'fixture'): Build =>
  (app, env) => {
    new Profile(app, ns, { env });
  };
const withNamespaces = (...names: string[]) => cfg({ namespaces: Object.fromEntries(names.map(n => [n, {}])) });

interface ProfileCase {
  readonly name: string;
  readonly build: Build;
  readonly before?: () => void;
  readonly expected: readonly string[];
}

const PROFILE_CASES: readonly ProfileCase[] = [
  {
    name: 'a list hook without return',
    build: one(ForgetsToReturn),
    expected: [
      "'ForgetsToReturn.callers()' returned nothing: a missing return statement drops everything the hook declares",
      'fix: return a value from ForgetsToReturn.callers() ([] for none)',
    ],
  },
  {
    name: 'namespaceLabels() without return',
    build: one(LabelsNothing),
    expected: ["'LabelsNothing.namespaceLabels()' returned nothing", '({} for none)'],
  },
  {
    name: 'a misspelled hook',
    build: one(MisspellsCallers),
    expected: ["'MisspellsCallers.calers()' is not a hook (did you mean callers()?)", 'fix: rename it to callers() and mark it override'],
  },
  {
    name: 'a waypoint on a sidecar profile',
    build: one(SidecarWithWaypoint),
    expected: [
      "'SidecarWithWaypoint.waypoint()' is defined on a sidecar profile: only ambient namespaces have waypoints",
      'extend AmbientNamespaceProfile',
    ],
  },
  {
    name: 'an L7 path with a wildcard in the middle',
    before: () => {
      MiddleWildcard.paths = ['/v1/*/pay'];
    },
    build: one(MiddleWildcard),
    expected: ["'MiddleWildcard.l7Policies()[0].to.paths[0]' has a '*' that is neither the first nor the last character", "'/v1/{*}/pay'"],
  },
  {
    name: 'one host twice in one profile',
    before: () => {
      RoutesShop.hosts = [['shop.apps.example.com'], ['shop.apps.example.com']];
    },
    build: one(RoutesShop),
    expected: ["'RoutesShop.routes()' declares host 'shop.apps.example.com' twice"],
  },
  {
    name: 'one host listed twice in one route',
    before: () => {
      RoutesShop.hosts = [['shop.apps.example.com', 'shop.apps.example.com']];
    },
    build: one(RoutesShop),
    expected: ["declares host 'shop.apps.example.com' twice"],
  },
  {
    name: 'one host claimed by two teams',
    before: () => {
      RoutesShop.hosts = [['shop.apps.example.com']];
    },
    build: (app, env) => {
      new RoutesShop(app, 'fixture', { env });
      new AlsoRoutesShop(app, 'store', { env });
    },
    expected: ["[test] store: 'AlsoRoutesShop.routes()' is a host of route 'store', and also of route 'web-0' in namespace fixture (RoutesShop)"],
  },
  {
    name: 'a ValidatingAdmissionPolicy in extraResources',
    before: () => {
      Extra.define = s => {
        new ApiObject(s, 'vap', { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'x' } });
      };
    },
    build: one(Extra),
    expected: ["'Extra.extraResources()' is cluster-scoped", 'got "ValidatingAdmissionPolicy x"'],
  },
  {
    name: 'a ClusterIssuer in extraResources',
    before: () => {
      Extra.define = s => {
        new ApiObject(s, 'ci', { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'x' } });
      };
    },
    build: one(Extra),
    expected: ['is cluster-scoped', 'got "ClusterIssuer x"'],
  },
  {
    name: 'a List smuggling PeerAuthentication DISABLE',
    before: () => {
      Extra.define = s => {
        new ApiObject(s, 'list', {
          apiVersion: 'v1',
          kind: 'List',
          metadata: { name: 'bundle' },
          items: [{ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'off' }, spec: { mtls: { mode: 'DISABLE' } } }],
        } as never);
      };
    },
    build: one(Extra),
    expected: ["'Extra.extraResources()' is a List: kustomize applies its items, which no check of the profile sees", 'got "List bundle"'],
  },
  {
    name: 'a typed list kind in extraResources',
    before: () => {
      Extra.define = s => {
        new ApiObject(s, 'l', { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { name: 'maps' } });
      };
    },
    build: one(Extra),
    expected: ['is a List'],
  },
];

describe('team profiles: refused', () => {
  it.each(PROFILE_CASES)('$name', ({ build, before, expected }) => {
    before?.();
    const problems = problemsOf([withNamespaces('fixture', 'store')], build);
    expect(problems).toHaveLength(1);
    for (const text of expected) expect(problems[0]).toContain(text);
  });

  it('refuses two profiles for one namespace', () => {
    const problems = problemsOf([withNamespaces('shop')], (app, env) => {
      new Extra(app, 'first', { env, namespace: 'shop' });
      new LabelsOk(app, 'second', { env, namespace: 'shop' });
    });
    expect(problems).toContainEqual(expect.stringContaining("[test] second: 'namespace' is also the namespace of profile 'first' (Extra)"));
  });

  it('refuses a profile class registered under two namespaces', () => {
    expect(teamRegistryProblems({ orders: Orders, shop: Orders, payments: Payments })).toEqual([
      expect.objectContaining({
        field: "TEAMS['shop']",
        value: 'Orders',
        message: expect.stringContaining("which TEAMS['orders'] registers already"),
      }),
    ]);
  });

  it('reports a namespace no team registers as a problem, with the others', () => {
    const problems = problemsOf([cfg({ namespaces: { billing: {}, orders: {} }, flux: { intervall: '1m' } })], buildPlatform);
    expect(problems).toEqual([expect.stringContaining("'flux.intervall'")]);
    const built = problemsOf([cfg({ namespaces: { billing: {}, ledger: {} } })], buildPlatform);
    expect(built).toEqual([
      expect.stringContaining(
        "[test] teams: 'namespaces['billing']' is enabled in environment test, but charts/teams/index.ts registers no profile class for it",
      ),
      expect.stringContaining("'namespaces['ledger']'"),
    ]);
  });
});

class LabelsOk extends SidecarNamespaceProfile {}

describe('team profiles: accepted', () => {
  it('helpers with names far from the hooks, and hooks that may return nothing', () => {
    expect(synthesize([withNamespaces('fixture')], one(HasHelpers))).toHaveLength(1);
  });

  it.each(['/v1/*', '*', '*/pay', '/v1/{*}/pay', '/v1/{**}', '/v1'])('L7 path %s', p => {
    expect(misplacedPathWildcard(p)).toBe(false);
  });

  it.each(['/v1/*/pay', '/v1/**', '/a*b'])('L7 path %s is refused', p => {
    expect(misplacedPathWildcard(p)).toBe(true);
  });

  it('the registry of this platform, and its teams, in every environment', () => {
    expect(teamRegistryProblems(TEAMS)).toEqual([]);
  });

  it('a namespaced object in extraResources', () => {
    Extra.define = s => {
      new ApiObject(s, 'q', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'quota' }, spec: { hard: { pods: '5' } } });
    };
    expect(synthesize([withNamespaces('fixture')], one(Extra))).toHaveLength(1);
  });
});

describe('cluster-scoped kinds', () => {
  it('include every pinned CRD with scope: Cluster', () => {
    // The committed extract of the pinned CRDs (crd-schemas/, written by npm run import) holds each kind's scope.
    const dir = path.join(ROOT, 'crd-schemas');
    const files = fs.readdirSync(dir).filter(f => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    const clusterKinds = files
      .flatMap(f =>
        Object.values((JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { kinds: Record<string, { kind: string; scope: string }> }).kinds),
      )
      .filter(k => k.scope === 'Cluster')
      .map(k => k.kind);
    expect(clusterKinds.length).toBeGreaterThan(0);
    for (const kind of clusterKinds) expect(CLUSTER_SCOPED_KINDS).toContain(kind);
  });
});
