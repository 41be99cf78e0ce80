import { describe, expect, it } from 'vitest';
import { ALL_RULES, runRules, Severity } from '../../src';
import { resolved } from '../util';
import { findings, objects, rule } from './util';

const env = resolved();
const A = 'alb.ingress.kubernetes.io';

const ingress = (annotations: Record<string, string>, backend = 'istio-ingressgateway', port = 443) => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: edge
  namespace: istio-system
  annotations: ${JSON.stringify(annotations)}
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: ${backend}, port: { number: ${port} } } }
`;
const goodAnnotations = {
  [`${A}/backend-protocol`]: 'HTTPS',
  [`${A}/healthcheck-protocol`]: 'HTTP',
  [`${A}/healthcheck-port`]: '15021',
  [`${A}/healthcheck-path`]: '/healthz/ready',
  [`${A}/target-type`]: 'ip',
  [`${A}/ssl-policy`]: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
};
const gateway = (server: Record<string, unknown>) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: shared-gateway, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers: [${JSON.stringify(server)}]
`;
const goodServer = { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'gw-tls' } };
const certificate = (ns: string, secret = 'gw-tls') => `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: { name: gw, namespace: ${ns} }
spec: { secretName: ${secret}, dnsNames: [a.example.com], issuerRef: { name: x } }
`;
const namespace = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}) => `
apiVersion: v1
kind: Namespace
metadata: { name: ${name}, labels: ${JSON.stringify(labels)}, annotations: ${JSON.stringify(annotations)} }
`;
const policy = (ns: string, spec: Record<string, unknown>, name = 'p', annotations: Record<string, string> = {}) => `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ${name}, namespace: ${ns}, annotations: ${JSON.stringify(annotations)} }
spec: ${JSON.stringify(spec)}
`;
const waypoint = (ns: string, name = 'waypoint') => `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: ${name}, namespace: ${ns} }
spec: { gatewayClassName: istio-waypoint, listeners: [{ name: mesh, port: 15008, protocol: HBONE }] }
`;
const join = (...docs: string[]) => docs.join('\n---\n');
const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };

/**
 * An upstream source in a rule's why: a file path in a repository (`pkg/model/gateway.go`,
 * `manifests/charts/.../waypoint.yaml`), an issue or PR (`istio#43056`, `istio/api PR#3184`), or a
 * URL of upstream docs.
 */
function citesUpstream(why: string): boolean {
  const filePath = /\b[\w.-]+(?:\/[\w.-]+)+\.(?:go|ya?ml|json|proto|tpl|cc|h|rs|ts|md)\b/;
  const repoPath = /\b(?:pkg|pilot|manifests|security|mesh|tools|api|staging|source)\/[\w.-]+\/[\w./-]+/;
  const issue = /\b[\w.-]+(?:\/[\w.-]+)? ?(?:PR)?#\d+\b/;
  const docsUrl =
    /https:\/\/(?:[\w-]+\.)*(?:istio\.io|kubernetes\.io|fluxcd\.io|envoyproxy\.io|gateway-api\.sigs\.k8s\.io|kubernetes-sigs\.github\.io|cert-manager\.io)\/\S+/;
  return [filePath, repoPath, issue, docsUrl].some(re => re.test(why));
}

describe('why cites its source', () => {
  it('accepts a file path, an issue or PR, or an upstream docs URL', () => {
    expect(citesUpstream('x (istio/istio pilot/pkg/model/gateway.go GetSNIHostsForServer)')).toBe(true);
    expect(citesUpstream('x (istio#43056)')).toBe(true);
    expect(citesUpstream('x (istio/api PR#3184)')).toBe(true);
    expect(citesUpstream('x (https://kubernetes.io/docs/concepts/security/secrets-good-practices/)')).toBe(true);
  });

  it('refuses a parenthesis that names no source', () => {
    expect(citesUpstream('a route answers 403 (RBAC: access denied) for every request')).toBe(false);
    expect(citesUpstream('x (istio.io canary upgrades)')).toBe(false);
    expect(citesUpstream('x (Kubernetes docs: Object Names and IDs)')).toBe(false);
    expect(citesUpstream('x (https://example.com/blog/post)')).toBe(false);
  });
});

describe('rule catalog', () => {
  it('gives every rule an id, a severity, a title, a why with its source and a fix', () => {
    const ids = ALL_RULES.map(r => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of ALL_RULES) {
      expect(r.id).toMatch(/^[a-z0-9-]+$/);
      expect(Object.values(Severity)).toContain(r.severity);
      expect(r.title.length).toBeGreaterThan(10);
      expect(citesUpstream(r.why), `${r.id}: why cites no upstream file, issue/PR or upstream docs URL: ${r.why}`).toBe(true);
      expect(r.fix.length).toBeGreaterThan(10);
    }
  });
});

describe('ALB rules', () => {
  it('alb-backend-gateway-only: fires on an app Service backend, not on the gateway', () => {
    expect(findings(rule('alb-backend-gateway-only'), ingress(goodAnnotations, 'payments-api', 80), env)).toEqual([
      'Ingress istio-system/edge routes to Service istio-system/payments-api, not to the ingress gateway istio-system/istio-ingressgateway',
    ]);
    expect(findings(rule('alb-backend-gateway-only'), ingress(goodAnnotations), env)).toEqual([]);
  });

  it('alb-backend-gateway-only: without environment facts, fires on a backend outside any gateway namespace', () => {
    const app = ingress(goodAnnotations).replace('namespace: istio-system', 'namespace: shop');
    expect(findings(rule('alb-backend-gateway-only'), join(app, gateway(goodServer)))).toEqual([
      'Ingress shop/edge routes to Service shop/istio-ingressgateway, in a namespace with no Istio Gateway',
    ]);
    expect(findings(rule('alb-backend-gateway-only'), join(ingress(goodAnnotations), gateway(goodServer)))).toEqual([]);
  });

  it('alb-https-backend: fires on plaintext to the gateway, on a missing server and on a non-SIMPLE server', () => {
    const r = rule('alb-https-backend');
    expect(findings(r, join(ingress({ ...goodAnnotations, [`${A}/backend-protocol`]: 'HTTP' }), gateway(goodServer)))[0]).toMatch(
      /sends plaintext to the gateway/,
    );
    expect(findings(r, join(ingress(goodAnnotations, 'istio-ingressgateway', 8443), gateway(goodServer)))).toEqual([
      'Ingress istio-system/edge targets port 8443, but no Istio Gateway has a server on that port',
    ]);
    expect(findings(r, join(ingress(goodAnnotations), gateway({ ...goodServer, tls: { mode: 'ISTIO_MUTUAL' } })))[0]).toMatch(
      /tls.mode ISTIO_MUTUAL and no credentialName; the ALB needs HTTPS, SIMPLE and a credentialName/,
    );
    expect(findings(r, join(ingress(goodAnnotations), gateway(goodServer)))).toEqual([]);
  });

  it('gateway-alb-server-hosts: fires when the ALB-facing server is bound to host names', () => {
    const r = rule('gateway-alb-server-hosts');
    expect(findings(r, join(ingress(goodAnnotations), gateway({ ...goodServer, hosts: ['shop.example.com'] })))).toEqual([
      'Gateway istio-system/shared-gateway server on port 443 has hosts ["shop.example.com"]',
    ]);
    expect(findings(r, join(ingress(goodAnnotations), gateway(goodServer)))).toEqual([]);
  });

  it("gateway-alb-server-hosts: stays silent on '<namespace>/*' hosts and still fires on a namespaced host name", () => {
    const r = rule('gateway-alb-server-hosts');
    expect(findings(r, join(ingress(goodAnnotations), gateway({ ...goodServer, hosts: ['payments/*', 'catalog/*'] })))).toEqual([]);
    expect(findings(r, join(ingress(goodAnnotations), gateway({ ...goodServer, hosts: ['payments/*', 'payments/shop.example.com'] })))).toEqual([
      'Gateway istio-system/shared-gateway server on port 443 has hosts ["payments/*","payments/shop.example.com"]',
    ]);
  });

  it('gateway-alb-server-hosts: judges an Ingress of an ALB IngressClass other than alb', () => {
    const r = rule('gateway-alb-server-hosts');
    const cls = 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: { name: edge }\nspec: { controller: ingress.k8s.aws/alb }\n';
    const edge = ingress(goodAnnotations).replace('ingressClassName: alb', 'ingressClassName: edge');
    expect(findings(r, join(cls, edge, gateway({ ...goodServer, hosts: ['shop.example.com'] })))).toHaveLength(1);
    expect(findings(r, join(edge, gateway({ ...goodServer, hosts: ['shop.example.com'] })))).toEqual([]);
  });

  it('shared-gateway-route-namespaces: fires on a VirtualService from an undeclared namespace and on * hosts of an internet-facing gateway', () => {
    const r = rule('shared-gateway-route-namespaces');
    const vs = (ns: string, gateways: string[]) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web, namespace: ${ns} }
spec: { hosts: [web.example.com], gateways: ${JSON.stringify(gateways)}, http: [{ route: [{ destination: { host: web } }] }] }
`;
    const declared = gateway({ ...goodServer, hosts: ['payments/*'] });
    expect(findings(r, join(ingress(goodAnnotations), declared, vs('intruder', ['istio-system/shared-gateway'])))).toEqual([
      'VirtualService intruder/web binds to the shared gateway istio-system/shared-gateway, whose hosts do not declare namespace intruder',
    ]);
    expect(findings(r, join(ingress(goodAnnotations), declared, vs('payments', ['istio-system/shared-gateway'])))).toEqual([]);
    // a short name refers to a Gateway of the VirtualService's own namespace, not the shared one
    expect(findings(r, join(ingress(goodAnnotations), declared, vs('intruder', ['shared-gateway', 'mesh'])))).toEqual([]);
    const facing = { ...goodAnnotations, [`${A}/scheme`]: 'internet-facing' };
    expect(
      findings(r, join(ingress(facing), gateway({ ...goodServer, name: 'https', hosts: ['*/*'] }), vs('intruder', ['istio-system/shared-gateway']))),
    ).toEqual([
      "Gateway istio-system/shared-gateway server https has host '*/*' on an internet-facing gateway: a VirtualService of any namespace can publish through it",
    ]);
    expect(
      findings(
        r,
        join(ingress({ ...goodAnnotations, [`${A}/scheme`]: 'internal' }), gateway(goodServer), vs('intruder', ['istio-system/shared-gateway'])),
      ),
    ).toEqual([]);
  });

  it('alb-health-check: fires on each missing or wrong health-check annotation', () => {
    const r = rule('alb-health-check');
    const { [`${A}/healthcheck-protocol`]: _p, ...noProtocol } = goodAnnotations;
    expect(findings(r, ingress({ ...noProtocol, [`${A}/healthcheck-port`]: 'traffic-port' }))).toEqual([
      'Ingress istio-system/edge: healthcheck-protocol is unset (defaults to the backend protocol), healthcheck-port is traffic-port',
    ]);
    expect(findings(r, ingress(goodAnnotations))).toEqual([]);
    expect(findings(r, ingress({ ...goodAnnotations, [`${A}/healthcheck-port`]: 'status-port' }))).toEqual([]);
  });

  it('alb-target-type: warns on instance targets', () => {
    expect(rule('alb-target-type').severity).toBe(Severity.WARNING);
    expect(findings(rule('alb-target-type'), ingress({ ...goodAnnotations, [`${A}/target-type`]: 'instance' }))).toEqual([
      'Ingress istio-system/edge has target-type instance',
    ]);
    expect(findings(rule('alb-target-type'), ingress(goodAnnotations))).toEqual([]);
  });

  it('alb-ssl-policy: fires without a TLS 1.3 policy', () => {
    const { [`${A}/ssl-policy`]: _s, ...noPolicy } = goodAnnotations;
    expect(findings(rule('alb-ssl-policy'), ingress(noPolicy))).toEqual([
      'Ingress istio-system/edge: ssl-policy is unset, so the controller uses ELBSecurityPolicy-2016-08, which offers no TLS 1.3',
    ]);
    expect(findings(rule('alb-ssl-policy'), ingress({ ...goodAnnotations, [`${A}/ssl-policy`]: 'ELBSecurityPolicy-TLS-1-2-2017-01' }))).toEqual([
      'Ingress istio-system/edge: ssl-policy ELBSecurityPolicy-TLS-1-2-2017-01 offers no TLS 1.3',
    ]);
    expect(findings(rule('alb-ssl-policy'), ingress(goodAnnotations))).toEqual([]);
  });

  it('gateway-credential-certificate: errs when the Certificate writes the Secret elsewhere, warns when nothing in the files makes it', () => {
    const r = rule('gateway-credential-certificate');
    expect(findings(r, join(gateway(goodServer), certificate('payments')), env)).toEqual([
      'Gateway istio-system/shared-gateway selects gateway pods in istio-system, which read Secret gw-tls there, but Certificate payments/gw writes it in payments',
    ]);
    const report = runRules(objects(gateway(goodServer)), [r], env).results;
    expect(report.map(x => [x.rule.severity, x.message])).toEqual([
      [
        'warning',
        'Gateway istio-system/shared-gateway selects gateway pods in istio-system, which read Secret gw-tls there; nothing in these files makes it',
      ],
    ]);
    expect(findings(r, join(gateway(goodServer), certificate('istio-system')), env)).toEqual([]);
  });
});

describe('mTLS rules', () => {
  const dr = (host: string, trafficPolicy: Record<string, unknown>) => `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: d, namespace: shop }
spec: { host: "${host}", trafficPolicy: ${JSON.stringify(trafficPolicy)} }
`;
  it('destination-rule-tls: fires on SIMPLE or DISABLE for an in-mesh host, not on ISTIO_MUTUAL or a MESH_EXTERNAL host', () => {
    const r = rule('destination-rule-tls');
    const shop = namespace('shop', { 'istio-injection': 'enabled' });
    expect(findings(r, join(shop, dr('api.shop.svc.cluster.local', { tls: { mode: 'DISABLE' } })))).toEqual([
      'DestinationRule shop/d sets trafficPolicy.tls mode DISABLE for host api.shop.svc.cluster.local in meshed namespace shop',
    ]);
    expect(findings(r, join(shop, dr('api', { portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'SIMPLE' } }] })))[0]).toMatch(
      /portLevelSettings\[0\]\.tls mode SIMPLE/,
    );
    expect(findings(r, dr('api', { tls: { mode: 'ISTIO_MUTUAL' } }))).toEqual([]);
    const se =
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: { name: s, namespace: shop }\nspec: { hosts: [api.stripe.com], location: MESH_EXTERNAL, ports: [{ number: 443, name: tls, protocol: TLS }] }';
    expect(findings(r, join(dr('api.stripe.com', { tls: { mode: 'SIMPLE' } }), se))).toEqual([]);
  });

  it('destination-rule-wildcard-tls: fires on *.local with TLS, not on a wildcard without TLS', () => {
    expect(findings(rule('destination-rule-wildcard-tls'), dr('*.local', { tls: { mode: 'ISTIO_MUTUAL' } }))).toEqual([
      'DestinationRule shop/d sets TLS for host *.local',
    ]);
    expect(findings(rule('destination-rule-wildcard-tls'), dr('*.local', { connectionPool: { tcp: { maxConnections: 10 } } }))).toEqual([]);
  });

  const pa = (ns: string, spec: Record<string, unknown>) => `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: ${ns} }
spec: ${JSON.stringify(spec)}
`;
  it('peer-authentication-disable-ambient: fires in ambient namespaces only', () => {
    const r = rule('peer-authentication-disable-ambient');
    expect(findings(r, join(namespace('shop', AMBIENT), pa('shop', { mtls: { mode: 'DISABLE' } })))).toEqual([
      'PeerAuthentication shop/default sets DISABLE in ambient namespace shop',
    ]);
    expect(findings(r, join(namespace('shop', { 'istio.io/rev': 'default' }), pa('shop', { mtls: { mode: 'DISABLE' } })))).toEqual([]);
    expect(findings(r, join(namespace('shop', AMBIENT), pa('shop', { mtls: { mode: 'PERMISSIVE' } })))).toEqual([]);
  });

  it('peer-authentication-port-level: fires without a selector and on a Service port key', () => {
    const r = rule('peer-authentication-port-level');
    expect(findings(r, pa('shop', { portLevelMtls: { 8080: { mode: 'PERMISSIVE' } } }))).toEqual([
      'PeerAuthentication shop/default sets portLevelMtls without a selector',
    ]);
    const svc =
      'apiVersion: v1\nkind: Service\nmetadata: { name: api, namespace: shop }\nspec: { selector: { app: api }, ports: [{ port: 80, targetPort: 8080 }] }';
    expect(findings(r, join(svc, pa('shop', { selector: { matchLabels: { app: 'api' } }, portLevelMtls: { 80: { mode: 'PERMISSIVE' } } })))).toEqual([
      'PeerAuthentication shop/default keys portLevelMtls by 80, the port of Service api; its container port is 8080',
    ]);
    expect(
      findings(r, join(svc, pa('shop', { selector: { matchLabels: { app: 'api' } }, portLevelMtls: { 8080: { mode: 'PERMISSIVE' } } }))),
    ).toEqual([]);
  });
});

describe('ambient rules', () => {
  const l7 = { rules: [{ to: [{ operation: { methods: ['GET'] } }] }] };
  it('ambient-l7-needs-waypoint: fires on a selector L7 policy and on a Service without waypoint', () => {
    const r = rule('ambient-l7-needs-waypoint');
    expect(findings(r, join(namespace('shop', AMBIENT), policy('shop', { selector: { matchLabels: { app: 'api' } }, ...l7 })))).toEqual([
      'AuthorizationPolicy shop/p uses methods but has no targetRefs, so ztunnel enforces it without them',
    ]);
    expect(
      findings(r, join(namespace('shop', AMBIENT), policy('shop', { targetRefs: [{ kind: 'Service', group: '', name: 'api' }], ...l7 }))),
    ).toEqual(['AuthorizationPolicy shop/p targets Service api, whose traffic goes through no waypoint']);
    expect(
      findings(
        r,
        join(
          namespace('shop', { ...AMBIENT, 'istio.io/use-waypoint': 'waypoint' }),
          waypoint('shop'),
          policy('shop', { targetRefs: [{ kind: 'Service', group: '', name: 'api' }], ...l7 }),
        ),
      ),
    ).toEqual([]);
    expect(
      findings(r, join(namespace('shop', { 'istio.io/rev': 'default' }), policy('shop', { selector: { matchLabels: { app: 'api' } }, ...l7 }))),
    ).toEqual([]);
  });

  it('use-waypoint-exists: fires on a dangling label', () => {
    const r = rule('use-waypoint-exists');
    expect(findings(r, namespace('shop', { ...AMBIENT, 'istio.io/use-waypoint': 'wp' }), env)).toEqual([
      'Namespace shop uses waypoint wp, but shop has no istio-waypoint Gateway of that name',
    ]);
    expect(findings(r, join(namespace('shop', { ...AMBIENT, 'istio.io/use-waypoint': 'wp' }), waypoint('shop', 'wp')))).toEqual([]);
  });

  it('no-sidecar-in-ambient: fires on a Sidecar in an ambient namespace', () => {
    const sidecar =
      'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: { name: default, namespace: shop }\nspec: { outboundTrafficPolicy: { mode: REGISTRY_ONLY } }';
    expect(findings(rule('no-sidecar-in-ambient'), join(namespace('shop', AMBIENT), sidecar))).toEqual([
      'Sidecar shop/default is in ambient namespace shop',
    ]);
    expect(findings(rule('no-sidecar-in-ambient'), join(namespace('shop', { 'istio.io/rev': 'default' }), sidecar))).toEqual([]);
  });

  const np = (name: string, spec: Record<string, unknown>) => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ${name}, namespace: shop }
spec: ${JSON.stringify(spec)}
`;
  it('ambient-network-policy-hbone: fires when policies around ambient pods omit 15008 or the probe source', () => {
    const r = rule('ambient-network-policy-hbone');
    const deny = np('deny', { podSelector: {}, policyTypes: ['Ingress'] });
    const appPort = np('app', {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 8080 }] }],
    });
    expect(findings(r, join(namespace('shop', AMBIENT), deny, appPort))).toEqual([
      'NetworkPolicy shop/app restricts ingress to ambient pods, and no policy for them allows TCP 15008',
      'NetworkPolicy shop/app restricts ingress to ambient pods, and no policy for them allows kubelet probes from 169.254.7.127/32',
      'NetworkPolicy shop/deny restricts ingress to ambient pods, and no policy for them allows TCP 15008',
      'NetworkPolicy shop/deny restricts ingress to ambient pods, and no policy for them allows kubelet probes from 169.254.7.127/32',
    ]);
    const hbone = np('hbone', {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 15008 }] }],
    });
    const probes = np('probes', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: '169.254.7.127/32' } }] }] });
    expect(findings(r, join(namespace('shop', AMBIENT), deny, appPort, hbone, probes))).toEqual([]);
    expect(findings(r, join(namespace('shop', { 'istio.io/rev': 'default' }), deny))).toEqual([]);
  });
});

describe('label rules', () => {
  it('injection-labels-exclusive: fires on both injection labels and on ambient plus injection', () => {
    const r = rule('injection-labels-exclusive');
    expect(findings(r, namespace('shop', { 'istio-injection': 'enabled', 'istio.io/rev': '1-30' }))).toEqual([
      'Namespace shop has both istio-injection and istio.io/rev',
    ]);
    expect(findings(r, namespace('shop', { ...AMBIENT, 'istio.io/rev': 'default' }))).toEqual([
      'Namespace shop is ambient and also labelled for sidecar injection',
    ]);
    expect(findings(r, namespace('shop', { 'istio.io/rev': 'default' }))).toEqual([]);
  });

  it('injection-label-value: fires on a value other than enabled or disabled', () => {
    expect(findings(rule('injection-label-value'), namespace('shop', { 'istio-injection': 'true' }))).toEqual([
      'Namespace shop has istio-injection: true',
    ]);
    expect(findings(rule('injection-label-value'), namespace('shop', { 'istio-injection': 'enabled' }))).toEqual([]);
  });

  it('gateway-namespace-injection: fires on injection disabled in the gateway namespace', () => {
    expect(findings(rule('gateway-namespace-injection'), namespace('istio-system', { 'istio-injection': 'disabled' }), env)).toEqual([
      'Namespace istio-system runs the ingress gateway but has istio-injection: disabled',
    ]);
    expect(findings(rule('gateway-namespace-injection'), namespace('istio-system', {}), env)).toEqual([]);
  });

  it('revision-installed: fires on a revision no istiod release installs', () => {
    const istiod =
      'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: istiod, namespace: istio-system }\nspec: { chart: { spec: { chart: istiod } }, values: { revision: 1-30 } }';
    expect(findings(rule('revision-installed'), join(istiod, namespace('shop', { 'istio.io/rev': '1-29' })))).toEqual([
      'Namespace shop uses revision 1-29; installed: 1-30',
    ]);
    expect(findings(rule('revision-installed'), join(istiod, namespace('shop', { 'istio.io/rev': '1-30' })))).toEqual([]);
  });
});

describe('authorization rules', () => {
  const allow = (principals: string[], annotations: Record<string, string> = {}) =>
    policy('shop', { rules: [{ from: [{ source: { principals } }] }] }, 'p', annotations);
  it('caller-namespace-in-mesh: warns when a policy in the mesh admits a namespace out of the mesh, not one in it', () => {
    const r = rule('caller-namespace-in-mesh');
    expect(r.severity).toBe(Severity.WARNING);
    const allow = policy('payments', {
      rules: [
        { from: [{ source: { principals: ['cluster.local/ns/orders/sa/orders-api', 'cluster.local/ns/istio-system/sa/istio-ingressgateway'] } }] },
      ],
    });
    const payments = namespace('payments', { 'istio.io/dataplane-mode': 'ambient' });
    expect(findings(r, payments + '---' + namespace('orders', {}) + '---' + allow, env)).toEqual([
      'AuthorizationPolicy payments/p admits principals of namespace orders, which is out of the mesh: its pods call without an identity, so this grant admits none of them',
    ]);
    expect(findings(r, payments + '---' + namespace('orders', { 'istio.io/rev': 'default' }) + '---' + allow, env)).toEqual([]);
    // A destination out of the mesh enforces nothing, and an unknown caller namespace is no evidence.
    expect(findings(r, namespace('payments', {}) + '---' + namespace('orders', {}) + '---' + allow, env)).toEqual([]);
    expect(findings(r, payments + '---' + allow, env)).toEqual([]);
  });

  it('principal-resolves: fires on unknown, wildcard, foreign and ztunnel principals', () => {
    const r = rule('principal-resolves');
    const ns = namespace('shop', {}, { 'mesh.eks-istio-mesh.io/service-accounts': 'api,web' });
    expect(findings(r, join(ns, allow(['cluster.local/ns/shop/sa/apii'])), env)).toEqual([
      'AuthorizationPolicy shop/p allows cluster.local/ns/shop/sa/apii, which is no ServiceAccount known in this environment',
    ]);
    expect(findings(r, join(ns, allow(['cluster.local/ns/shop/sa/*'])), env)).toEqual([
      'AuthorizationPolicy shop/p allows the wildcard principal cluster.local/ns/shop/sa/*',
    ]);
    expect(findings(r, join(ns, allow(['other.domain/ns/shop/sa/api'])), env)).toEqual([
      'AuthorizationPolicy shop/p has principal other.domain/ns/shop/sa/api outside the trust domain cluster.local',
    ]);
    expect(findings(r, join(ns, allow(['cluster.local/ns/istio-system/sa/ztunnel'])), env)[0]).toMatch(/allows ztunnel/);
  });

  it('principal-resolves: accepts declared ServiceAccounts, the gateway, waypoints and declared externals', () => {
    const ns = namespace('shop', {}, { 'mesh.eks-istio-mesh.io/service-accounts': 'api,web' });
    const principals = [
      'cluster.local/ns/shop/sa/web',
      'cluster.local/ns/istio-system/sa/istio-ingressgateway',
      'cluster.local/ns/shop/sa/waypoint',
      'cluster.local/ns/billing/sa/job',
    ];
    expect(
      findings(
        rule('principal-resolves'),
        join(ns, waypoint('shop'), allow(principals, { 'mesh.eks-istio-mesh.io/external-principals': 'cluster.local/ns/billing/sa/job' })),
        env,
      ),
    ).toEqual([]);
  });

  it('no-deny-not-principals-wildcard: fires on DENY notPrincipals ["*"]', () => {
    const deny = policy('shop', { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] });
    expect(findings(rule('no-deny-not-principals-wildcard'), deny)).toEqual(['AuthorizationPolicy shop/p denies notPrincipals ["*"]']);
    expect(
      findings(
        rule('no-deny-not-principals-wildcard'),
        policy('shop', { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['cluster.local/ns/shop/sa/waypoint'] } }] }] }),
      ),
    ).toEqual([]);
  });

  it('gateway-principal-allowed: fires when a routed namespace denies the gateway', () => {
    const vs =
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: web, namespace: shop }\nspec: { hosts: [shop.example.com], gateways: [istio-system/shared-gateway], http: [{ route: [{ destination: { host: api.shop.svc.cluster.local } }] }] }';
    const r = rule('gateway-principal-allowed');
    expect(findings(r, join(vs, policy('shop', {}, 'default-deny')), env)).toEqual([
      'VirtualService shop/web routes to api.shop.svc.cluster.local, but no ALLOW policy in shop allows the ingress gateway cluster.local/ns/istio-system/sa/istio-ingressgateway',
    ]);
    expect(findings(r, join(vs, policy('shop', {}, 'default-deny'), allow(['cluster.local/ns/istio-system/sa/istio-ingressgateway'])), env)).toEqual(
      [],
    );
  });
});

describe('Sidecar rules', () => {
  const sidecar = (name: string, spec: Record<string, unknown>, ns = 'shop') => `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: ${name}, namespace: ${ns} }
spec: ${JSON.stringify(spec)}
`;
  it('sidecar-egress-not-empty: fires on a workload Sidecar without egress', () => {
    expect(findings(rule('sidecar-egress-not-empty'), sidecar('w', { workloadSelector: { labels: { app: 'api' } } }))).toEqual([
      'Sidecar shop/w selects workloads and lists no egress hosts',
    ]);
    expect(
      findings(rule('sidecar-egress-not-empty'), sidecar('w', { workloadSelector: { labels: { app: 'api' } }, egress: [{ hosts: ['./*'] }] })),
    ).toEqual([]);
  });

  it('sidecar-default-unique: fires on a second namespace-wide Sidecar and a selector Sidecar in the root namespace', () => {
    const r = rule('sidecar-default-unique');
    expect(findings(r, join(sidecar('a', { egress: [{ hosts: ['./*'] }] }), sidecar('b', { egress: [{ hosts: ['./*'] }] })))).toEqual([
      'Sidecar shop/b is a second selector-less Sidecar in shop',
    ]);
    expect(findings(r, sidecar('w', { workloadSelector: { labels: { app: 'x' } }, egress: [{ hosts: ['./*'] }] }, 'istio-system'))).toEqual([
      'Sidecar istio-system/w has a selector in the root namespace, where it is ignored',
    ]);
    expect(findings(r, sidecar('a', { egress: [{ hosts: ['./*'] }] }))).toEqual([]);
  });

  it('sidecar-registry-only: fires when REGISTRY_ONLY omits the collector namespace', () => {
    const r = rule('sidecar-registry-only');
    expect(
      findings(r, sidecar('default', { egress: [{ hosts: ['./*', 'istio-system/*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }), env),
    ).toEqual(['Sidecar shop/default is REGISTRY_ONLY and its egress omits observability/*, where the telemetry collector runs']);
    expect(
      findings(r, sidecar('default', { egress: [{ hosts: ['./*', 'observability/*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }), env),
    ).toEqual([]);
  });

  it('sidecar-egress-without-registry-only: warns on egress hosts with ALLOW_ANY', () => {
    expect(findings(rule('sidecar-egress-without-registry-only'), sidecar('default', { egress: [{ hosts: ['./*'] }] }))).toEqual([
      'Sidecar shop/default lists egress hosts without REGISTRY_ONLY',
    ]);
    expect(
      findings(
        rule('sidecar-egress-without-registry-only'),
        sidecar('default', { egress: [{ hosts: ['./*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }),
      ),
    ).toEqual([]);
  });

  it('network-policy-egress-any: warns on egress to 0.0.0.0/0 (or ::/0), not on declared ranges', () => {
    const egress = (cidr: string, annotations: Record<string, string> = {}) => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-egress-external, namespace: shop, annotations: ${JSON.stringify(annotations)} }
spec: ${JSON.stringify({ podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr, except: ['10.0.0.0/8'] } }], ports: [{ protocol: 'TCP', port: 443 }] }] })}
`;
    const r = rule('network-policy-egress-any');
    expect(r.severity).toBe(Severity.WARNING);
    expect(findings(r, egress('0.0.0.0/0'))).toEqual([
      'NetworkPolicy shop/allow-egress-external egress[0] admits 0.0.0.0/0 on TCP 443: pods without a proxy reach any host there',
    ]);
    expect(findings(r, egress('::/0'))).toEqual([
      'NetworkPolicy shop/allow-egress-external egress[0] admits ::/0 on TCP 443: pods without a proxy reach any host there',
    ]);
    expect(findings(r, egress('198.51.100.0/24'))).toEqual([]);
    expect(
      findings(r, egress('0.0.0.0/0', { 'silence.mesh.eks-istio-mesh.io/network-policy-egress-any': 'provider publishes no ranges (TICKET-7)' })),
    ).toEqual([]);
  });
});

describe('telemetry rules', () => {
  const telemetry = (ns: string, spec: Record<string, unknown>) => `
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: t, namespace: ${ns} }
spec: ${JSON.stringify(spec)}
`;
  it('telemetry-provider-defined: fires on an undefined provider and on an empty provider list', () => {
    const r = rule('telemetry-provider-defined');
    expect(findings(r, telemetry('istio-system', { tracing: [{ providers: [{ name: 'opentelemetry' }] }] }), env)).toEqual([
      'Telemetry istio-system/t tracing names provider opentelemetry; defined: envoy, otel-tracing, prometheus, stackdriver',
    ]);
    expect(findings(r, telemetry('istio-system', { tracing: [{ randomSamplingPercentage: 5 }] }), env)).toEqual([
      'Telemetry istio-system/t traces without naming a provider (that means every provider)',
    ]);
    expect(findings(r, telemetry('istio-system', { tracing: [{ providers: [{ name: 'otel-tracing' }] }] }), env)).toEqual([]);
  });

  it('telemetry-provider-defined: reads the providers from the istiod release when present', () => {
    const istiod =
      'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: istiod, namespace: istio-system }\nspec: { chart: { spec: { chart: istiod } }, values: { meshConfig: { extensionProviders: [{ name: tempo, opentelemetry: { service: tempo.tracing.svc.cluster.local, port: 4317 } }] } } }';
    expect(
      findings(rule('telemetry-provider-defined'), join(istiod, telemetry('istio-system', { tracing: [{ providers: [{ name: 'tempo' }] }] }))),
    ).toEqual([]);
    expect(
      findings(
        rule('telemetry-provider-defined'),
        join(istiod, telemetry('istio-system', { tracing: [{ providers: [{ name: 'otel-tracing' }] }] })),
      )[0],
    ).toMatch(/names provider otel-tracing; defined: envoy, prometheus, stackdriver, tempo/);
  });

  it('ambient-telemetry-needs-waypoint: warns on tracing in an ambient namespace without targetRefs', () => {
    expect(
      findings(
        rule('ambient-telemetry-needs-waypoint'),
        join(namespace('shop', AMBIENT), telemetry('shop', { tracing: [{ providers: [{ name: 'otel-tracing' }] }] })),
      ),
    ).toHaveLength(1);
    expect(
      findings(
        rule('ambient-telemetry-needs-waypoint'),
        join(
          namespace('shop', AMBIENT),
          telemetry('shop', {
            targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'waypoint' }],
            tracing: [{ providers: [{ name: 'otel-tracing' }] }],
          }),
        ),
      ),
    ).toEqual([]);
  });
});

describe('output rules', () => {
  it('no-secret-data: fires on a Secret with data, not on an empty one', () => {
    expect(
      findings(rule('no-secret-data'), 'apiVersion: v1\nkind: Secret\nmetadata: { name: s, namespace: shop }\nstringData: { password: hunter2 }'),
    ).toEqual(['Secret shop/s carries data']);
    expect(findings(rule('no-secret-data'), 'apiVersion: v1\nkind: Secret\nmetadata: { name: s, namespace: shop }')).toEqual([]);
  });

  it('name-length: fires on a Service name over 63 characters and a bad label', () => {
    const long = 'a'.repeat(64);
    expect(findings(rule('name-length'), `apiVersion: v1\nkind: Service\nmetadata: { name: ${long}, namespace: shop }`)).toEqual([
      `Service shop/${long} has a name of 64 characters (limit 63)`,
    ]);
    expect(findings(rule('name-length'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c, namespace: shop, labels: { team: "a b" } }')).toEqual(
      ['ConfigMap shop/c has an invalid label team: a b'],
    );
    expect(findings(rule('name-length'), `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${long}, namespace: shop }`)).toEqual([]);
  });

  it('unique-identity: fires on the second object with the same identity', () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c, namespace: shop }';
    expect(findings(rule('unique-identity'), join(cm, cm))).toEqual(['ConfigMap shop/c is also defined at test.yaml']);
    expect(findings(rule('unique-identity'), join(cm, cm.replace('name: c', 'name: d')))).toEqual([]);
  });
});

describe('silences', () => {
  const sidecar = (annotations: Record<string, string>) => `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: w, namespace: shop, annotations: ${JSON.stringify(annotations)} }
spec: { workloadSelector: { labels: { app: api } } }
`;
  it('silences one rule on one object when the annotation gives a reason, and reports it', () => {
    const report = runRules(
      objects(sidecar({ 'silence.mesh.eks-istio-mesh.io/sidecar-egress-not-empty': 'legacy batch job, removed in Q3' })),
      ALL_RULES,
    );
    expect(report.results.map(r => r.rule.id)).not.toContain('sidecar-egress-not-empty');
    expect(report.silenced.map(r => [r.rule.id, r.silencedBecause])).toEqual([['sidecar-egress-not-empty', 'legacy batch job, removed in Q3']]);
  });

  it('refuses a silence without a reason, and one naming an unknown rule', () => {
    const report = runRules(
      objects(
        sidecar({
          'silence.mesh.eks-istio-mesh.io/sidecar-egress-not-empty': '',
          'silence.mesh.eks-istio-mesh.io/no-such-rule': 'because we can do it',
        }),
      ),
      ALL_RULES,
    );
    expect(report.results.map(r => [r.rule.id, r.message])).toEqual([
      ['sidecar-egress-not-empty', 'Sidecar shop/w selects workloads and lists no egress hosts'],
      ['silence-annotation', 'Sidecar shop/w silences sidecar-egress-not-empty without a reason'],
      ['silence-annotation', 'Sidecar shop/w silences unknown rule no-such-rule'],
    ]);
    expect(report.silenced).toEqual([]);
  });
});
