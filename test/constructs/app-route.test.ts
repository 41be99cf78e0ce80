import { describe, expect, it } from 'vitest';
import { AppRoute, AppRouteProps } from '../../src';
import { only, synthConstructs, synthProblems } from '../util';

const props: AppRouteProps = {
  namespace: 'payments',
  name: 'payments',
  gateway: 'istio-system/shared-gateway',
  hosts: ['pay.apps.example.com'],
  allowedDomains: ['apps.example.com'],
  rules: [
    { serviceName: 'web', port: 8080 },
    { pathPrefix: '/api', serviceName: 'api', port: 8443 },
  ],
};

describe('AppRoute', () => {
  it('binds a VirtualService to the shared gateway only and routes to FQDN destinations, longest prefix first', () => {
    const vs = only(
      synthConstructs(scope => new AppRoute(scope, 'Route', props)),
      'VirtualService',
    );
    expect(vs.apiVersion).toBe('networking.istio.io/v1');
    expect(vs.metadata).toMatchObject({ name: 'payments', namespace: 'payments' });
    expect(vs.spec.gateways).toEqual(['istio-system/shared-gateway']);
    expect(vs.spec.hosts).toEqual(['pay.apps.example.com']);
    expect(vs.spec.http.map((r: any) => [r.match[0].uri.prefix, r.route[0].destination])).toEqual([
      ['/api', { host: 'api.payments.svc.cluster.local', port: { number: 8443 } }],
      ['/', { host: 'web.payments.svc.cluster.local', port: { number: 8080 } }],
    ]);
  });

  it('reports the Services and ports it exposes', () => {
    let route: AppRoute | undefined;
    synthConstructs(scope => {
      route = new AppRoute(scope, 'Route', props);
    });
    expect(route!.backends).toEqual([
      { serviceName: 'api', port: 8443 },
      { serviceName: 'web', port: 8080 },
    ]);
  });

  it('fails on a host outside the environment domains', () => {
    const problems = synthProblems(() => synthConstructs(scope => new AppRoute(scope, 'Route', { ...props, hosts: ['pay.evil.com'] })));
    expect(problems).toEqual([
      '[test] test/Route: \'hosts\' is not under any domain of the environment (apps.example.com); got "pay.evil.com". fix: use a host under one of those domains, or add its domain to the environment config',
    ]);
  });

  it('fails on a wildcard host and a duplicated prefix', () => {
    const problems = synthProblems(() =>
      synthConstructs(
        scope =>
          new AppRoute(scope, 'Route', {
            ...props,
            hosts: ['*.apps.example.com'],
            rules: [
              { serviceName: 'web', port: 80 },
              { serviceName: 'web2', port: 80 },
            ],
          }),
      ),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/'hosts' is not a host name \(wildcards are not allowed/);
    expect(problems[1]).toMatch(/'rules' routes the same path prefix twice/);
  });
});
