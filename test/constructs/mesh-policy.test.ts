import { describe, expect, it } from 'vitest';
import { MeshPeerAuthentication, MeshPolicy, MtlsMode } from '../../src';
import { only, synthConstructs, synthProblems } from '../util';

describe('MeshPeerAuthentication', () => {
  it.each([MtlsMode.STRICT, MtlsMode.PERMISSIVE])('sets the mesh-wide mode %s in the root namespace', mode => {
    const objects = synthConstructs(scope => new MeshPeerAuthentication(scope, 'Mesh', { rootNamespace: 'istio-system', mtlsMode: mode }));
    const pa = only(objects, 'PeerAuthentication');
    expect(pa.apiVersion).toBe('security.istio.io/v1');
    expect(pa.metadata).toMatchObject({ name: 'default', namespace: 'istio-system' });
    expect(pa.spec).toEqual({ mtls: { mode } });
    expect(pa.spec.selector).toBeUndefined();
    expect(objects.filter(o => o.kind === 'DestinationRule')).toEqual([]);
  });

  it('fails on DISABLE', () => {
    const problems = synthProblems(() =>
      synthConstructs(scope => new MeshPeerAuthentication(scope, 'Mesh', { rootNamespace: 'istio-system', mtlsMode: 'DISABLE' as MtlsMode })),
    );
    expect(problems[0]).toMatch(/'mtlsMode' must be one of STRICT, PERMISSIVE; got "DISABLE"/);
  });

  it('is still exported under its old name MeshPolicy (deprecated)', () => {
    const objects = synthConstructs(scope => {
      const policy: MeshPolicy = new MeshPolicy(scope, 'Mesh', { rootNamespace: 'istio-system', mtlsMode: MtlsMode.STRICT });
      expect(policy).toBeInstanceOf(MeshPeerAuthentication);
    });
    expect(only(objects, 'PeerAuthentication').spec).toEqual({ mtls: { mode: 'STRICT' } });
  });
});
