/**
 * Classes of findings that were wrong on hand-written manifests: each test shows the correct setup
 * staying silent (or only warning) while the provable mistake is still an error.
 */
import { describe, expect, it } from 'vitest';
import { ALL_RULES, buildContext, runRules, Severity } from '../../src';
import { resolved } from '../util';
import { findings, objects, rule } from './util';

const env = resolved();
const join = (...docs: string[]) => docs.join('\n---\n');
const results = (yaml: string, id: string, withEnv = false) =>
  runRules(objects(yaml), [rule(id)], withEnv ? env : undefined).results.map(r => [r.rule.severity, r.message]);

const appGateway = (credentialName: string) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: bookinfo, namespace: bookinfo }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 443, name: https, protocol: HTTPS }, hosts: ['*'], tls: { mode: SIMPLE, credentialName: ${credentialName} } }]
`;
const gatewayDeployment = (ns: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: istio-ingressgateway, namespace: ${ns} }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  template: { metadata: { labels: { istio: ingressgateway, app: istio-ingressgateway } }, spec: { containers: [{ name: istio-proxy, image: auto }] } }
`;
const certificate = (ns: string, secret: string) => `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: { name: c, namespace: ${ns} }
spec: { secretName: ${secret}, dnsNames: [a.example.com], issuerRef: { name: x } }
`;

describe('class 1: a Gateway in an app namespace reads its Secret where its pods run', () => {
  it('resolves the gateway pods from a Deployment the selector matches, and does not guess without one', () => {
    const r = 'gateway-credential-certificate';
    // Correct: the Gateway is in bookinfo, its pods and the Certificate in istio-ingress.
    expect(results(join(appGateway('bookinfo-tls'), gatewayDeployment('istio-ingress'), certificate('istio-ingress', 'bookinfo-tls')), r)).toEqual(
      [],
    );
    // Wrong: the Certificate sits beside the Gateway object, not beside the pods.
    expect(results(join(appGateway('bookinfo-tls'), gatewayDeployment('istio-ingress'), certificate('bookinfo', 'bookinfo-tls')), r)).toEqual([
      [
        'error',
        'Gateway bookinfo/bookinfo selects gateway pods in istio-ingress, which read Secret bookinfo-tls there, but Certificate bookinfo/c writes it in bookinfo',
      ],
    ]);
    // No workload in the files: no guess.
    expect(results(join(appGateway('bookinfo-tls'), certificate('bookinfo', 'bookinfo-tls')), r)).toEqual([]);
  });

  it("resolves the gateway pods from a release of Istio's gateway chart", () => {
    const release = `
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: istio-ingressgateway, namespace: flux-system }
spec: { targetNamespace: istio-ingress, chart: { spec: { chart: gateway } } }
`;
    expect(results(join(appGateway('t'), release, certificate('bookinfo', 't')), 'gateway-credential-certificate')[0][1]).toContain(
      'selects gateway pods in istio-ingress',
    );
  });
});

describe('class 2: principal-resolves tells a wrong principal from one not in these files', () => {
  const allow = (principal: string) => `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: p, namespace: shop }
spec: { action: ALLOW, rules: [{ from: [{ source: { principals: ['${principal}'] } }] }] }
`;
  it('accepts the ServiceAccount of a Gateway API gateway (<name>-<class>) and of a workload', () => {
    const gw =
      'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: public, namespace: edge }\nspec: { gatewayClassName: istio, listeners: [{ name: http, port: 80, protocol: HTTP }] }';
    expect(results(join(gw, allow('cluster.local/ns/edge/sa/public-istio')), 'principal-resolves')).toEqual([]);
    const deploy =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: shop }\nspec: { template: { spec: { serviceAccountName: web-sa, containers: [] } } }';
    expect(results(join(deploy, allow('cluster.local/ns/shop/sa/web-sa')), 'principal-resolves')).toEqual([]);
  });

  it('warns on an account not in these files, errs where the files are complete', () => {
    expect(results(allow('cluster.local/ns/shop/sa/made-by-url'), 'principal-resolves')).toEqual([
      ['warning', 'AuthorizationPolicy shop/p allows cluster.local/ns/shop/sa/made-by-url, a ServiceAccount not in these files'],
    ]);
    const declared = "apiVersion: v1\nkind: Namespace\nmetadata: { name: shop, annotations: { mesh.eks-istio-mesh.io/service-accounts: 'api' } }";
    expect(results(join(declared, allow('cluster.local/ns/shop/sa/apii')), 'principal-resolves')[0][0]).toBe('error');
    expect(results(allow('cluster.local/ns/shop/sa/apii'), 'principal-resolves', true)[0][0]).toBe('error');
    expect(results(allow('cluster.local/ns/shop/sa/*'), 'principal-resolves')[0][0]).toBe('error');
  });
});

describe('class 3: gateway Secrets made without cert-manager', () => {
  it('accepts a Secret, SealedSecret or ExternalSecret beside the gateway pods; warns when nothing makes it', () => {
    const r = 'gateway-credential-certificate';
    const base = join(appGateway('tls'), gatewayDeployment('istio-system'));
    expect(results(join(base, 'apiVersion: v1\nkind: Secret\nmetadata: { name: tls, namespace: istio-system }\ntype: kubernetes.io/tls'), r)).toEqual(
      [],
    );
    expect(
      results(
        join(
          base,
          'apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: { name: x, namespace: istio-system }\nspec: { target: { name: tls } }',
        ),
        r,
      ),
    ).toEqual([]);
    expect(results(base, r)).toEqual([
      ['warning', 'Gateway bookinfo/bookinfo selects gateway pods in istio-system, which read Secret tls there; nothing in these files makes it'],
    ]);
  });
});

describe('class 4: destination-rule-tls judges only hosts of meshed namespaces', () => {
  const dr = (host: string, mode: string) => `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: d, namespace: shop }
spec: { host: ${host}, trafficPolicy: { tls: { mode: ${mode} } } }
`;
  it('stays silent on SIMPLE to istiod and to a namespace not shown in the mesh, errs in an injected namespace', () => {
    const r = 'destination-rule-tls';
    expect(results(dr('istiod.istio-system.svc.cluster.local', 'SIMPLE'), r)).toEqual([]);
    expect(results(dr('legacy.backoffice.svc.cluster.local', 'SIMPLE'), r)).toEqual([]);
    const injected = 'apiVersion: v1\nkind: Namespace\nmetadata: { name: backoffice, labels: { istio-injection: enabled } }';
    expect(results(join(injected, dr('legacy.backoffice.svc.cluster.local', 'SIMPLE')), r)).toEqual([
      [
        'error',
        'DestinationRule shop/d sets trafficPolicy.tls mode SIMPLE for host legacy.backoffice.svc.cluster.local in meshed namespace backoffice',
      ],
    ]);
  });
});

describe('class 5: ALB Ingress shapes', () => {
  const A = 'alb.ingress.kubernetes.io';
  const ingress = (apiVersion: string, annotations: Record<string, string>, paths: string) => `
apiVersion: ${apiVersion}
kind: Ingress
metadata: { name: edge, namespace: istio-system, annotations: ${JSON.stringify(annotations)} }
spec:
  ingressClassName: alb
  rules: [{ http: { paths: [${paths}] } }]
`;
  const good = {
    [`${A}/backend-protocol`]: 'HTTPS',
    [`${A}/healthcheck-protocol`]: 'HTTP',
    [`${A}/healthcheck-port`]: '15021',
    [`${A}/healthcheck-path`]: '/healthz/ready',
    [`${A}/target-type`]: 'ip',
  };
  const toGateway = '{ path: /, pathType: Prefix, backend: { service: { name: istio-ingressgateway, port: { number: 443 } } } }';
  const redirect = '{ path: /, pathType: Prefix, backend: { service: { name: ssl-redirect, port: { name: use-annotation } } } }';

  it('reads a use-annotation backend as an ALB action, not as a Service', () => {
    const yaml = ingress('networking.k8s.io/v1', { ...good, [`${A}/actions.ssl-redirect`]: '{"Type":"redirect"}' }, `${redirect}, ${toGateway}`);
    expect(findings(rule('alb-backend-gateway-only'), yaml, env)).toEqual([]);
    expect(
      findings(
        rule('alb-backend-gateway-only'),
        ingress('networking.k8s.io/v1', good, '{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }'),
        env,
      ),
    ).toHaveLength(1);
  });

  it('reports a removed Ingress API instead of misreading it', () => {
    const old = ingress('extensions/v1beta1', good, '{ path: /, backend: { serviceName: web, servicePort: 80 } }');
    expect(findings(rule('ingress-api-removed'), old)).toEqual(['Ingress istio-system/edge uses extensions/v1beta1, which Kubernetes 1.22 removed']);
    expect(findings(rule('alb-backend-gateway-only'), old, env)).toEqual([]);
    expect(findings(rule('ingress-api-removed'), ingress('networking.k8s.io/v1', good, toGateway))).toEqual([]);
  });

  it('accepts the health check on 15020 /healthz/ready with ip targets only', () => {
    const on15020 = { ...good, [`${A}/healthcheck-port`]: '15020' };
    expect(findings(rule('alb-health-check'), ingress('networking.k8s.io/v1', on15020, toGateway))).toEqual([]);
    expect(findings(rule('alb-health-check'), ingress('networking.k8s.io/v1', { ...on15020, [`${A}/target-type`]: 'instance' }, toGateway))).toEqual([
      'Ingress istio-system/edge: healthcheck-port is 15020',
    ]);
  });
});

describe('wrong field types', () => {
  it('a field of the wrong type is an error on that object naming the field, and the other objects are still checked', () => {
    // `from` must be a list of sources; here it is one source.
    const bad =
      'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: bad, namespace: shop }\nspec: { rules: [{ from: { source: { principals: [a] } } }] }';
    const sidecar =
      'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: { name: w, namespace: shop }\nspec: { workloadSelector: { labels: { app: api } } }';
    const report = runRules(objects(join(bad, sidecar)), ALL_RULES);
    const faults = report.results.filter(r => r.message.includes('unexpected value'));
    expect(faults.length).toBeGreaterThan(0);
    expect(faults.every(f => f.object.manifest.metadata.name === 'bad' && f.rule.severity === Severity.ERROR)).toBe(true);
    expect(faults.map(f => f.message)).toContain(
      'AuthorizationPolicy shop/bad has an unexpected value at spec.rules[0].from; principal-resolves checked the other objects',
    );
    expect(report.results.map(r => r.message)).toContain('Sidecar shop/w selects workloads and lists no egress hosts');
  });
});

describe('mesh facts from IstioOperator and the mesh ConfigMap', () => {
  it('reads the trust domain, providers and revision from an IstioOperator', () => {
    const iop =
      'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: { name: i, namespace: istio-system }\nspec: { revision: canary, meshConfig: { trustDomain: corp.example, extensionProviders: [{ name: otel, opentelemetry: { service: otel.observability.svc.cluster.local, port: 4317 } }] } }';
    const ctx = buildContext(objects(iop));
    expect(ctx.trustDomain).toBe('corp.example');
    expect([...ctx.definedProviders!]).toContain('otel');
    expect(ctx.collectorNamespace).toBe('observability');
    expect([...ctx.installedRevisions!]).toEqual(['canary']);
  });

  it('reads the trust domain from the istio ConfigMap, and ignores a mesh value of the wrong type', () => {
    const cm =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: istio, namespace: istio-system }\ndata:\n  mesh: |\n    trustDomain: td.example\n    extensionProviders: [{ name: zipkin-x, zipkin: { service: z.tracing.svc.cluster.local, port: 9411 } }]';
    expect(buildContext(objects(cm)).trustDomain).toBe('td.example');
    expect([...buildContext(objects(cm)).definedProviders!]).toContain('zipkin-x');
    expect(buildContext(objects(cm.replace('trustDomain: td.example', 'trustDomain: [1]'))).trustDomain).toBe('cluster.local');
  });
});
