import { describe, expect, it } from 'vitest';
import { IpFamily, NamespaceNetworkPolicies, NamespaceNetworkPoliciesProps, renderMeshReport, resolveEnvironment } from '../../src';
import { baseConfig, synthConstructs } from '../util';

const base: NamespaceNetworkPoliciesProps = {
  namespace: 'shop',
  ambient: false,
  waypoint: false,
  ingressGateway: { namespace: 'istio-system', selector: { istio: 'ingressgateway' } },
  targets: [],
  dependencies: [],
  external: [],
};
const policies = (props: Partial<NamespaceNetworkPoliciesProps>) =>
  synthConstructs(scope => new NamespaceNetworkPolicies(scope, 'np', { ...base, ...props })).filter(o => o.kind === 'NetworkPolicy') as any[];
const named = (props: Partial<NamespaceNetworkPoliciesProps>, name: string) => policies(props).find(p => p.metadata.name === name);

describe('NamespaceNetworkPolicies prerequisites', () => {
  it('admits the IPv6 kubelet probe source to ambient pods in IPv6 clusters only', () => {
    const cidrs = (ipFamily?: IpFamily) =>
      named({ ambient: true, ipFamily }, 'allow-kubelet-probes').spec.ingress[0].from.map((f: any) => f.ipBlock.cidr);
    expect(cidrs()).toEqual(['169.254.7.127/32']);
    expect(cidrs(IpFamily.IPV4)).toEqual(['169.254.7.127/32']);
    expect(cidrs(IpFamily.IPV6)).toEqual(['169.254.7.127/32', 'fd16:9254:7127:1337:ffff:ffff:ffff:ffff/128']);
  });

  it('lets spans reach a collector in an ambient namespace on HBONE 15008 besides the OTLP port', () => {
    const ports = named({ telemetry: { namespace: 'observability', port: 4317 } }, 'allow-egress-telemetry').spec.egress[0].ports.map(
      (p: any) => p.port,
    );
    expect(ports).toEqual([4317, 15008]);
  });

  it('admits the configured Prometheus to 15020 and 15090 where an Envoy runs, and nothing otherwise', () => {
    const monitoring = { namespace: 'monitoring', selector: { 'app.kubernetes.io/name': 'prometheus' } };
    const scrape = named({ monitoring, istiod: { namespace: 'istio-system' } }, 'allow-metrics-scrape');
    expect(scrape.spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
            },
          ],
          ports: [
            { protocol: 'TCP', port: 15020 },
            { protocol: 'TCP', port: 15090 },
          ],
        },
      ],
    });
    expect(named({ monitoring, ambient: true }, 'allow-metrics-scrape')).toBeUndefined();
    expect(named({ istiod: { namespace: 'istio-system' } }, 'allow-metrics-scrape')).toBeUndefined();
  });
});

describe('prerequisite config', () => {
  it('defaults the IP family to IPv4 and refuses an unknown one', () => {
    expect(resolveEnvironment(baseConfig()).env!.cluster.ipFamily).toBe(IpFamily.IPV4);
    const [p] = resolveEnvironment(baseConfig({ cluster: { ipFamily: 'dual' as IpFamily } })).problems;
    expect([p.field, p.value, p.message]).toEqual(['cluster.ipFamily', 'dual', 'must be one of IPv4, IPv6']);
  });

  it('checks the monitoring namespace and labels', () => {
    expect(resolveEnvironment(baseConfig()).env!.monitoring).toBeUndefined();
    const problems = resolveEnvironment(baseConfig({ monitoring: { namespace: 'Monitoring', podLabels: { 'bad key!': 'x' } } })).problems;
    expect(problems.map(p => p.field)).toEqual(['monitoring.namespace', "monitoring.podLabels['bad key!']"]);
    expect(resolveEnvironment(baseConfig({ monitoring: { namespace: 'monitoring', podLabels: {} } })).problems.map(p => p.message)).toEqual([
      'is empty',
    ]);
  });
});

describe('MESH.md egress section', () => {
  const env = resolveEnvironment(baseConfig()).env!;
  const np = (cidr: string) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'allow-egress-external', namespace: 'shop' },
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr, except: ['10.0.0.0/8'] } }], ports: [{ protocol: 'TCP', port: 443 }] }],
    },
  });

  it('names egress to any public address and says REGISTRY_ONLY does not hold back a pod without a proxy', () => {
    const report = renderMeshReport(env, [np('0.0.0.0/0')]);
    expect(report).toContain('## Egress, prerequisites and known upstream issues');
    expect(report).toContain('| `shop` | **any public address** (`0.0.0.0/0` except private ranges) | TCP 443 |');
    expect(report).toContain('REGISTRY_ONLY (the Sidecar) is not a security boundary');
    expect(renderMeshReport(env, [np('198.51.100.0/24')])).toContain('| `shop` | `198.51.100.0/24` | TCP 443 |');
  });

  it('lists the waypoint tracing issues only where a namespace uses a waypoint', () => {
    const ns = (labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels } });
    const withWaypoint = renderMeshReport(env, [ns({ 'istio.io/use-waypoint': 'waypoint', 'istio.io/ingress-use-waypoint': 'true' })]);
    expect(withWaypoint).toContain('istio/istio#60780');
    expect(withWaypoint).toContain('istio/istio#61154');
    expect(renderMeshReport(env, [ns({ 'istio.io/dataplane-mode': 'ambient' })])).not.toContain('istio/istio#61154');
  });
});
