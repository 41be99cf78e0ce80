import { describe, expect, it } from 'vitest';
import { SharedGateway } from '../../src';
import { only, synthConstructs, synthProblems } from '../util';

const props = { namespace: 'istio-system', selector: { istio: 'ingressgateway' }, credentialName: 'gw-tls' };

describe('SharedGateway', () => {
  it("serves HTTPS on 443 with TLS SIMPLE, the certificate's Secret and every host of the listed namespaces", () => {
    // WHEN
    const gateway = only(
      synthConstructs(scope => new SharedGateway(scope, 'Gateway', { ...props, hosts: ['payments/*', 'catalog/*'] })),
      'Gateway',
    );
    // THEN
    expect(gateway.apiVersion).toBe('networking.istio.io/v1');
    expect(gateway.metadata).toMatchObject({ name: 'shared-gateway', namespace: 'istio-system' });
    expect(gateway.spec.selector).toEqual({ istio: 'ingressgateway' });
    expect(gateway.spec.servers).toEqual([
      {
        name: 'https',
        port: { number: 443, name: 'https', protocol: 'HTTPS' },
        hosts: ['catalog/*', 'payments/*'],
        tls: { mode: 'SIMPLE', credentialName: 'gw-tls', minProtocolVersion: 'TLSV1_2' },
      },
    ]);
  });

  it('exposes its reference for routes', () => {
    let ref = '';
    synthConstructs(scope => {
      ref = new SharedGateway(scope, 'Gateway', { ...props, name: 'edge' }).ref;
    });
    expect(ref).toBe('istio-system/edge');
  });

  it('binds only its own namespace when no hosts are given', () => {
    const gateway = only(
      synthConstructs(scope => new SharedGateway(scope, 'Gateway', props)),
      'Gateway',
    );
    expect(gateway.spec.servers[0].hosts).toEqual(['istio-system/*']);
  });

  it('adds a plain-HTTP server only when asked, with the same hosts', () => {
    const gateway = only(
      synthConstructs(scope => new SharedGateway(scope, 'Gateway', { ...props, hosts: ['payments/*'], plainHttpServer: true })),
      'Gateway',
    );
    expect(gateway.spec.servers.map((s: any) => [s.port.number, s.port.protocol, s.hosts])).toEqual([
      [443, 'HTTPS', ['payments/*']],
      [80, 'HTTP', ['payments/*']],
    ]);
  });

  it('fails on host names, saying why and what to do', () => {
    const problems = synthProblems(() => synthConstructs(scope => new SharedGateway(scope, 'Gateway', { ...props, hosts: ['shop.example.com'] })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("[test] test/Gateway: 'hosts' must be '<namespace>/*': the ALB sends no SNI");
    expect(problems[0]).toContain('got "shop.example.com"');
    expect(problems[0]).toContain("fix: use '<namespace>/*' and route by host in an AppRoute");
  });

  it('fails on hosts that let any namespace bind (* and */*)', () => {
    const problems = synthProblems(() => synthConstructs(scope => new SharedGateway(scope, 'Gateway', { ...props, hosts: ['*', '*/*'] })));
    expect(problems).toHaveLength(2);
    expect(problems.every(p => p.includes('lets a VirtualService of any namespace bind to the shared gateway'))).toBe(true);
  });

  it('fails on an empty host list (Istio needs at least one host)', () => {
    const problems = synthProblems(() => synthConstructs(scope => new SharedGateway(scope, 'Gateway', { ...props, hosts: [] })));
    expect(problems[0]).toContain("'hosts' must list at least one <namespace>/* host");
  });

  it('fails on an empty selector', () => {
    const problems = synthProblems(() => synthConstructs(scope => new SharedGateway(scope, 'Gateway', { ...props, selector: {} })));
    expect(problems[0]).toMatch(/'selector' must not be empty/);
  });
});
