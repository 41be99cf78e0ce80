import { describe, expect, it } from 'vitest';
import { AlbIngress, AlbScheme, gatewayNamespaceLabels, IngressGatewayRelease, IstioInstall } from '../../src';
import { only, synthConstructs } from '../util';

const TRACING = { name: 'otel-tracing', collectorHost: 'opentelemetry-collector.observability.svc.cluster.local', collectorPort: 4317 };
const ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/0b7d8e52-3c41-4a9e-9f1d-6a2b5c8e7f10';

/** The ALB Ingress and the gateway release, as the platform emits them. */
function rollout() {
  const objects = synthConstructs(scope => {
    const install = new IstioInstall(scope, 'Istio', {
      namespace: 'istio-system',
      revision: 'default',
      tracing: TRACING,
      namespaceLabels: gatewayNamespaceLabels(),
    });
    new IngressGatewayRelease(scope, 'Gateway', {
      install,
      namespace: 'istio-system',
      releaseName: 'istio-ingressgateway',
      serviceAccount: 'istio-ingressgateway',
      podLabels: { istio: 'ingressgateway' },
    });
    new AlbIngress(scope, 'Alb', {
      namespace: 'istio-system',
      gatewayServiceName: 'istio-ingressgateway',
      scheme: AlbScheme.INTERNAL,
      certificateArns: [ARN],
    });
  });
  const ingress = only(objects, 'Ingress');
  const gateway = objects.find(o => o.kind === 'HelmRelease' && (o as any).spec.chart.spec.chart === 'gateway') as any;
  const attributes = Object.fromEntries(
    String(ingress.metadata.annotations!['alb.ingress.kubernetes.io/target-group-attributes'])
      .split(',')
      .map(kv => kv.split('=')),
  );
  const drain = Number(/terminationDrainDuration: (\d+)s/.exec(gateway.spec.values.podAnnotations['proxy.istio.io/config'])![1]);
  return {
    deregistration: Number(attributes['deregistration_delay.timeout_seconds']),
    drain,
    grace: gateway.spec.values.terminationGracePeriodSeconds as number,
  };
}

describe('Gateway rollouts behind the ALB', () => {
  it('sets the target group deregistration delay instead of the 300 s ELB default', () => {
    expect(rollout().deregistration).toBe(20);
  });

  it('deregistration delay is shorter than the gateway drain, with room for the controller to react', () => {
    const { deregistration, drain } = rollout();
    expect(deregistration + 10).toBeLessThanOrEqual(drain);
  });

  it('the termination grace period outlasts the drain, so the kubelet never kills Envoy mid-drain', () => {
    const { drain, grace } = rollout();
    expect(drain + 15).toBeLessThanOrEqual(grace);
  });
});
