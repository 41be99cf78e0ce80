import { describe, expect, it } from 'vitest';
import { ISTIO_VERSION, IstioInstall, IstioInstallProps, Manifest, MeshTelemetry } from '../../src';
import { findByKind, synthConstructs, synthProblems } from '../util';

const TRACING = { name: 'otel-tracing', collectorHost: 'opentelemetry-collector.observability.svc.cluster.local', collectorPort: 4317 };

function install(props: Partial<IstioInstallProps> = {}): Array<Manifest & Record<string, any>> {
  return synthConstructs(
    scope => new IstioInstall(scope, 'Istio', { namespace: 'istio-system', revision: 'default', tracing: TRACING, ...props }),
  ) as any;
}

const release = (objects: Manifest[], name: string) =>
  objects.find(o => o.kind === 'HelmRelease' && o.metadata.name === name) as Manifest & Record<string, any>;
const dependsOn = (objects: Manifest[], name: string) => (release(objects, name).spec.dependsOn ?? []).map((d: any) => d.name);

describe('IstioInstall', () => {
  it('installs base, istiod, cni and ztunnel from one HelmRepository', () => {
    // WHEN
    const objects = install();
    // THEN
    expect(findByKind(objects, 'HelmRelease').map(r => r.metadata.name)).toEqual(['istio-base', 'istio-cni', 'istiod', 'ztunnel']);
    const [repo] = findByKind(objects, 'HelmRepository') as any[];
    expect(repo.metadata).toMatchObject({ name: 'istio', namespace: 'istio-system' });
    expect(repo.spec).toEqual({ url: 'https://istio-release.storage.googleapis.com/charts', interval: '1h' });
    for (const r of findByKind(objects, 'HelmRelease') as any[]) {
      expect(r.spec.chart.spec.sourceRef).toEqual({ kind: 'HelmRepository', name: 'istio', namespace: 'istio-system' });
      expect(r.spec.targetNamespace).toBe('istio-system');
    }
  });

  it('pins every chart to the one Istio version, 1.30.3', () => {
    const objects = install({ revisions: ['default', 'canary'] });
    expect(ISTIO_VERSION).toBe('1.30.3');
    expect(new Set(findByKind(objects, 'HelmRelease').map((r: any) => r.spec.chart.spec.version))).toEqual(new Set(['1.30.3']));
  });

  it('orders the install with dependsOn: base, then istiod, then cni, then ztunnel', () => {
    const objects = install();
    expect(dependsOn(objects, 'istio-base')).toEqual([]);
    expect(dependsOn(objects, 'istiod')).toEqual(['istio-base']);
    expect(dependsOn(objects, 'istio-cni')).toEqual(['istiod']);
    expect(dependsOn(objects, 'ztunnel')).toEqual(['istiod', 'istio-cni']);
  });

  it('sets no Flux CRD policy: the Istio CRDs are base-chart templates, and the policy acts only on a crds/ folder', () => {
    for (const r of findByKind(install(), 'HelmRelease') as any[]) {
      expect(r.spec.install).toEqual({ remediation: { retries: 3 } });
      expect(r.spec.upgrade).toEqual({ remediation: { retries: 3 } });
    }
  });

  it('gives each chart only the globals it reads: no images for base, no istioNamespace for cni', () => {
    const objects = install();
    expect(release(objects, 'istio-base').spec.values.global).toEqual({ istioNamespace: 'istio-system' });
    expect(release(objects, 'istio-cni').spec.values.global).toEqual({ hub: 'docker.io/istio', tag: '1.30.3' });
  });

  it('prod istiod runs at least two replicas with a PDB', () => {
    const values = release(install(), 'istiod').spec.values;
    expect(values).toMatchObject({ autoscaleEnabled: false, replicaCount: 2, global: { defaultPodDisruptionBudget: { enabled: true } } });
    expect(values.autoscaleMin).toBeUndefined();
  });

  it('lab istiod may run a single replica, and then has no PDB that would block node drains', () => {
    const values = release(install({ availability: { replicas: 1 } }), 'istiod').spec.values;
    expect(values).toMatchObject({ autoscaleEnabled: false, replicaCount: 1, global: { defaultPodDisruptionBudget: { enabled: false } } });
  });

  it('istiod autoscales from the minimum only when an HPA maximum is given (metrics-server)', () => {
    const values = release(install({ availability: { replicas: 3, maxReplicas: 6 } }), 'istiod').spec.values;
    expect(values).toMatchObject({ autoscaleEnabled: true, autoscaleMin: 3, autoscaleMax: 6 });
    expect(values.replicaCount).toBeUndefined();
  });

  it('fails on a replica count below one or a maximum below it', () => {
    expect(synthProblems(() => install({ availability: { replicas: 0 } })).join('\n')).toMatch(
      /'availability.replicas' must be an integer of at least 1; got 0/,
    );
    expect(synthProblems(() => install({ availability: { replicas: 2, maxReplicas: 1 } })).join('\n')).toMatch(
      /'availability.maxReplicas' must be an integer of at least replicas \(2\); got 1/,
    );
  });

  it('gives istiod the ambient profile, the OpenTelemetry provider as default tracing provider, Istio CNI and RuntimeDefault seccomp', () => {
    const istiod = release(install({ trustDomain: 'corp.example' }), 'istiod');
    expect(istiod.spec.values).toEqual({
      profile: 'ambient',
      revision: '',
      global: {
        hub: 'docker.io/istio',
        tag: '1.30.3',
        istioNamespace: 'istio-system',
        proxy: { seccompProfile: { type: 'RuntimeDefault' } },
        defaultPodDisruptionBudget: { enabled: true },
      },
      meshConfig: {
        trustDomain: 'corp.example',
        extensionProviders: [
          { name: 'otel-tracing', opentelemetry: { service: 'opentelemetry-collector.observability.svc.cluster.local', port: 4317 } },
        ],
        defaultProviders: { tracing: ['otel-tracing'] },
      },
      cni: { enabled: true },
      autoscaleEnabled: false,
      replicaCount: 2,
      gateways: { seccompProfile: { type: 'RuntimeDefault' } },
      base: { validationFailurePolicy: 'Fail' },
    });
  });

  it('gives cni and ztunnel the ambient profile, and ztunnel the revision namespaces use', () => {
    const objects = install({ revision: 'canary', revisions: ['canary', 'default'] });
    expect(release(objects, 'istio-cni').spec.values).toEqual({ profile: 'ambient', global: { hub: 'docker.io/istio', tag: '1.30.3' } });
    expect(release(objects, 'ztunnel').spec.values).toMatchObject({ profile: 'ambient', revision: 'canary' });
    expect(dependsOn(objects, 'ztunnel')).toEqual(['istiod-canary', 'istio-cni']);
  });

  it('renders no webhook field istiod mutates: Fail validation policy, drift detection ignores CA bundles', () => {
    const objects = install();
    expect(release(objects, 'istio-base').spec.values).toMatchObject({ base: { validationFailurePolicy: 'Fail' }, defaultRevision: 'default' });
    for (const name of ['istio-base', 'istiod']) {
      const drift = release(objects, name).spec.driftDetection;
      expect(drift.mode).toBe('enabled');
      const ignored = drift.ignore.flatMap((i: any) => i.paths.map((p: string) => `${i.target.kind}${p}`));
      expect(ignored).toContain('MutatingWebhookConfiguration/webhooks/0/clientConfig/caBundle');
      expect(ignored).toContain('ValidatingWebhookConfiguration/webhooks/0/failurePolicy');
    }
    expect(JSON.stringify(objects)).not.toMatch(/"caBundle":/);
  });

  it('runs two revisions side by side, one istiod release each', () => {
    // WHEN
    const objects = install({ revision: 'default', revisions: ['default', 'canary'] });
    // THEN
    expect(release(objects, 'istiod-canary').spec.values.revision).toBe('canary');
    expect(release(objects, 'istiod').spec.values.revision).toBe('');
    expect(dependsOn(objects, 'istiod-canary')).toEqual(['istio-base']);
    expect(dependsOn(objects, 'istio-cni')).toEqual(['istiod']);
  });

  it('takes hub, tag and an OCI chart repository for a private mirror', () => {
    const objects = install({
      hub: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/istio',
      tag: '1.30.3-mirror',
      chartRepository: 'oci://111122223333.dkr.ecr.eu-west-1.amazonaws.com/charts',
    });
    const [repo] = findByKind(objects, 'HelmRepository') as any[];
    expect(repo.spec).toMatchObject({ type: 'oci', url: 'oci://111122223333.dkr.ecr.eu-west-1.amazonaws.com/charts' });
    expect(release(objects, 'istiod').spec.values.global).toMatchObject({
      hub: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/istio',
      tag: '1.30.3-mirror',
    });
  });

  it('makes Envoy access logs a default provider when asked', () => {
    expect(release(install({ accessLogging: true }), 'istiod').spec.values.meshConfig.defaultProviders).toEqual({
      tracing: ['otel-tracing'],
      accessLogging: ['envoy'],
    });
  });

  it('keeps the root namespace when Flux prunes', () => {
    const [ns] = findByKind(install(), 'Namespace') as any[];
    expect(ns.metadata).toMatchObject({ name: 'istio-system', annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } });
  });

  it("checks only its own props: a Telemetry elsewhere in the app is the rule telemetry-provider-defined's (test/charts/platform.test.ts)", () => {
    // GIVEN a Telemetry naming a provider this install does not define, beside the install
    const objects = synthConstructs(scope => {
      new IstioInstall(scope, 'Istio', { namespace: 'istio-system', revision: 'default', tracing: TRACING });
      new MeshTelemetry(scope, 'Telemetry', { namespace: 'istio-system', tracingProvider: 'jaeger', samplingPercentage: 1 });
    });
    // THEN the install reports nothing about it (synthConstructs runs no rule): it does not walk the app
    expect(findByKind(objects, 'Telemetry')).toHaveLength(1);
  });

  it('gives the root Namespace the labels it is given, and checks them', () => {
    const [ns] = findByKind(install({ namespaceLabels: { 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled' } }), 'Namespace') as any[];
    expect(ns.metadata.labels['elbv2.k8s.aws/pod-readiness-gate-inject']).toBe('enabled');
    expect(synthProblems(() => install({ namespaceLabels: { 'bad key!': 'x' } }))).toEqual([
      "[test] test/Istio: 'namespaceLabels['bad key!']' is not a valid label; got \"x\". fix: use Kubernetes label keys and values",
    ]);
  });

  it('reports a collector port out of range with the message the config uses', () => {
    expect(synthProblems(() => install({ tracing: { ...TRACING, collectorPort: 70000 } }))).toEqual([
      "[test] test/Istio: 'tracing.collectorPort' must be a port number from 1 to 65535; got 70000. fix: use the OTLP gRPC port, usually 4317",
    ]);
  });

  it('fails when the revision namespaces use is not installed', () => {
    const problems = synthProblems(() => install({ revision: 'canary', revisions: ['default'] }));
    expect(problems).toEqual(['[test] test/Istio: \'revision\' is not installed (revisions: default); got "canary". fix: add it to revisions']);
  });
});
