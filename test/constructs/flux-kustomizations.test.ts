import { describe, expect, it } from 'vitest';
import { buildPlatform } from '../../charts/platform';
import { ENVIRONMENTS } from '../../charts/environments';
import { FluxKustomizations, FluxKustomizationsProps, Manifest, synthesize } from '../../src';
import { crdSchemas, findByKind, synthConstructs, synthProblems } from '../util';

function kustomizations(props: Partial<FluxKustomizationsProps> = {}): Array<Manifest & Record<string, any>> {
  return findByKind(synthConstructs(scope => new FluxKustomizations(scope, 'Flux', { path: './dist/prod', ...props })), 'Kustomization') as any;
}

/** Evaluates the equality and existence label selectors the Kustomizations use, as kustomize does. */
function matches(selector: string, labels: Record<string, string>): boolean {
  return selector.split(',').every(term => {
    const t = term.trim();
    if (t.startsWith('!')) return !(t.slice(1) in labels);
    const ne = t.indexOf('!=');
    if (ne > 0) return labels[t.slice(0, ne)] !== t.slice(ne + 2);
    const eq = t.indexOf('=');
    if (eq > 0) return labels[t.slice(0, eq)] === t.slice(eq + 1);
    return t in labels;
  });
}

/** The objects a Kustomization keeps: those no delete patch selects. */
function kept(k: any, objects: readonly Manifest[]): Manifest[] {
  return objects.filter(o => !k.spec.patches.some((p: any) => p.patch.startsWith('$patch: delete') && matches(p.target.labelSelector, o.metadata.labels ?? {})));
}

describe('FluxKustomizations', () => {
  it('applies the folder in three stages: control plane after the infrastructure, then config, then namespaces', () => {
    // WHEN
    const ks = kustomizations({ dependsOn: ['infra-controllers', 'infra-configs'] });
    // THEN
    const graph = Object.fromEntries(ks.map(k => [k.metadata.name, (k.spec.dependsOn ?? []).map((d: any) => d.name)]));
    expect(graph).toEqual({
      'mesh-control-plane': ['infra-configs', 'infra-controllers'],
      'mesh-config': ['mesh-control-plane'],
      'mesh-namespaces': ['mesh-config'],
    });
    for (const k of ks) {
      expect(k.metadata.namespace).toBe('flux-system');
      expect(k.spec).toMatchObject({ path: './dist/prod', prune: true, wait: true, interval: '10m', sourceRef: { kind: 'GitRepository', name: 'flux-system' } });
    }
  });

  it('takes names, namespace and source from its props', () => {
    const ks = kustomizations({ prefix: 'istio', namespace: 'gitops', sourceName: 'platform', interval: '5m', dependsOn: [] });
    expect(ks.map(k => k.metadata.name).sort()).toEqual(['istio-config', 'istio-control-plane', 'istio-namespaces']);
    const cp = ks.find(k => k.metadata.name === 'istio-control-plane')!;
    expect(cp.spec.dependsOn).toBeUndefined();
    expect(cp.spec).toMatchObject({ interval: '5m', sourceRef: { kind: 'GitRepository', name: 'platform' } });
    expect(cp.metadata.namespace).toBe('gitops');
  });

  it.each(ENVIRONMENTS.map(e => e.name))('%s: every object of dist/<env>/ is applied by exactly one stage, Istio resources only after the Helm releases', name => {
    // GIVEN the environment's objects and its Kustomizations
    const [env] = synthesize(ENVIRONMENTS.filter(e => e.name === name), buildPlatform, { schemas: crdSchemas() });
    const objects = env.charts.flatMap(c => c.objects);
    const ks = kustomizations();
    const stage = (suffix: string) => kept(ks.find(k => k.metadata.name === `mesh-${suffix}`)!, objects);
    // THEN
    const counts = objects.map(o => ks.filter(k => kept(k, objects).includes(o)).length);
    expect(counts.every(c => c === 1)).toBe(true);
    const controlPlane = stage('control-plane');
    expect(new Set(controlPlane.map(o => o.kind))).toEqual(new Set(['Namespace', 'HelmRepository', 'HelmRelease', ...(env.env.encryptedStorage ? ['StorageClass'] : [])]));
    expect(controlPlane.filter(o => o.apiVersion.includes('istio.io'))).toEqual([]);
    expect(stage('config').map(o => o.kind)).toEqual(expect.arrayContaining(['PeerAuthentication', 'Telemetry', 'Gateway', 'Ingress', 'Certificate']));
    expect(stage('namespaces').every(o => o.metadata.labels?.['mesh.eks-istio-mesh.io/team'])).toBe(true);
    expect(stage('namespaces').filter(o => o.kind === 'Namespace').map(o => o.metadata.name).sort()).toEqual(Object.keys(env.env.namespaces).sort());
  });

  it('fails when it would depend on itself, and on a path outside the repository', () => {
    const problems = synthProblems(() => kustomizations({ dependsOn: ['mesh-config'], path: '../dist/prod' }));
    expect(problems).toEqual([
      "[test] test/Flux: 'path' must be a path inside the repository starting with ./; got \"../dist/prod\". fix: e.g. ./dist/prod",
      "[test] test/Flux: 'dependsOn' is one of the mesh Kustomizations itself; got \"mesh-config\". fix: name the cluster's infrastructure Kustomizations",
    ]);
  });
});
