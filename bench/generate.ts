/**
 * Synthetic platforms for the benchmarks: five environments (lab, dev, staging, preprod, prod), each
 * enabling the same N app-team namespaces, with one generated profile class per namespace (the
 * library's ambient or sidecar profile, given the namespace's declarations).
 *
 * The namespaces mix ambient (with and without a waypoint) and sidecar modes. Each declares
 * Services, and most of them routes on the shared gateway, callers (from other namespaces of the
 * platform and from outside it), the namespaces they call, external hosts, and some L7 policies,
 * JWT issuers and traffic policies. Everything is derived from a seeded pseudo-random sequence, so
 * a seed and N always give the same platform, and every platform passes every check and mesh rule.
 */
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { IngressChart } from '../src/platform/ingress-chart';
import { MeshBaselineChart } from '../src/platform/mesh-baseline-chart';
import {
  AlbScheme,
  AmbientNamespaceProfile,
  CallerDeclaration,
  DependencyDeclaration,
  EnvironmentBuilder,
  EnvironmentConfig,
  ExternalHostDeclaration,
  ExternalProtocol,
  InjectionStyle,
  JwtRuleDeclaration,
  L7PolicyDeclaration,
  MtlsMode,
  NamespaceDeclarations,
  NamespaceProfile,
  NamespaceProfileProps,
  PodSecurityLevel,
  PolicyAction,
  ResolvedEnvironment,
  RouteRuleDeclaration,
  ServiceDeclaration,
  SidecarNamespaceProfile,
  TrafficPolicyDeclaration,
} from '../src';
import { byCodePoint } from '../src/core/sort';

/** How a generated namespace joins the mesh. */
export type GeneratedMode = 'ambient' | 'ambient-waypoint' | 'sidecar';

/** A route of a generated namespace; its host is `<subdomain>.<first domain of the environment>`. */
export interface GeneratedRoute {
  readonly name: string;
  readonly subdomain: string;
  readonly rules: readonly RouteRuleDeclaration[];
}

/** Everything one generated namespace declares, independent of the environment. */
export interface NamespacePlan {
  readonly name: string;
  readonly mode: GeneratedMode;
  readonly services: readonly ServiceDeclaration[];
  readonly routes: readonly GeneratedRoute[];
  readonly callers: readonly CallerDeclaration[];
  readonly dependencies: readonly DependencyDeclaration[];
  readonly externalHosts: readonly ExternalHostDeclaration[];
  readonly l7Policies: readonly L7PolicyDeclaration[];
  readonly jwtRules: readonly JwtRuleDeclaration[];
  readonly trafficPolicies: readonly TrafficPolicyDeclaration[];
  readonly podSecurityLevel: PodSecurityLevel;
  readonly namespaceLabels: Readonly<Record<string, string>>;
}

/** Options of {@link generatePlatform}. */
export interface GeneratorOptions {
  /** App-team namespaces per environment. */
  readonly namespaces: number;
  /**
   * Seed of the pseudo-random sequence.
   *
   * @default 1
   */
  readonly seed?: number;
}

/** A profile class, as `charts/teams/index.ts` registers them. */
export type GeneratedProfileClass = new (scope: Construct, id: string, props: NamespaceProfileProps) => NamespaceProfile;

/** A generated platform: what `charts/environments`, `charts/teams` and `charts/platform.ts` are for this project. */
export interface GeneratedPlatform {
  /** The five environments, in promotion order, each enabling every namespace. */
  readonly environments: readonly EnvironmentConfig[];
  /** One profile class per namespace, by namespace name. */
  readonly teams: Readonly<Record<string, GeneratedProfileClass>>;
  /** What each namespace declares. */
  readonly plans: readonly NamespacePlan[];
  /** Adds an environment's charts to its App, as `buildPlatform` does. */
  readonly build: EnvironmentBuilder;
}

/** mulberry32: a small, fast, seeded 32-bit generator. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEAM_WORDS = [
  'accounts',
  'billing',
  'catalog',
  'checkout',
  'claims',
  'fulfilment',
  'identity',
  'inventory',
  'ledger',
  'loyalty',
  'media',
  'notify',
  'orders',
  'pricing',
  'profile',
  'quotes',
  'ratings',
  'returns',
  'search',
  'shipping',
];
const SERVICE_WORDS = ['api', 'worker', 'events', 'admin', 'graphql', 'reports'];
const EXTERNAL_HOSTS: ReadonlyArray<Omit<ExternalHostDeclaration, 'cidrs'> & { readonly cidrs?: readonly string[] }> = [
  { host: 'api.stripe.com', port: 443, protocol: ExternalProtocol.TLS },
  { host: 'hooks.slack.com', port: 443, protocol: ExternalProtocol.TLS },
  { host: 'api.github.com', port: 443, protocol: ExternalProtocol.TLS },
  { host: 'oauth2.googleapis.com', port: 443, protocol: ExternalProtocol.TLS },
  { host: 'smtp.sendgrid.net', port: 587, protocol: ExternalProtocol.TCP },
  { host: 'partner.example.net', port: 443, protocol: ExternalProtocol.TLS, cidrs: ['203.0.113.0/24'] },
  { host: 'legacy-erp.example.org', port: 1521, protocol: ExternalProtocol.TCP, cidrs: ['198.51.100.16/28', '198.51.100.32/28'] },
];
/** Workloads outside the platform's output that call into it (declared `external`). */
const OUTSIDE_CALLERS = [
  { namespace: 'data-platform', serviceAccount: 'etl-runner' },
  { namespace: 'monitoring', serviceAccount: 'blackbox-exporter' },
];

/** Namespace name of the i-th generated namespace. */
export function namespaceName(i: number): string {
  return `${TEAM_WORDS[i % TEAM_WORDS.length]}-${String(i).padStart(4, '0')}`;
}

function planNamespaces(count: number, seed: number): NamespacePlan[] {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)];
  const chance = (p: number) => rnd() < p;

  // First pass: modes and Services, which callers of other namespaces refer to.
  const shapes = Array.from({ length: count }, (_, i) => {
    const r = rnd();
    const mode: GeneratedMode = r < 0.3 ? 'ambient-waypoint' : r < 0.55 ? 'ambient' : 'sidecar';
    const serviceCount = 1 + Math.floor(rnd() * 3);
    const services: ServiceDeclaration[] = SERVICE_WORDS.slice(0, serviceCount).map((word, s) => {
      const port = s === 0 ? 80 : 8000 + 10 * s;
      const targetPort = s === 0 ? 8080 : port;
      const ports = [{ port, ...(targetPort !== port ? { targetPort } : {}) }, ...(chance(0.3) ? [{ port: 9090 + s }] : [])];
      return { name: word, selector: { 'app.kubernetes.io/name': word, 'app.kubernetes.io/part-of': namespaceName(i) }, ports, serviceAccount: word };
    });
    return { name: namespaceName(i), mode, services };
  });

  // Calls between namespaces: each namespace is called by up to three others of the platform.
  const callers = shapes.map(() => [] as CallerDeclaration[]);
  const dependencies = shapes.map(() => new Map<string, Set<number>>());
  shapes.forEach((callee, i) => {
    if (count < 2) return;
    const callerCount = Math.floor(rnd() * 4);
    const seen = new Set<number>();
    for (let k = 0; k < callerCount; k++) {
      const j = (i + 1 + Math.floor(rnd() * (count - 1))) % count;
      if (seen.has(j)) continue;
      seen.add(j);
      const service = pick(callee.services);
      callers[i].push({ namespace: shapes[j].name, serviceAccount: shapes[j].services[0].serviceAccount!, services: [service.name] });
      const ports = dependencies[j].get(callee.name) ?? new Set<number>();
      for (const p of service.ports) ports.add(p.targetPort ?? p.port);
      dependencies[j].set(callee.name, ports);
    }
    // A workload of the namespace's own first Service calls its other Services.
    if (callee.services.length > 1)
      callers[i].push({
        namespace: callee.name,
        serviceAccount: callee.services[0].serviceAccount!,
        services: callee.services.slice(1).map(s => s.name),
      });
    if (chance(0.1)) callers[i].push({ ...pick(OUTSIDE_CALLERS), services: [callee.services[0].name], external: true });
  });

  return shapes.map((shape, i) => {
    const [api, second] = shape.services;
    const l7Capable = shape.mode !== 'ambient';
    const routes: GeneratedRoute[] = [];
    if (chance(0.6)) {
      const rules: RouteRuleDeclaration[] = [{ pathPrefix: '/', service: api.name, port: api.ports[0].port }];
      if (second && chance(0.5)) rules.push({ pathPrefix: `/${second.name}`, service: second.name, port: second.ports[0].port });
      routes.push({ name: 'web', subdomain: shape.name, rules });
    }
    const externalHosts: ExternalHostDeclaration[] = [];
    for (let k = Math.floor(rnd() * 3); k > 0; k--) {
      const h = pick(EXTERNAL_HOSTS);
      if (!externalHosts.some(e => e.host === h.host && e.port === h.port)) externalHosts.push({ ...h, ...(h.cidrs ? { cidrs: [...h.cidrs] } : {}) });
    }

    const l7Policies: L7PolicyDeclaration[] = [];
    const jwtRules: JwtRuleDeclaration[] = [];
    const issuer = `https://id.${shape.name}.example.com`;
    if (l7Capable && routes.length > 0 && chance(0.3)) {
      // The public API takes only tokens of the team's issuer, on read and write methods.
      jwtRules.push({ issuer, jwksUri: `${issuer}/.well-known/jwks.json`, audiences: [shape.name] });
      l7Policies.push({
        name: 'public-api-requires-jwt',
        services: [api.name],
        from: { ingressGateway: true, requestPrincipals: [`${issuer}/*`] },
        to: { methods: ['GET', 'POST'], paths: ['/*'] },
      });
    }
    if (l7Capable && second && chance(0.5)) {
      // The second workload may only read the API, and only under /v1.
      l7Policies.push({
        name: `${second.name}-reads-${api.name}`,
        services: [api.name],
        from: { workloads: [{ namespace: shape.name, serviceAccount: second.serviceAccount! }] },
        to: { methods: ['GET', 'HEAD'], paths: ['/v1/*'] },
      });
    }
    // A DENY enforced only at a waypoint does not stop callers whose requests skip it (sidecars,
    // callers from outside the platform): the synth refuses it then, so it is declared only where
    // it holds.
    const denyHolds = shape.mode === 'sidecar' || callers[i].every(c => !c.external && shapes.find(s => s.name === c.namespace)?.mode !== 'sidecar');
    if (l7Capable && routes.length > 0 && chance(0.2) && denyHolds) {
      l7Policies.push({
        name: 'deny-debug-from-internet',
        services: [api.name],
        action: PolicyAction.DENY,
        from: { ingressGateway: true },
        to: { paths: ['/debug/*', '/internal/*'] },
      });
    }
    const trafficPolicies: TrafficPolicyDeclaration[] = shape.services
      .filter(() => chance(0.2))
      .map(s => ({
        service: s.name,
        trafficPolicy: {
          outlierDetection: { consecutive5XxErrors: 5, interval: '30s', baseEjectionTime: '60s' },
          connectionPool: { http: { http2MaxRequests: 1000 } },
        },
      }));
    return {
      name: shape.name,
      mode: shape.mode,
      services: shape.services,
      routes,
      callers: callers[i],
      dependencies: [...dependencies[i]]
        .sort(([a], [b]) => byCodePoint(a, b))
        .map(([namespace, ports]) => ({ namespace, ports: [...ports].sort((a, b) => a - b) })),
      externalHosts,
      l7Policies,
      jwtRules,
      trafficPolicies,
      podSecurityLevel: chance(0.8) ? PodSecurityLevel.RESTRICTED : PodSecurityLevel.BASELINE,
      namespaceLabels: { 'cost-center': `cc-${1000 + (i % 37)}` },
    };
  });
}

/**
 * Deep copy of plain data (arrays, plain objects, strings, numbers, booleans), so that no profile
 * hands out the plan itself: what a hook returning literals allocates. (`structuredClone` took
 * about 7 µs a call, 54 ms of each 5 x 1000 environment.)
 */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = copy(v);
  return out as T;
}

/** A class name from a namespace name: `checkout-0003` -> `Checkout0003Profile`. */
function className(namespace: string): string {
  return `${namespace
    .split('-')
    .map(p => p[0].toUpperCase() + p.slice(1))
    .join('')}Profile`;
}

/**
 * What one generated namespace declares in an environment, as app teams write it: calls and
 * callers only towards namespaces the environment enables. Copies, so that no profile hands out
 * the plan itself.
 */
export function declarationsOf(plan: NamespacePlan, env: ResolvedEnvironment): NamespaceDeclarations {
  return {
    services: copy(plan.services) as ServiceDeclaration[],
    routes: plan.routes.map(r => ({ name: r.name, hosts: [`${r.subdomain}.${env.primaryDomain}`], rules: copy(r.rules) as RouteRuleDeclaration[] })),
    callers: copy(plan.callers.filter(c => c.external || env.namespaces[c.namespace])) as CallerDeclaration[],
    dependencies: copy(plan.dependencies.filter(d => env.namespaces[d.namespace])) as DependencyDeclaration[],
    externalHosts: copy(plan.externalHosts) as ExternalHostDeclaration[],
    l7Policies: copy(plan.l7Policies) as L7PolicyDeclaration[],
    jwtRules: copy(plan.jwtRules) as JwtRuleDeclaration[],
    trafficPolicies: copy(plan.trafficPolicies) as TrafficPolicyDeclaration[],
    podSecurityLevel: plan.podSecurityLevel,
    namespaceLabels: { ...plan.namespaceLabels },
    ...(plan.mode === 'ambient-waypoint' ? { waypoint: {} } : {}),
  };
}

/**
 * The profile class of one generated namespace: the library's profile of its mode, given the
 * namespace's declarations. A class of its own, because the team registry takes one class per
 * namespace.
 */
export function profileClass(plan: NamespacePlan): GeneratedProfileClass {
  const withDeclarations = (props: NamespaceProfileProps): NamespaceProfileProps => ({ ...props, declarations: declarationsOf(plan, props.env) });
  const cls =
    plan.mode === 'sidecar'
      ? class extends SidecarNamespaceProfile {
          constructor(scope: Construct, id: string, props: NamespaceProfileProps) {
            super(scope, id, withDeclarations(props));
          }
        }
      : class extends AmbientNamespaceProfile {
          constructor(scope: Construct, id: string, props: NamespaceProfileProps) {
            super(scope, id, withDeclarations(props));
          }
        };
  Object.defineProperty(cls, 'name', { value: className(plan.name) });
  return cls;
}

const ENVIRONMENT_SHAPES = [
  { name: 'lab', region: 'eu-west-1', account: '111122223333', scheme: AlbScheme.INTERNAL },
  { name: 'dev', region: 'eu-west-1', account: '111122223333', scheme: AlbScheme.INTERNAL },
  { name: 'staging', region: 'eu-west-1', account: '444455556666', scheme: AlbScheme.INTERNET_FACING },
  { name: 'preprod', region: 'eu-central-1', account: '777788889999', scheme: AlbScheme.INTERNET_FACING },
  { name: 'prod', region: 'eu-central-1', account: '999900001111', scheme: AlbScheme.INTERNET_FACING },
] as const;

/** A certificate id that looks like ACM's (a UUID), derived from a number. */
function certificateId(n: number): string {
  const hex = ((n * 2654435761) >>> 0).toString(16).padStart(8, '0');
  return `${hex}-${hex.slice(0, 4)}-4${hex.slice(1, 4)}-a${hex.slice(5, 8)}-${hex}${hex.slice(0, 4)}`;
}

function environments(plans: readonly NamespacePlan[]): EnvironmentConfig[] {
  return ENVIRONMENT_SHAPES.map((shape, e) => {
    const internetFacing = shape.scheme === AlbScheme.INTERNET_FACING;
    const namespaces: Record<string, { mtlsMode?: MtlsMode }> = {};
    plans.forEach((p, i) => {
      // A tenth of the namespaces are migrating: STRICT up to dev, PERMISSIVE from staging on (an
      // environment may be behind the one before it, never ahead).
      namespaces[p.name] = e >= 2 && i % 10 === 3 ? { mtlsMode: MtlsMode.PERMISSIVE } : {};
    });
    return {
      name: shape.name,
      clusterName: `mesh-${shape.name}`,
      awsRegion: shape.region,
      domains: shape.name === 'prod' ? ['example.com', 'api.example.com'] : [`${shape.name}.example.com`],
      alb: {
        scheme: shape.scheme,
        certificateArns: [`arn:aws:acm:${shape.region}:${shape.account}:certificate/${certificateId(e + 1)}`],
        sourceCidrs: [`10.${e + 1}.0.0/24`, `10.${e + 1}.1.0/24`],
        ...(internetFacing
          ? {
              sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
              wafAclArn: `arn:aws:wafv2:${shape.region}:${shape.account}:regional/webacl/mesh-${shape.name}/${certificateId(e + 11)}`,
            }
          : {}),
        ...(shape.name === 'prod'
          ? { groupName: 'mesh-prod-public', groupOrder: 10, loadBalancerAttributes: { 'deletion_protection.enabled': 'true' } }
          : {}),
      },
      // Dev still uses the legacy injection label.
      ...(shape.name === 'dev' ? { istio: { injectionStyle: InjectionStyle.INJECTION_LABEL } } : {}),
      telemetry: { samplingPercentage: internetFacing ? 1 : 10 },
      namespaces,
      tags: { CostCenter: 'platform' },
    };
  });
}

/**
 * Generate a platform of five environments with `namespaces` app-team namespaces each.
 *
 * @example
 * const platform = generatePlatform({ namespaces: 100 });
 * runSynth({ environments: platform.environments, build: platform.build, outdir });
 */
export function generatePlatform(options: GeneratorOptions): GeneratedPlatform {
  if (!Number.isInteger(options.namespaces) || options.namespaces < 1 || options.namespaces > 9999) {
    throw new Error(`namespaces must be an integer from 1 to 9999, got ${options.namespaces}`);
  }
  const plans = planNamespaces(options.namespaces, options.seed ?? 1);
  const teams: Record<string, GeneratedProfileClass> = Object.fromEntries(plans.map(p => [p.name, profileClass(p)]));
  const build: EnvironmentBuilder = (app: App, env: ResolvedEnvironment) => {
    new MeshBaselineChart(app, 'mesh-baseline', { env });
    const ingress = new IngressChart(app, 'ingress', { env });
    for (const ns of Object.keys(env.namespaces)) {
      const Profile = teams[ns];
      if (!Profile) throw new Error(`environment ${env.name} enables namespace '${ns}', which the generated platform does not define`);
      new Profile(app, ns, { env }).addDependency(ingress);
    }
  };
  return { environments: environments(plans), teams, plans, build };
}
