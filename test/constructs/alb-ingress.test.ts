import { describe, expect, it } from 'vitest';
import { ALL_RULES, AlbIngress, AlbScheme, ChartLayer, MeshChart, synthesize } from '../../src';
import { baseConfig, crdSchemas, only, synthConstructs, synthProblems } from '../util';

const ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/0b7d8e52-3c41-4a9e-9f1d-6a2b5c8e7f10';
const props = { namespace: 'istio-system', gatewayServiceName: 'istio-ingressgateway', scheme: AlbScheme.INTERNAL, certificateArns: [ARN] };
const A = 'alb.ingress.kubernetes.io';

describe('AlbIngress', () => {
  it('targets only the gateway Service on 443, with its own ingress class', () => {
    const ingress = only(
      synthConstructs(scope => new AlbIngress(scope, 'Alb', props)),
      'Ingress',
    );
    expect(ingress.apiVersion).toBe('networking.k8s.io/v1');
    expect(ingress.metadata).toMatchObject({ name: 'istio-ingress', namespace: 'istio-system' });
    expect(ingress.spec.ingressClassName).toBe('istio-ingress');
    expect(ingress.spec.defaultBackend).toBeUndefined();
    expect(ingress.spec.rules).toEqual([
      { http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'istio-ingressgateway', port: { number: 443 } } } }] } },
    ]);
  });

  it('sets the decisive annotations: ip targets, HTTPS re-encryption, HTTP health check on 15021', () => {
    const a = only(
      synthConstructs(scope => new AlbIngress(scope, 'Alb', props)),
      'Ingress',
    ).metadata.annotations!;
    expect(a[`${A}/scheme`]).toBe('internal');
    expect(a[`${A}/target-type`]).toBe('ip');
    expect(a[`${A}/certificate-arn`]).toBe(ARN);
    expect(a[`${A}/listen-ports`]).toBe('[{"HTTP": 80}, {"HTTPS": 443}]');
    expect(a[`${A}/ssl-redirect`]).toBe('443');
    expect(a[`${A}/ssl-policy`]).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
    expect(a[`${A}/backend-protocol`]).toBe('HTTPS');
    expect(a[`${A}/healthcheck-protocol`]).toBe('HTTP');
    expect(a[`${A}/healthcheck-port`]).toBe('15021');
    expect(a[`${A}/healthcheck-path`]).toBe('/healthz/ready');
  });

  it('leaves optional annotations out unless configured', () => {
    const a = only(
      synthConstructs(scope => new AlbIngress(scope, 'Alb', props)),
      'Ingress',
    ).metadata.annotations!;
    for (const key of ['group.name', 'group.order', 'subnets', 'wafv2-acl-arn', 'tags', 'load-balancer-attributes']) {
      expect(a[`${A}/${key}`]).toBeUndefined();
    }
  });

  it('renders group, subnets, WAF, sorted tags and attributes when configured', () => {
    const a = only(
      synthConstructs(
        scope =>
          new AlbIngress(scope, 'Alb', {
            ...props,
            certificateArns: [ARN, ARN.replace('0b7d8e52', '1b7d8e52')],
            groupName: 'shared',
            groupOrder: -5,
            subnets: ['subnet-0a1b2c3d', 'subnet-0b1b2c3d'],
            wafAclArn: 'arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/1f3c5e7a-9b2d-4f6e-8a0c-3e5d7b9f1a2c',
            tags: { Team: 'platform', Env: 'lab' },
            loadBalancerAttributes: { 'idle_timeout.timeout_seconds': '30', 'deletion_protection.enabled': 'true' },
          }),
      ),
      'Ingress',
    ).metadata.annotations!;
    expect(a[`${A}/certificate-arn`].split(',')).toHaveLength(2);
    expect(a[`${A}/group.name`]).toBeUndefined();
    expect(a[`${A}/group.order`]).toBe('-5');
    expect(a[`${A}/subnets`]).toBe('subnet-0a1b2c3d,subnet-0b1b2c3d');
    expect(a[`${A}/wafv2-acl-arn`]).toMatch(/^arn:aws:wafv2:/);
    expect(a[`${A}/tags`]).toBe('Env=lab,Team=platform');
    expect(a[`${A}/load-balancer-attributes`]).toBe('deletion_protection.enabled=true,idle_timeout.timeout_seconds=30');
  });

  it('reports a gateway port out of range with the message the config and the other constructs use', () => {
    const problems = synthProblems(() => synthConstructs(scope => new AlbIngress(scope, 'Alb', { ...props, gatewayServicePort: 0 })));
    expect(problems).toEqual([
      "[test] test/Alb: 'gatewayServicePort' must be a port number from 1 to 65535; got 0. fix: use the HTTPS port of the gateway Service, 443",
    ]);
  });

  it('fails on no certificate', () => {
    const problems = synthProblems(() => synthConstructs(scope => new AlbIngress(scope, 'Alb', { ...props, certificateArns: [] })));
    expect(problems.map(p => p.split(':')[1].trim().split(' ')[0])).toEqual(["'certificateArns'"]);
  });

  it('fails on an SSL policy without TLS 1.3 once, from the rule alb-ssl-policy (the construct does not check it again)', () => {
    const problems = synthProblems(() =>
      synthesize(
        [baseConfig()],
        (app, env) => {
          new AlbIngress(new MeshChart(app, 'test', { env, layer: ChartLayer.MESH }), 'Alb', { ...props, sslPolicy: 'ELBSecurityPolicy-2016-08' });
        },
        { schemas: crdSchemas(), rules: ALL_RULES.filter(r => r.id === 'alb-ssl-policy') },
      ),
    );
    expect(problems).toEqual([
      '[test] test/config/20-test.yaml (test/Alb/Resource): rule alb-ssl-policy: Ingress istio-system/istio-ingress: ssl-policy ELBSecurityPolicy-2016-08 offers no TLS 1.3. fix: set alb.ingress.kubernetes.io/ssl-policy to a TLS 1.3 policy such as ELBSecurityPolicy-TLS13-1-2-2021-06',
    ]);
  });

  it('emits an IngressClass whose params admit only the gateway namespace, without a group by default', () => {
    const objects = synthConstructs(scope => new AlbIngress(scope, 'Alb', props));
    const cls = only(objects, 'IngressClass');
    expect(cls.metadata.name).toBe('istio-ingress');
    expect(cls.metadata.namespace).toBeUndefined();
    expect(cls.spec).toEqual({
      controller: 'ingress.k8s.aws/alb',
      parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'istio-ingress' },
    });
    const params = only(objects, 'IngressClassParams');
    expect(params.apiVersion).toBe('elbv2.k8s.aws/v1beta1');
    expect(params.metadata.namespace).toBeUndefined();
    expect(params.spec).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
      scheme: 'internal',
      sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
  });

  it('puts the IngressGroup in the class params, not in a group.name annotation', () => {
    const objects = synthConstructs(
      scope => new AlbIngress(scope, 'Alb', { ...props, name: 'edge', groupName: 'mesh-public', groupOrder: 10, scheme: AlbScheme.INTERNET_FACING }),
    );
    const params = only(objects, 'IngressClassParams');
    expect(params.metadata.name).toBe('edge');
    expect(params.spec.group).toEqual({ name: 'mesh-public' });
    expect(params.spec.scheme).toBe('internet-facing');
    const ingress = only(objects, 'Ingress');
    expect(ingress.spec.ingressClassName).toBe('edge');
    expect(ingress.metadata.annotations![`${A}/group.name`]).toBeUndefined();
    expect(ingress.metadata.annotations![`${A}/group.order`]).toBe('10');
  });
});
