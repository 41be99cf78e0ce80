import { describe, expect, it } from 'vitest';
import { GatewayCertificate } from '../../src';
import { only, synthConstructs, synthProblems } from '../util';

describe('GatewayCertificate', () => {
  it('defines a self-signed Issuer and an ECDSA P-256 certificate valid 90 days, renewed 30 days early', () => {
    // WHEN
    const objects = synthConstructs(
      scope =>
        new GatewayCertificate(scope, 'Cert', {
          namespace: 'istio-system',
          secretName: 'gw-tls',
          dnsNames: ['b.example.com', 'a.example.com', 'a.example.com'],
        }),
    );
    // THEN
    const issuer = only(objects, 'Issuer');
    const cert = only(objects, 'Certificate');
    expect(issuer.apiVersion).toBe('cert-manager.io/v1');
    expect(issuer.metadata).toMatchObject({ name: 'gw-tls-selfsigned', namespace: 'istio-system' });
    expect(issuer.spec).toEqual({ selfSigned: {} });
    expect(cert.metadata.namespace).toBe('istio-system');
    expect(cert.spec.privateKey).toEqual({ algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' });
    expect(cert.spec.duration).toBe('2160h');
    expect(cert.spec.renewBefore).toBe('720h');
    expect(cert.spec.secretName).toBe('gw-tls');
    expect(cert.spec.dnsNames).toEqual(['a.example.com', 'b.example.com']);
    expect(cert.spec.issuerRef).toEqual({ group: 'cert-manager.io', kind: 'Issuer', name: 'gw-tls-selfsigned' });
    expect(cert.spec.subject.organizations).toEqual(['eks-istio-mesh']);
  });

  it('emits no Secret (cert-manager writes it)', () => {
    const objects = synthConstructs(
      scope => new GatewayCertificate(scope, 'Cert', { namespace: 'istio-system', secretName: 'gw-tls', dnsNames: ['a.example.com'] }),
    );
    expect(objects.map(o => o.kind).sort()).toEqual(['Certificate', 'Issuer']);
  });

  it('fails without DNS names', () => {
    const problems = synthProblems(() =>
      synthConstructs(scope => new GatewayCertificate(scope, 'Cert', { namespace: 'istio-system', secretName: 'gw-tls', dnsNames: [] })),
    );
    expect(problems).toEqual(["[test] test/Cert: 'dnsNames' must not be empty; got []. fix: pass the environment's domains"]);
  });
});
