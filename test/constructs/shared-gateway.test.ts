import { describe, expect, it } from 'vitest';
import { SharedGateway } from '../../src';
import { only, synthConstructs, synthProblems } from '../util';

const props = { namespace: 'istio-system', selector: { istio: 'ingressgateway' }, credentialName: 'gw-tls' };

describe('SharedGateway', () => {
  it("serves HTTPS on 443 with TLS SIMPLE, the certificate's Secret and every host", () => {
    // WHEN
    const gateway = only(synthConstructs(scope => new SharedGateway(scope, 'Gateway', props)), 'Gateway');
    // THEN
    expect(gateway.apiVersion).toBe('networking.istio.io/v1');
    expect(gateway.metadata).toMatchObject({ name: 'shared-gateway', namespace: 'istio-system' });
    expect(gateway.spec.selector).toEqual({ istio: 'ingressgateway' });
    expect(gateway.spec.servers).toEqual([{
      name: 'https',
      port: { number: 443, name: 'https', protocol: 'HTTPS' },
      hosts: ['*'],
      tls: { mode: 'SIMPLE', credentialName: 'gw-tls', minProtocolVersion: 'TLSV1_2' },
    }]);
  });

  it('exposes its reference for routes', () => {
    let ref = '';
    synthConstructs(scope => { ref = new SharedGateway(scope, 'Gateway', { ...props, name: 'edge' }).ref; });
    expect(ref).toBe('istio-system/edge');
  });

  it('adds a plain-HTTP server only when asked', () => {
    const gateway = only(synthConstructs(scope => new SharedGateway(scope, 'Gateway', { ...props, plainHttpServer: true })), 'Gateway');
    expect(gateway.spec.servers.map((s: any) => [s.port.number, s.port.protocol, s.hosts])).toEqual([[443, 'HTTPS', ['*']], [80, 'HTTP', ['*']]]);
  });

  it('fails on specific hosts, saying why and what to do', () => {
    const problems = synthProblems(() => synthConstructs(scope => new SharedGateway(scope, 'Gateway', { ...props, hosts: ['shop.example.com'] })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("[test] test/Gateway: 'hosts' must be ['*']: the ALB sends no SNI");
    expect(problems[0]).toContain('got ["shop.example.com"]');
    expect(problems[0]).toContain("fix: remove 'hosts' and route by host in an AppRoute");
  });

  it('fails on an empty selector', () => {
    const problems = synthProblems(() => synthConstructs(scope => new SharedGateway(scope, 'Gateway', { ...props, selector: {} })));
    expect(problems[0]).toMatch(/'selector' must not be empty/);
  });
});
