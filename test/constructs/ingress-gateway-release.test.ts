import { describe, expect, it } from 'vitest';
import { gatewayNamespaceLabels, IngressGatewayRelease, IngressGatewayReleaseProps, IstioInstall, Manifest } from '../../src';
import { GATEWAY_TERMINATION, spreadConstraints } from '../../src/config/availability';
import { findByKind, synthConstructs, synthProblems } from '../util';

const TRACING = { name: 'otel-tracing', collectorHost: 'opentelemetry-collector.observability.svc.cluster.local', collectorPort: 4317 };

function gateway(
  props: Partial<IngressGatewayReleaseProps> = {},
  revision = 'default',
  edit?: (g: IngressGatewayRelease) => void,
  namespaceLabels = gatewayNamespaceLabels(),
): Array<Manifest & Record<string, any>> {
  return synthConstructs(scope => {
    const install = new IstioInstall(scope, 'Istio', {
      namespace: 'istio-system',
      revision,
      revisions: [revision],
      tracing: TRACING,
      namespaceLabels,
    });
    const g = new IngressGatewayRelease(scope, 'Gateway', {
      install,
      namespace: 'istio-system',
      releaseName: 'istio-ingressgateway',
      serviceAccount: 'istio-ingressgateway',
      podLabels: { istio: 'ingressgateway' },
      ...props,
    });
    edit?.(g);
  }) as any;
}

const gatewayRelease = (objects: Manifest[]) =>
  objects.find(o => o.kind === 'HelmRelease' && (o as any).spec.chart.spec.chart === 'gateway') as Manifest & Record<string, any>;

describe('IngressGatewayRelease', () => {
  it('installs the gateway chart as the release the config names, with its ServiceAccount and pod labels, behind a ClusterIP Service', () => {
    // WHEN
    const r = gatewayRelease(gateway());
    // THEN
    expect(r.metadata).toMatchObject({ name: 'istio-ingressgateway', namespace: 'istio-system' });
    expect(r.spec).toMatchObject({ releaseName: 'istio-ingressgateway', targetNamespace: 'istio-system', storageNamespace: 'istio-system' });
    expect(r.spec.chart.spec).toMatchObject({ chart: 'gateway', version: '1.30.3' });
    expect(r.spec.values).toEqual({
      revision: '',
      service: { type: 'ClusterIP' },
      serviceAccount: { create: true, name: 'istio-ingressgateway' },
      labels: { istio: 'ingressgateway' },
      autoscaling: { enabled: false },
      replicaCount: 2,
      podDisruptionBudget: { maxUnavailable: 1 },
      topologySpreadConstraints: spreadConstraints({ istio: 'ingressgateway' }),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      terminationGracePeriodSeconds: 45,
      podAnnotations: { 'proxy.istio.io/config': 'terminationDrainDuration: 30s' },
    });
    expect(r.spec.dependsOn).toEqual([{ name: 'istiod' }]);
  });

  it('runs two gateway pods by default, with a PDB and hard zone spread, soft node spread', () => {
    const v = gatewayRelease(gateway()).spec.values;
    expect(v.replicaCount).toBeGreaterThanOrEqual(2);
    expect(v.podDisruptionBudget).toEqual({ maxUnavailable: 1 });
    expect(v.topologySpreadConstraints.map((c: any) => [c.topologyKey, c.whenUnsatisfiable, c.labelSelector.matchLabels])).toEqual([
      ['topology.kubernetes.io/zone', 'DoNotSchedule', { istio: 'ingressgateway' }],
      ['kubernetes.io/hostname', 'ScheduleAnyway', { istio: 'ingressgateway' }],
    ]);
  });

  it('lab may run a single gateway pod, without a PDB or spreading', () => {
    const v = gatewayRelease(gateway({ availability: { replicas: 1 } })).spec.values;
    expect(v).toMatchObject({ autoscaling: { enabled: false }, replicaCount: 1 });
    expect(v.podDisruptionBudget).toBeUndefined();
    expect(v.topologySpreadConstraints).toBeUndefined();
  });

  it("no HPA without metrics-server: the chart's default autoscaling is turned off", () => {
    expect(gatewayRelease(gateway()).spec.values.autoscaling).toEqual({ enabled: false });
  });

  it('autoscales from the minimum to the maximum when metrics-server runs, without a fixed replica count', () => {
    const v = gatewayRelease(gateway({ availability: { replicas: 3, maxReplicas: 8 } })).spec.values;
    expect(v.autoscaling).toEqual({ enabled: true, minReplicas: 3, maxReplicas: 8 });
    expect(v.replicaCount).toBeUndefined();
  });

  it('rolls surge-first: a new pod is Ready (ALB target healthy) before an old one goes', () => {
    expect(gatewayRelease(gateway()).spec.values.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  it('drains Envoy longer than the ALB needs to deregister the pod, and the grace period outlasts the drain', () => {
    const v = gatewayRelease(gateway()).spec.values;
    const drain = Number(/^terminationDrainDuration: (\d+)s$/.exec(v.podAnnotations['proxy.istio.io/config'])![1]);
    expect(drain).toBe(GATEWAY_TERMINATION.terminationDrain);
    expect(GATEWAY_TERMINATION.controllerReaction + GATEWAY_TERMINATION.deregistrationDelay).toBeLessThanOrEqual(drain);
    expect(drain + GATEWAY_TERMINATION.shutdownMargin).toBeLessThanOrEqual(v.terminationGracePeriodSeconds);
    // Envoy's listeners stay open for --drain-time-s (drainDuration, 45 s by default): the drain must not outlast it.
    expect(drain).toBeLessThanOrEqual(45);
  });

  it('follows the revision namespaces use', () => {
    const r = gatewayRelease(gateway({}, 'canary'));
    expect(r.spec.values.revision).toBe('canary');
    expect(r.spec.dependsOn).toEqual([{ name: 'istiod-canary' }]);
  });

  it('labels the root namespace for the ALB pod readiness gate, with no injection label', () => {
    const namespaces = findByKind(gateway(), 'Namespace') as any[];
    expect(namespaces).toHaveLength(1);
    expect(namespaces[0].metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'eks-istio-mesh',
      'app.kubernetes.io/part-of': 'eks-istio-mesh',
      'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled',
      'mesh.eks-istio-mesh.io/environment': 'test',
    });
  });

  it('defines its own Namespace when the gateway runs outside the root namespace', () => {
    const objects = gateway({
      namespace: 'istio-ingress',
      releaseName: 'istio-ingress',
      serviceAccount: 'istio-ingress',
      podLabels: { istio: 'ingress' },
    });
    const ns = (findByKind(objects, 'Namespace') as any[]).find(n => n.metadata.name === 'istio-ingress');
    expect(ns.metadata.labels['elbv2.k8s.aws/pod-readiness-gate-inject']).toBe('enabled');
    expect(ns.metadata.labels['istio-injection']).toBeUndefined();
    expect(gatewayRelease(objects).spec).toMatchObject({ targetNamespace: 'istio-ingress', storageNamespace: 'istio-ingress' });
    expect(gatewayRelease(objects).metadata.namespace).toBe('istio-system');
  });

  it('does not label the root Namespace itself: fails when the IstioInstall was not given the readiness-gate label', () => {
    const problems = synthProblems(() => gateway({}, 'default', undefined, {}));
    expect(problems).toEqual([
      "[test] test/Gateway: 'namespace' is the root namespace, whose Namespace (created by IstioInstall) lacks elbv2.k8s.aws/pod-readiness-gate-inject: enabled, so the ALB would not gate the gateway pods' readiness; got \"istio-system\". fix: give the IstioInstall namespaceLabels: gatewayNamespaceLabels(), or set podReadinessGate: false",
    ]);
  });

  it('asks the root Namespace for no label without the readiness gate', () => {
    const [ns] = findByKind(gateway({ podReadinessGate: false }, 'default', undefined, {}), 'Namespace') as any[];
    expect(ns.metadata.labels['elbv2.k8s.aws/pod-readiness-gate-inject']).toBeUndefined();
  });

  it('fails on empty pod labels (the Istio Gateway would select every gateway)', () => {
    const problems = synthProblems(() => gateway({ podLabels: {} }));
    expect(problems[0]).toMatch(/'podLabels' must not be empty/);
  });
});
