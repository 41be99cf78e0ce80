import { describe, expect, it } from 'vitest';
import { GatewayNetworkPolicy } from '../../src';
import { only, synthConstructs, synthProblems } from '../util';

const props = { namespace: 'istio-system', podLabels: { istio: 'ingressgateway' }, sourceCidrs: ['10.0.1.0/24', '10.0.0.0/24'] };

describe('GatewayNetworkPolicy', () => {
  it('admits only the ALB CIDRs, on the HTTPS port and the status port, and leaves egress open', () => {
    const np = only(
      synthConstructs(scope => new GatewayNetworkPolicy(scope, 'Np', props)),
      'NetworkPolicy',
    );
    expect(np.metadata).toMatchObject({ name: 'ingress-gateway-from-alb', namespace: 'istio-system' });
    expect(np.spec).toEqual({
      podSelector: { matchLabels: { istio: 'ingressgateway' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ ipBlock: { cidr: '10.0.0.0/24' } }, { ipBlock: { cidr: '10.0.1.0/24' } }],
          ports: [
            { protocol: 'TCP', port: 443 },
            { protocol: 'TCP', port: 15021 },
          ],
        },
      ],
    });
  });

  it('appends further ingress rules, e.g. for a metrics scraper', () => {
    const scrape = {
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      ports: [{ protocol: 'TCP', port: { value: 15020 } as never }],
    };
    const np = only(
      synthConstructs(scope => new GatewayNetworkPolicy(scope, 'Np', { ...props, additionalIngress: [scrape] })),
      'NetworkPolicy',
    );
    expect(np.spec.ingress).toHaveLength(2);
    expect(np.spec.ingress[1].from).toEqual(scrape.from);
  });

  it('fails on no source, a /0 source, a bad CIDR and empty pod labels', () => {
    const problems = synthProblems(() =>
      synthConstructs(scope => new GatewayNetworkPolicy(scope, 'Np', { ...props, podLabels: {}, sourceCidrs: ['0.0.0.0/0', '10.0.0.300/24'] })),
    );
    expect(problems.map(p => p.split(': ').slice(1).join(': ').split(';')[0])).toEqual([
      "'podLabels' must not be empty (the policy would select every pod of the namespace)",
      "'sourceCidrs' admits every address, so every pod could skip the ALB",
      "'sourceCidrs' is not an IPv4 CIDR",
    ]);
    expect(synthProblems(() => synthConstructs(scope => new GatewayNetworkPolicy(scope, 'Np', { ...props, sourceCidrs: [] })))[0]).toContain(
      "'sourceCidrs' must list the CIDRs the ALB sends from",
    );
  });
});
