import { describe, expect, it } from 'vitest';
import { runRules } from '../../src';
import { resolved } from '../util';
import { findings, objects, rule } from './util';

const join = (...docs: string[]) => docs.join('\n---\n');
const A = 'alb.ingress.kubernetes.io';
const ns = (name: string, labels: Record<string, string>) =>
  `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${name}, labels: ${JSON.stringify(labels)} }`;
const albIngress = (annotations: Record<string, string>, paths: string, namespace = 'istio-system') => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: edge, namespace: ${namespace}, annotations: ${JSON.stringify(annotations)} }
spec: { ingressClassName: alb, rules: [{ http: { paths: [${paths}] } }] }
`;
const toGateway = '{ path: /, pathType: Prefix, backend: { service: { name: istio-ingressgateway, port: { number: 443 } } } }';
const redirect = '{ path: /, pathType: Prefix, backend: { service: { name: ssl-redirect, port: { name: use-annotation } } } }';
const gatewayService = (type: string) =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: istio-ingressgateway, namespace: istio-system }\nspec: { type: ${type}, selector: { istio: ingressgateway }, ports: [{ name: https, port: 443, targetPort: 8443 }] }`;

describe('alb-action-unused', () => {
  it('warns on an actions.* annotation no backend uses, not on a used one', () => {
    const actions = { [`${A}/actions.ssl-redirect`]: '{"Type":"redirect"}' };
    expect(findings(rule('alb-action-unused'), albIngress(actions, toGateway))).toEqual([
      'Ingress istio-system/edge defines action ssl-redirect, which no backend uses (service.name ssl-redirect, port.name use-annotation)',
    ]);
    expect(findings(rule('alb-action-unused'), albIngress(actions, `${redirect}, ${toGateway}`))).toEqual([]);
  });
});

describe('service-exposes-mesh', () => {
  it('fires on a LoadBalancer Service in a meshed namespace and on a LoadBalancer gateway Service behind the ALB', () => {
    const app =
      'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: shop }\nspec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 80 }] }';
    expect(findings(rule('service-exposes-mesh'), join(ns('shop', { 'istio-injection': 'enabled' }), app))).toEqual([
      'Service shop/web is type LoadBalancer in meshed namespace shop: it exposes the workload around the ALB and the ingress gateway',
    ]);
    expect(
      findings(rule('service-exposes-mesh'), join(albIngress({ [`${A}/target-type`]: 'ip' }, toGateway), gatewayService('LoadBalancer'))),
    ).toEqual(['Service istio-system/istio-ingressgateway is type LoadBalancer, but an ALB Ingress fronts it: it is a second way in around the ALB']);
  });

  it('stays silent on ClusterIP, on namespaces not shown in the mesh, and on the NodePort that instance targets need', () => {
    const app =
      'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: shop }\nspec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 80 }] }';
    expect(findings(rule('service-exposes-mesh'), app)).toEqual([]);
    expect(
      findings(rule('service-exposes-mesh'), join(albIngress({ [`${A}/target-type`]: 'instance' }, toGateway), gatewayService('NodePort'))),
    ).toEqual([]);
    expect(findings(rule('service-exposes-mesh'), join(albIngress({ [`${A}/target-type`]: 'ip' }, toGateway), gatewayService('ClusterIP')))).toEqual(
      [],
    );
  });
});

describe('network-policy-alb-targets', () => {
  const policy = (ingress: string) =>
    `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: gw, namespace: istio-system }\nspec: { podSelector: { matchLabels: { istio: ingressgateway } }, policyTypes: [Ingress], ingress: ${ingress} }`;
  const base = join(albIngress({ [`${A}/target-type`]: 'ip' }, toGateway), gatewayService('ClusterIP'));
  it('fires when the policies around the ip targets admit only selectors', () => {
    expect(findings(rule('network-policy-alb-targets'), join(base, policy('[{ from: [{ namespaceSelector: {} }] }]')))).toEqual([
      "NetworkPolicy istio-system/gw restricts ingress to the pods of istio-system/istio-ingressgateway, which the ALB targets by IP, and no policy for them admits an ipBlock: the ALB's traffic is dropped",
    ]);
  });
  it('stays silent with an ipBlock rule, and with no policy', () => {
    expect(findings(rule('network-policy-alb-targets'), join(base, policy('[{ from: [{ ipBlock: { cidr: 10.0.0.0/16 } }] }]')))).toEqual([]);
    expect(findings(rule('network-policy-alb-targets'), base)).toEqual([]);
  });
});

describe('network-policy-waypoint-egress', () => {
  const waypoint =
    'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: waypoint, namespace: shop }\nspec: { gatewayClassName: istio-waypoint, listeners: [{ name: mesh, port: 15008, protocol: HBONE }] }';
  const egress = (rules: string) =>
    `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: deny-egress, namespace: shop }\nspec: { podSelector: {}, policyTypes: [Egress], egress: ${rules} }`;
  it('fires when the egress policies around a waypoint omit 15012 or 15008', () => {
    expect(findings(rule('network-policy-waypoint-egress'), join(waypoint, egress('[{ ports: [{ port: 53, protocol: UDP }] }]')))).toEqual([
      'NetworkPolicy shop/deny-egress restricts egress of waypoint shop/waypoint, and no policy for it allows TCP 15012 or 15008',
    ]);
  });
  it('stays silent when both ports are allowed, or when the policy selects other pods', () => {
    expect(findings(rule('network-policy-waypoint-egress'), join(waypoint, egress('[{ ports: [{ port: 15012 }, { port: 15008 }] }]')))).toEqual([]);
    const other = egress('[]').replace('podSelector: {}', 'podSelector: { matchLabels: { app: api } }');
    expect(findings(rule('network-policy-waypoint-egress'), join(waypoint, other))).toEqual([]);
  });
});

describe('ambient-route-needs-waypoint', () => {
  const route = (parentNs: string) =>
    `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: { name: r, namespace: ${parentNs} }\nspec: { parentRefs: [{ group: '', kind: Service, name: api }], rules: [{ backendRefs: [{ name: api, port: 80 }] }] }`;
  const waypoint = (n: string) =>
    `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: waypoint, namespace: ${n} }\nspec: { gatewayClassName: istio-waypoint, listeners: [{ name: mesh, port: 15008, protocol: HBONE }] }`;
  it('fires on a Service-parented route in ambient without a waypoint, and on an unused waypoint outside ambient', () => {
    expect(findings(rule('ambient-route-needs-waypoint'), join(ns('shop', { 'istio.io/dataplane-mode': 'ambient' }), route('shop')))).toEqual([
      'HTTPRoute shop/r has parent Service shop/api in ambient namespace shop, which has no waypoint: ztunnel ignores the route',
    ]);
    expect(findings(rule('ambient-route-needs-waypoint'), join(ns('legacy', { 'istio-injection': 'enabled' }), waypoint('legacy')))).toEqual([
      'Gateway legacy/waypoint is a waypoint in legacy, which is not in ambient mode, and nothing uses it',
    ]);
  });
  it('stays silent with a waypoint in use, in sidecar namespaces, and when the namespace is not in the files', () => {
    expect(
      findings(
        rule('ambient-route-needs-waypoint'),
        join(ns('shop', { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' }), waypoint('shop'), route('shop')),
      ),
    ).toEqual([]);
    expect(findings(rule('ambient-route-needs-waypoint'), join(ns('shop', { 'istio-injection': 'enabled' }), route('shop')))).toEqual([]);
    expect(findings(rule('ambient-route-needs-waypoint'), join(route('shop'), waypoint('elsewhere')))).toEqual([]);
  });
});

describe('virtual-service-unreachable-route', () => {
  const vs = (http: string) =>
    `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: v, namespace: shop }\nspec: { hosts: [api], http: ${http} }`;
  it('fires on a route after a catch-all and on a route whose matches come earlier', () => {
    expect(
      findings(
        rule('virtual-service-unreachable-route'),
        vs(
          '[{ route: [{ destination: { host: api } }] }, { name: canary, match: [{ headers: { x: { exact: "1" } } }], route: [{ destination: { host: api, subset: v2 } }] }]',
        ),
      ),
    ).toEqual(['VirtualService shop/v route http[1] (canary) is unreachable: http[0] before it has no match and takes all traffic']);
    expect(
      findings(
        rule('virtual-service-unreachable-route'),
        vs(
          '[{ match: [{ uri: { prefix: /a } }], route: [{ destination: { host: api } }] }, { match: [{ uri: { prefix: /a } }], route: [{ destination: { host: b } }] }]',
        ),
      ),
    ).toEqual(['VirtualService shop/v route http[1] is unreachable: earlier routes have all its matches']);
  });
  it('stays silent when the catch-all is last and matches differ', () => {
    expect(
      findings(
        rule('virtual-service-unreachable-route'),
        vs('[{ match: [{ uri: { prefix: /a } }], route: [{ destination: { host: api } }] }, { route: [{ destination: { host: b } }] }]'),
      ),
    ).toEqual([]);
  });
});

describe('waypoints made outside the files', () => {
  it('network-policy-waypoint-egress: judges a waypoint that a use-waypoint label names', () => {
    const nsUsing =
      'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop, labels: { istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint } }';
    const denyAll =
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: deny, namespace: shop }\nspec: { podSelector: {}, policyTypes: [Ingress, Egress] }';
    expect(findings(rule('network-policy-waypoint-egress'), join(nsUsing, denyAll))).toEqual([
      'NetworkPolicy shop/deny restricts egress of waypoint shop/waypoint, and no policy for it allows TCP 15012 or 15008',
    ]);
    expect(findings(rule('network-policy-waypoint-egress'), denyAll)).toEqual([]);
  });

  it('use-waypoint-exists: warns on a waypoint not in the files, errs with the environment config', () => {
    const nsUsing =
      'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop, labels: { istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint } }';
    const warned = runRules(objects(nsUsing), [rule('use-waypoint-exists')]).results.map(r => [r.rule.severity, r.message]);
    expect(warned).toEqual([['warning', 'Namespace shop uses waypoint waypoint, which is not in these files (namespace shop)']]);
    expect(runRules(objects(nsUsing), [rule('use-waypoint-exists')], resolved()).results.map(r => r.rule.severity)).toEqual(['error']);
  });
});
