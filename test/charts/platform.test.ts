import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, JsonPatch } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildFlux, buildPlatform } from '../../charts/platform';
import { ENVIRONMENTS } from '../../charts/environments';
import { TEAMS } from '../../charts/teams';
import { AlbScheme, ISTIO_VERSION, MeshTelemetry, renderPlan, runSynth, SynthesizedEnvironment, synthesize } from '../../src';
import { baseConfig, crdSchemas, ROOT, synthProblems } from '../util';
import { byCodePoint } from '../../src/core/sort';

/** The recorded flow decisions MESH.md is drawn from, as charts/main.ts passes them. */
const FLOWS = path.join(ROOT, 'flows');

function synthAll(): SynthesizedEnvironment[] {
  return synthesize(ENVIRONMENTS, buildPlatform, { schemas: crdSchemas(), decisionsDir: FLOWS });
}

/** Every file under `dir`, by path relative to it; `skip` leaves out top-level entries. */
function readTree(dir: string, skip: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => byCodePoint(a.name, b.name))) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (!rel && skip.includes(entry.name)) continue;
      if (entry.isDirectory()) walk(child);
      else out[child] = fs.readFileSync(path.join(dir, child), 'utf8');
    }
  };
  walk('');
  return out;
}

describe('platform synth', () => {
  const results = synthAll();

  it('synthesizes the five environments in promotion order', () => {
    expect(results.map(r => r.env.name)).toEqual(['lab', 'dev', 'staging', 'preprod', 'prod']);
  });

  it.each(ENVIRONMENTS.map(e => e.name))(
    '%s: one file per chart with an order prefix, in the folder of its stage; kustomization.yaml lists the folders in apply order',
    name => {
      const result = results.find(r => r.env.name === name)!;
      const config = ENVIRONMENTS.find(e => e.name === name)!;
      const teamFiles = Object.keys(config.namespaces ?? {})
        .sort()
        .map(ns => `40-${ns}.yaml`);
      const folders: Record<string, string[]> = {
        'control-plane': ['10-control-plane.yaml'],
        config: ['20-mesh-baseline.yaml', '30-ingress.yaml'],
        namespaces: teamFiles,
      };
      const expected = [
        'MESH.md',
        'kustomization.yaml',
        ...Object.entries(folders).flatMap(([f, files]) => [...files, 'kustomization.yaml'].map(n => `${f}/${n}`)),
      ];
      expect(result.files.map(f => f.name)).toEqual(expected.sort(byCodePoint));
      const read = (file: string) => parseAllDocuments(result.files.find(f => f.name === file)!.content)[0].toJS();
      expect(read('kustomization.yaml')).toEqual({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: ['control-plane', 'config', 'namespaces'],
      });
      for (const [folder, files] of Object.entries(folders)) {
        expect(read(`${folder}/kustomization.yaml`)).toEqual({
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          resources: files,
        });
      }
    },
  );

  it('the README shows the migration plan as it stands for the committed environments, row for row', () => {
    const plan = renderPlan(synthesize(ENVIRONMENTS, buildPlatform, { rules: [], meshReport: false }).map(r => r.states)).split('\n');
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n');
    const header = readme.indexOf(plan.find(l => l.startsWith('| namespace (target) |'))!);
    expect(header).toBeGreaterThanOrEqual(0);
    const end = readme.findIndex((l, i) => i > header && !l.startsWith('|'));
    // Every row the README shows (a team added since need not be shown), each as the plan says now.
    const shown = readme.slice(header + 2, end);
    expect(shown.length).toBeGreaterThan(0);
    for (const row of shown) expect(plan).toContain(row);
  });

  it('emits a team namespace only in the environments that enable it', () => {
    const namespacesOf = (name: string) =>
      results
        .find(r => r.env.name === name)!
        .charts.flatMap(c => c.objects)
        .filter(o => o.kind === 'Namespace' && o.metadata.labels?.['mesh.eks-istio-mesh.io/team'])
        .map(o => o.metadata.name);
    for (const config of ENVIRONMENTS) expect(namespacesOf(config.name)).toEqual(Object.keys(config.namespaces ?? {}).sort(byCodePoint));
    // Not every environment enables every registered team, so the filter is exercised.
    expect(ENVIRONMENTS.some(e => Object.keys(e.namespaces ?? {}).length < Object.keys(TEAMS).length)).toBe(true);
  });

  it.each(['lab', 'dev', 'staging'])(
    '%s: orders (sidecars) reaches payments-api where its traffic lands: ztunnel on the pods, not the waypoint',
    name => {
      const objects = results.find(r => r.env.name === name)!.charts.flatMap(c => c.objects) as any[];
      const policy = (n: string) =>
        objects.find(o => o.kind === 'AuthorizationPolicy' && o.metadata.namespace === 'payments' && o.metadata.name === n);
      const principals = (p: any): string[] => (p?.spec.rules ?? []).flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals ?? []));
      const direct = policy('allow-direct-payments-api');
      expect(direct.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'payments-api' } });
      expect(direct.spec.rules).toEqual([
        { from: [{ source: { principals: ['cluster.local/ns/orders/sa/orders-api'] } }], to: [{ operation: { ports: ['8080'] } }] },
      ]);
      expect(objects.filter(o => o.kind === 'AuthorizationPolicy' && o.spec.targetRefs).flatMap(principals)).not.toContain(
        'cluster.local/ns/orders/sa/orders-api',
      );
    },
  );

  it('builds route hosts from the first domain the environment lists (prod serves pay.example.com)', () => {
    const vs = results
      .find(r => r.env.name === 'prod')!
      .charts.flatMap(c => c.objects)
      .find(o => o.kind === 'VirtualService' && o.metadata.name === 'payments') as any;
    expect(vs.spec.hosts).toEqual(['pay.example.com']);
  });

  it('fails with a clear message when an environment enables a namespace no team registers', () => {
    const problems = synthProblems(() => synthesize([baseConfig({ namespaces: { billing: {} } })], buildPlatform));
    expect(problems[0]).toContain("'namespaces['billing']' is enabled in environment");
    expect(problems[0]).toContain('but charts/teams/index.ts registers no profile class for it');
  });

  it.each(ENVIRONMENTS.map(e => e.name))('%s: matches the file snapshot, file for file', async name => {
    const result = results.find(r => r.env.name === name)!;
    // A snapshot file the synth no longer writes (or one it writes and no snapshot holds) fails too.
    expect(Object.keys(readTree(path.join(__dirname, '__snapshots__', name)))).toEqual(result.files.map(f => f.name));
    for (const file of result.files) {
      await expect(file.content).toMatchFileSnapshot(`./__snapshots__/${name}/${file.name}`);
    }
  });

  it('wires each environment to its own config: region, certificates, scheme and mTLS mode', () => {
    for (const r of results) {
      const config = ENVIRONMENTS.find(e => e.name === r.env.name)!;
      const objects = r.charts.flatMap(c => c.objects) as any[];
      const ingress = objects.find(o => o.kind === 'Ingress');
      expect(ingress.metadata.annotations['alb.ingress.kubernetes.io/certificate-arn']).toBe(config.alb.certificateArns.join(','));
      expect(ingress.metadata.annotations['alb.ingress.kubernetes.io/scheme']).toBe(config.alb.scheme);
      expect(objects.find(o => o.kind === 'PeerAuthentication').spec.mtls.mode).toBe(r.env.istio.mtlsMode);
      expect(objects.every(o => o.metadata.labels['mesh.eks-istio-mesh.io/environment'] === r.env.name)).toBe(true);
    }
  });

  it('never emits a Secret, a mesh-wide or TLS-overriding DestinationRule, or an ingress gateway bound to host names or to every namespace', () => {
    const objects = results.flatMap(r => r.charts.flatMap(c => c.objects)) as any[];
    expect(objects.filter(o => o.kind === 'Secret')).toEqual([]);
    for (const dr of objects.filter(o => o.kind === 'DestinationRule')) {
      expect(dr.spec.host).not.toMatch(/^\*/);
      expect([undefined, 'ISTIO_MUTUAL']).toContain(dr.spec.trafficPolicy?.tls?.mode);
    }
    const gateways = objects.filter(o => o.kind === 'Gateway' && o.apiVersion === 'networking.istio.io/v1');
    expect(gateways).toHaveLength(results.length);
    for (const gw of gateways) {
      const env = results.find(r => r.env.name === gw.metadata.labels['mesh.eks-istio-mesh.io/environment'])!.env;
      const expected = Object.keys(env.namespaces).length
        ? Object.keys(env.namespaces)
            .sort()
            .map(ns => `${ns}/*`)
        : [`${env.ingressGateway.namespace}/*`];
      for (const server of gw.spec.servers) expect(server.hosts).toEqual(expected);
    }
  });

  it("guards the gateway's and each waypoint's ServiceAccount, lets the ALB alone reach the gateway, and keeps the ALB class to the gateway namespace", () => {
    for (const r of results) {
      const objects = r.charts.flatMap(c => c.objects) as any[];
      const policy = objects.find(o => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === 'mesh-protected-service-accounts');
      const owners = policy.spec.variables.find((v: any) => v.name === 'owners').expression as string;
      expect(owners).toContain(
        `'${r.env.ingressGateway.namespace}/${r.env.ingressGateway.serviceAccount}': ['system:serviceaccount:flux-system:helm-controller']`,
      );
      for (const wp of objects.filter(o => o.kind === 'Gateway' && o.spec.gatewayClassName === 'istio-waypoint')) {
        expect(owners).toContain(`'${wp.metadata.namespace}/${wp.metadata.name}': ['system:serviceaccount:istio-system:istiod'`);
      }
      expect(objects.filter(o => o.kind === 'ValidatingAdmissionPolicyBinding').map(b => b.spec.policyName)).toContain(
        'mesh-protected-service-accounts',
      );
      const np = objects.find(o => o.kind === 'NetworkPolicy' && o.metadata.namespace === r.env.ingressGateway.namespace);
      expect(np.spec.ingress[0].from.map((f: any) => f.ipBlock.cidr)).toEqual(r.env.alb.sourceCidrs);
      const ingress = objects.find(o => o.kind === 'Ingress');
      const params = objects.find(o => o.kind === 'IngressClassParams');
      expect(ingress.spec.ingressClassName).toBe(params.metadata.name);
      expect(params.spec.namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': r.env.ingressGateway.namespace } });
      expect(params.spec.group).toEqual(r.env.alb.groupName ? { name: r.env.alb.groupName } : undefined);
      expect(ingress.metadata.annotations['alb.ingress.kubernetes.io/group.name']).toBeUndefined();
    }
  });

  it.each(ENVIRONMENTS.map(e => e.name))(
    '%s: the Flux Kustomizations match the file snapshot of what the synth writes, file for file',
    async name => {
      // As runSynth synthesizes the Flux folder: no MESH.md, no stage folders.
      const [flux] = synthesize(
        ENVIRONMENTS.filter(e => e.name === name),
        buildFlux,
        { schemas: crdSchemas(), stageFolders: false, meshReport: false },
      );
      expect(Object.keys(readTree(path.join(__dirname, '__snapshots__', 'flux', name)))).toEqual(flux.files.map(f => f.name));
      expect(flux.files.map(f => f.name)).toEqual(fs.readdirSync(path.join(ROOT, 'dist', 'flux', name)).sort(byCodePoint));
      for (const file of flux.files) {
        await expect(file.content).toMatchFileSnapshot(`./__snapshots__/flux/${name}/${file.name}`);
      }
    },
  );

  it('installs Istio at one version everywhere: every chart, every image tag', () => {
    const releases = results.flatMap(r => r.charts.flatMap(c => c.objects)).filter(o => o.kind === 'HelmRelease') as any[];
    expect(releases).toHaveLength(results.length * 5 + 1);
    expect(new Set(releases.map(r => r.spec.chart.spec.version))).toEqual(new Set([ISTIO_VERSION]));
    // The base chart runs no image (no tag); the gateway's image comes from istiod's injector.
    const withImages = releases.filter(x => ['istiod', 'cni', 'ztunnel'].includes(x.spec.chart.spec.chart));
    expect(withImages.length).toBeGreaterThan(0);
    for (const r of withImages) expect(r.spec.values.global.tag.startsWith(ISTIO_VERSION)).toBe(true);
  });

  it('makes the gateway release produce the ServiceAccount and pod labels the policies and the Istio Gateway use', () => {
    for (const r of results) {
      const objects = r.charts.flatMap(c => c.objects) as any[];
      const release = objects.find(o => o.kind === 'HelmRelease' && o.spec.chart.spec.chart === 'gateway');
      expect(release.spec.releaseName).toBe(r.env.ingressGateway.serviceName);
      expect(release.spec.targetNamespace).toBe(r.env.ingressGateway.namespace);
      expect(release.spec.values.serviceAccount.name).toBe(r.env.ingressGateway.serviceAccount);
      expect(r.env.ingressGateway.principal).toBe(`cluster.local/ns/${release.spec.targetNamespace}/sa/${release.spec.values.serviceAccount.name}`);
      const gateway = objects.find(o => o.kind === 'Gateway' && o.apiVersion === 'networking.istio.io/v1');
      expect(release.spec.values.labels).toEqual(gateway.spec.selector);
      expect(release.spec.values.service.type).toBe('ClusterIP');
    }
  });

  it('names in every Telemetry only the provider istiod defines', () => {
    for (const r of results) {
      const objects = r.charts.flatMap(c => c.objects) as any[];
      const defined = objects
        .filter(o => o.kind === 'HelmRelease' && o.spec.chart.spec.chart === 'istiod')
        .flatMap(o => o.spec.values.meshConfig.extensionProviders.map((p: any) => p.name));
      const named = objects.filter(o => o.kind === 'Telemetry').flatMap(t => t.spec.tracing.flatMap((x: any) => x.providers.map((p: any) => p.name)));
      expect(named.length).toBeGreaterThan(0);
      for (const n of named) expect(defined).toContain(n);
    }
  });

  it('fails an environment whose Telemetry names a provider meshConfig does not define', () => {
    // GIVEN a platform with one more Telemetry, naming a provider istiod does not define
    const problems = synthProblems(() =>
      synthesize(
        [baseConfig()],
        (app, env) => {
          const charts = buildPlatform(app, env);
          new MeshTelemetry(charts.meshBaseline, 'Zipkin', {
            namespace: 'istio-system',
            name: 'zipkin',
            tracingProvider: 'zipkin',
            samplingPercentage: 100,
          });
        },
        { schemas: crdSchemas() },
      ),
    );
    // THEN the rule reports it once, at the Telemetry (no construct walks the app for it)
    expect(problems).toEqual([
      '[test] test/config/20-mesh-baseline.yaml (mesh-baseline/Zipkin/Resource): rule telemetry-provider-defined: Telemetry istio-system/zipkin tracing names provider zipkin; defined: envoy, otel-tracing, prometheus, stackdriver. fix: name a provider defined in meshConfig.extensionProviders (the environment telemetry.tracingProvider)',
    ]);
  });

  it('fails an environment whose raw Telemetry names an access-log provider meshConfig does not define', () => {
    // GIVEN a hand-written Telemetry in the baseline chart, outside any MeshTelemetry
    const problems = synthProblems(() =>
      synthesize(
        [baseConfig()],
        (app, env) => {
          const charts = buildPlatform(app, env);
          new ApiObject(charts.meshBaseline, 'Raw', {
            apiVersion: 'telemetry.istio.io/v1',
            kind: 'Telemetry',
            metadata: { name: 'raw', namespace: 'istio-system' },
            spec: { accessLogging: [{ providers: [{ name: 'otel-logs' }] }] },
          });
        },
        { schemas: crdSchemas() },
      ),
    );
    // THEN
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /\(mesh-baseline\/Raw\): rule telemetry-provider-defined: Telemetry istio-system\/raw accessLogging names provider otel-logs; defined: /,
    );
  });

  it('fails an environment whose gateway namespace is labelled istio-injection: disabled, once, from the rule', () => {
    // GIVEN the root Namespace, where the gateway runs, labelled against injection after the build
    const problems = synthProblems(() =>
      synthesize(
        [baseConfig()],
        (app, env) => {
          buildPlatform(app, env).controlPlane.istio.namespaceObject.metadata.addLabel('istio-injection', 'disabled');
        },
        { schemas: crdSchemas() },
      ),
    );
    // THEN
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /: rule gateway-namespace-injection: Namespace istio-system runs the ingress gateway but has istio-injection: disabled\. fix: /,
    );
  });

  it('labels the root Namespace for the ALB readiness gate through IstioInstall props when the gateway runs there', () => {
    const lab = results[0];
    const ns = lab.charts.flatMap(c => c.objects).find(o => o.kind === 'Namespace' && o.metadata.name === lab.env.istio.rootNamespace) as any;
    expect(lab.env.ingressGateway.namespace).toBe(lab.env.istio.rootNamespace);
    expect(ns.metadata.labels['elbv2.k8s.aws/pod-readiness-gate-inject']).toBe('enabled');
  });

  it('is deterministic: two synths give identical bytes', () => {
    const again = synthAll();
    expect(again.map(r => r.files)).toEqual(results.map(r => r.files));
  });

  it('matches the committed dist/, including the Flux Kustomizations in dist/flux/', () => {
    const expected: Record<string, string> = {};
    for (const r of results) for (const f of r.files) expected[`${r.env.name}/${f.name}`] = f.content;
    for (const r of synthesize(ENVIRONMENTS, buildFlux, { schemas: crdSchemas(), meshReport: false, stageFolders: false }))
      for (const f of r.files) expected[`flux/${r.env.name}/${f.name}`] = f.content;
    expect(readTree(path.join(ROOT, 'dist'))).toEqual(expected);
  });

  it('writes no absolute path and no timestamp', () => {
    const all = results.flatMap(r => r.files.map(f => f.content)).join('\n');
    expect(all).not.toContain(ROOT);
    expect(all).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  });
});

describe('runSynth', () => {
  let dir: string;
  const quiet = { log: () => undefined, error: () => undefined };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-synth-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes every environment and removes stale files and environments', () => {
    // GIVEN an output folder with a stale file and a removed environment
    fs.mkdirSync(path.join(dir, 'prod'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'prod', '99-old.yaml'), 'stale');
    expect(runSynth({ environments: ENVIRONMENTS, build: buildPlatform, outdir: dir, crdDir: undefined, ...quiet })).toBe(0);
    fs.mkdirSync(path.join(dir, 'qa'));
    fs.copyFileSync(path.join(dir, 'prod', 'kustomization.yaml'), path.join(dir, 'qa', 'kustomization.yaml'));
    // WHEN
    expect(runSynth({ environments: ENVIRONMENTS, build: buildPlatform, outdir: dir, decisionsDir: FLOWS, ...quiet })).toBe(0);
    // THEN
    expect(fs.readdirSync(dir).sort()).toEqual(['dev', 'lab', 'preprod', 'prod', 'staging']);
    expect(fs.existsSync(path.join(dir, 'prod', '99-old.yaml'))).toBe(false);
    expect(readTree(dir)).toEqual(readTree(path.join(ROOT, 'dist'), ['flux']));
  });

  it('leaves the output untouched and lists every problem of every environment when a config is wrong', () => {
    // GIVEN a good output, and two environments with mistakes
    expect(runSynth({ environments: ENVIRONMENTS, build: buildPlatform, outdir: dir, ...quiet })).toBe(0);
    const before = readTree(dir);
    const broken = ENVIRONMENTS.map(e =>
      e.name === 'prod'
        ? { ...e, alb: { ...e.alb, certificateArns: ['arn:aws:acm:eu-central-1:999900001111:certificate/oops'] } }
        : e.name === 'dev'
          ? { ...e, ingressGateway: { hosts: ['shop.dev.example.com'] } as never }
          : e,
    );
    const errors: string[] = [];
    // WHEN
    const code = runSynth({
      environments: broken,
      build: buildPlatform,
      outdir: dir,
      log: () => undefined,
      error: l => errors.push(l),
      configSource: n => `charts/environments/${n}.ts`,
    });
    // THEN
    expect(code).toBe(1);
    expect(readTree(dir)).toEqual(before);
    const message = errors.join('\n');
    expect(message).toContain('synth failed with 2 problems; nothing was written');
    expect(message).toContain("[dev] charts/environments/dev.ts: 'ingressGateway.hosts' is no longer a setting");
    expect(message).toContain(
      '[prod] charts/environments/prod.ts: \'alb.certificateArns[0]\' is not an ACM certificate ARN; got "arn:aws:acm:eu-central-1:999900001111:certificate/oops". fix: use arn:aws:acm:<region>:<12-digit account>:certificate/<uuid>',
    );
  });

  it('refuses to write when a mesh rule fails, and names the rule, file and object', () => {
    expect(runSynth({ environments: ENVIRONMENTS, build: buildPlatform, outdir: dir, ...quiet })).toBe(0);
    const before = readTree(dir);
    const errors: string[] = [];
    const code = runSynth({
      environments: ENVIRONMENTS.filter(e => e.name === 'lab'),
      build: (app, env) => {
        const charts = buildPlatform(app, env);
        new ApiObject(charts.meshBaseline, 'WildcardRule', {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name: 'all', namespace: 'istio-system' },
          spec: { host: '*.local', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
        });
      },
      outdir: dir,
      log: () => undefined,
      error: l => errors.push(l),
    });
    expect(code).toBe(1);
    expect(readTree(dir)).toEqual(before);
    expect(errors.join('\n')).toContain(
      '[lab] lab/config/20-mesh-baseline.yaml (mesh-baseline/WildcardRule): rule destination-rule-wildcard-tls: DestinationRule istio-system/all sets TLS for host *.local. fix: delete the wildcard DestinationRule',
    );
  });

  it('prints rule warnings and still writes', () => {
    const errors: string[] = [];
    const code = runSynth({
      environments: ENVIRONMENTS.filter(e => e.name === 'lab'),
      build: (app, env) => {
        const charts = buildPlatform(app, env);
        charts.ingress.ingress.resource.addJsonPatch(JsonPatch.replace('/metadata/annotations/alb.ingress.kubernetes.io~1target-type', 'instance'));
      },
      outdir: dir,
      log: () => undefined,
      error: l => errors.push(l),
    });
    expect(code).toBe(0);
    expect(errors).toContain(
      'warning [lab] lab/config/30-ingress.yaml: rule alb-target-type: Ingress istio-system/istio-ingress has target-type instance. fix: set alb.ingress.kubernetes.io/target-type: ip and keep the gateway Service ClusterIP',
    );
    expect(fs.existsSync(path.join(dir, 'lab', 'config', '30-ingress.yaml'))).toBe(true);
  });

  it('refuses an unknown environment name', () => {
    expect(runSynth({ environments: ENVIRONMENTS, build: buildPlatform, outdir: dir, only: ['qa'], ...quiet })).toBe(2);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('synthesize', () => {
  it('rejects a custom resource that its pinned CRD does not allow (unknown field)', () => {
    // GIVEN a raw ApiObject, the escape hatch for kinds the library does not model
    const problems = synthProblems(() =>
      synthesize(
        [baseConfig()],
        (app, env) => {
          const charts = buildPlatform(app, env);
          new ApiObject(charts.ingress, 'Raw', {
            apiVersion: 'networking.istio.io/v1',
            kind: 'Gateway',
            metadata: { name: 'raw', namespace: 'istio-system' },
            spec: { servers: [{ hosts: ['*'], port: { number: 443, name: 'https', protocol: 'HTTPS' }, tls: { mode: 'SIMPLE', sniHosts: ['x'] } }] },
          });
        },
        { schemas: crdSchemas() },
      ),
    );
    expect(problems).toEqual([
      "[test] ingress/Raw: 'schema' does not match its pinned CRD schema: /spec/servers/0/tls has unknown field 'sniHosts'; got \"Gateway raw\". fix: set only the fields the CRD defines, with the types it gives",
    ]);
  });

  it('drops unknown fields that a JSON patch adds to an imported CRD class (cdk8s re-types the patched object)', () => {
    const [result] = synthesize(
      [baseConfig()],
      (app, env) => {
        buildPlatform(app, env).ingress.gateway.resource.addJsonPatch(JsonPatch.add('/spec/servers/0/tls/sniHosts', ['x']));
      },
      { schemas: crdSchemas() },
    );
    const gateway = result.charts.flatMap(c => c.objects).find(o => o.kind === 'Gateway') as any;
    expect(gateway.spec.servers[0].tls.sniHosts).toBeUndefined();
  });

  it('rejects a value of the wrong type or outside an enum', () => {
    const problems = synthProblems(() =>
      synthesize(
        [baseConfig()],
        (app, env) => {
          const charts = buildPlatform(app, env);
          charts.ingress.certificate.resource.addJsonPatch(JsonPatch.replace('/spec/privateKey/algorithm', 'DSA'));
        },
        { schemas: crdSchemas() },
      ),
    );
    expect(problems[0]).toMatch(/\/spec\/privateKey\/algorithm must be equal to one of the allowed values: RSA, ECDSA, Ed25519/);
  });

  it('rejects two objects with the same identity', () => {
    const problems = synthProblems(() =>
      synthesize([baseConfig()], (app, env) => {
        const charts = buildPlatform(app, env);
        new ApiObject(charts.ingress, 'Twin', {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'istio-ingress', namespace: 'istio-system' },
        });
      }),
    );
    expect(problems).toContain(
      '[test] test/config/30-ingress.yaml (ingress/Twin): rule unique-identity: Ingress istio-system/istio-ingress is also defined at ingress/Alb/Resource. fix: rename one of them, or remove the duplicate',
    );
  });

  it('rejects two environments with the same name', () => {
    const problems = synthProblems(() =>
      synthesize(
        [
          baseConfig(),
          baseConfig({
            alb: { scheme: AlbScheme.INTERNET_FACING, certificateArns: baseConfig().alb.certificateArns, sourceCidrs: baseConfig().alb.sourceCidrs },
          }),
        ],
        buildPlatform,
      ),
    );
    expect(problems).toEqual([
      '[test] EnvironmentConfig: \'name\' is used by more than one environment; got "test". fix: give each environment its own name',
    ]);
  });
});

describe('cdk8s CLI', () => {
  it('`npx cdk8s synth` produces the same files as npm run synth, and leaves dist/ alone', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-cdk8s-'));
    try {
      execFileSync(
        path.join(ROOT, 'node_modules', '.bin', 'cdk8s'),
        ['synth', '--no-check-upgrade', '--output', out, '--app', `npx tsx charts/main.ts --outdir ${path.join(out, 'primary')}`],
        { cwd: ROOT, stdio: 'pipe' },
      );
      const primary = readTree(path.join(out, 'primary'));
      fs.rmSync(path.join(out, 'primary'), { recursive: true });
      expect(readTree(out)).toEqual(primary);
      expect(primary).toEqual(readTree(path.join(ROOT, 'dist')));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
