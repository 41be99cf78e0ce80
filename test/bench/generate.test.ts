import { describe, expect, it } from 'vitest';
import { generatePlatform, NamespacePlan, namespaceName } from '../../bench/generate';
import { ALL_RULES, Manifest, SynthesizedEnvironment, synthesize } from '../../src';
import { crdSchemas } from '../util';

const N = 10;

function synth(seed?: number): { plans: readonly NamespacePlan[]; results: SynthesizedEnvironment[] } {
  const platform = generatePlatform({ namespaces: N, seed });
  return { plans: platform.plans, results: synthesize(platform.environments, platform.build, { schemas: crdSchemas(), rules: ALL_RULES }) };
}

const objectsOf = (r: SynthesizedEnvironment): Manifest[] => r.charts.flatMap(c => c.objects);
const count = (objects: readonly Manifest[], kind: string, group?: string) =>
  objects.filter(o => o.kind === kind && (group === undefined || o.apiVersion.startsWith(`${group}/`))).length;

describe('bench platform generator', () => {
  const { plans, results } = synth();

  it('generates five environments of N namespaces, each with its own profile class', () => {
    const platform = generatePlatform({ namespaces: N });
    expect(platform.environments.map(e => e.name)).toEqual(['lab', 'dev', 'staging', 'preprod', 'prod']);
    for (const env of platform.environments) expect(Object.keys(env.namespaces ?? {})).toEqual(plans.map(p => p.name));
    expect(Object.keys(platform.teams)).toEqual(plans.map(p => p.name));
    expect(new Set(Object.values(platform.teams)).size).toBe(N);
    expect(platform.teams[namespaceName(3)].name).toBe('Checkout0003Profile');
  });

  it('mixes ambient namespaces with and without a waypoint and sidecar namespaces, calling each other', () => {
    expect(new Set(plans.map(p => p.mode))).toEqual(new Set(['ambient', 'ambient-waypoint', 'sidecar']));
    expect(plans.some(p => p.routes.length > 0)).toBe(true);
    expect(plans.some(p => p.externalHosts.length > 0)).toBe(true);
    expect(plans.some(p => p.l7Policies.length > 0 && p.mode !== 'ambient')).toBe(true);
    expect(plans.filter(p => p.mode === 'ambient').every(p => p.l7Policies.length === 0 && p.jwtRules.length === 0)).toBe(true);
    const crossCallers = plans.flatMap(p => p.callers.filter(c => !c.external && c.namespace !== p.name));
    expect(crossCallers.length).toBeGreaterThan(N / 2);
    // Whoever calls declares the dependency, on the container ports it calls.
    for (const p of plans) {
      for (const c of p.callers.filter(c => !c.external && c.namespace !== p.name)) {
        expect(plans.find(q => q.name === c.namespace)!.dependencies.map(d => d.namespace)).toContain(p.name);
      }
    }
  });

  it('synthesizes valid environments: every schema check and mesh rule passes, with no warning but open egress', () => {
    expect(results.map(r => r.env.name)).toEqual(['lab', 'dev', 'staging', 'preprod', 'prod']);
    for (const r of results) {
      // Some generated teams reach public hosts without declared ranges: only that warning is expected.
      expect(r.warnings.filter(w => w.rule.id !== 'network-policy-egress-any')).toEqual([]);
      expect(r.silenced).toEqual([]);
    }
  });

  it('emits the objects the plans declare, in every environment', () => {
    const sidecar = plans.filter(p => p.mode === 'sidecar').length;
    const waypoints = plans.filter(p => p.mode === 'ambient-waypoint').length;
    for (const r of results) {
      const objects = objectsOf(r);
      expect(r.files.map(f => f.name)).toEqual([
        'MESH.md',
        'config/20-mesh-baseline.yaml',
        'config/30-ingress.yaml',
        'config/kustomization.yaml',
        'control-plane/kustomization.yaml',
        'kustomization.yaml',
        ...plans.map(p => `namespaces/40-${p.name}.yaml`).sort(),
        'namespaces/kustomization.yaml',
      ]);
      expect(count(objects, 'Namespace')).toBe(N);
      expect(count(objects, 'PeerAuthentication')).toBe(N + 1);
      expect(count(objects, 'VirtualService')).toBe(plans.reduce((n, p) => n + p.routes.length, 0));
      expect(count(objects, 'ServiceEntry')).toBe(plans.reduce((n, p) => n + new Set(p.externalHosts.map(h => h.host)).size, 0));
      expect(count(objects, 'DestinationRule')).toBe(plans.reduce((n, p) => n + p.trafficPolicies.length, 0));
      expect(count(objects, 'RequestAuthentication')).toBe(plans.filter(p => p.jwtRules.length > 0).length);
      expect(count(objects, 'Sidecar')).toBe(sidecar);
      expect(count(objects, 'Gateway', 'gateway.networking.k8s.io')).toBe(waypoints);
      // One default-deny per namespace, plus one on each waypoint.
      expect(objects.filter(o => o.kind === 'AuthorizationPolicy' && /default-deny$/.test(o.metadata.name!)).length).toBe(N + waypoints);
    }
  });

  it('allows callers from other namespaces by their SPIFFE principal', () => {
    const principals = objectsOf(results[0])
      .filter(o => o.kind === 'AuthorizationPolicy')
      .flatMap(o => ((o.spec as any)?.rules ?? []).flatMap((r: any) => (r.from ?? []).flatMap((f: any) => f.source?.principals ?? [])) as string[]);
    for (const p of plans) {
      for (const c of p.callers.filter(c => !c.external && c.namespace !== p.name)) {
        expect(principals).toContain(`cluster.local/ns/${c.namespace}/sa/${c.serviceAccount}`);
      }
    }
  });

  it('is deterministic: the same seed gives the same files, another seed another platform', () => {
    const again = synth().results;
    expect(again.flatMap(r => r.files)).toEqual(results.flatMap(r => r.files));
    const other = generatePlatform({ namespaces: N, seed: 2 }).plans;
    expect(other).not.toEqual(plans);
  });

  it('refuses a number of namespaces it cannot name', () => {
    expect(() => generatePlatform({ namespaces: 0 })).toThrow(/namespaces must be an integer from 1 to 9999/);
    expect(() => generatePlatform({ namespaces: 2.5 })).toThrow(/namespaces must be an integer/);
  });
});
