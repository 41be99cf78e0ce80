import { describe, expect, it } from 'vitest';
import { buildFlux, buildPlatform } from '../fixtures/platform';
import { ENVIRONMENTS } from '../fixtures/platform';
import { parse, parseAllDocuments } from 'yaml';
import { FluxKustomizations, FluxKustomizationsProps, Manifest, NamespaceShards, synthesize } from '../../src';
import { crdSchemas, findByKind, synthConstructs, synthProblems } from '../util';

function kustomizations(props: Partial<FluxKustomizationsProps> = {}): Array<Manifest & Record<string, any>> {
  return findByKind(
    synthConstructs(scope => new FluxKustomizations(scope, 'Flux', { path: './dist/prod', ...props })),
    'Kustomization',
  ) as any;
}

/** The objects of the files a folder's kustomization.yaml lists (the files are written by the synth). */
function folderObjects(files: ReadonlyMap<string, string>, folder: string): Manifest[] {
  const k = parse(files.get(`${folder}/kustomization.yaml`)!);
  return (k.resources as string[]).flatMap(f =>
    parseAllDocuments(files.get(`${folder}/${f}`)!)
      .map(d => d.toJS() as Manifest)
      .filter(Boolean),
  );
}

/**
 * Synthesize an environment and its Kustomizations as npm run synth does, and check that each
 * object is in the folder of exactly one Kustomization and that the top-level kustomization.yaml
 * lists the same folders.
 */
function appliedOnce(configs: typeof ENVIRONMENTS) {
  const [env] = synthesize(configs, buildPlatform, { schemas: crdSchemas() });
  const [flux] = synthesize(configs, buildFlux, { schemas: crdSchemas(), stageFolders: false });
  const files = new Map(env.files.map(f => [f.name, f.content]));
  const ks = flux.charts.flatMap(c => c.objects).filter(o => o.kind === 'Kustomization') as any[];
  const folderOf = (k: any) => (k.spec.path as string).slice(`./dist/${env.env.name}/`.length);
  const applied = ks.flatMap(k => folderObjects(files, folderOf(k)).map(o => JSON.stringify(o)));
  expect(applied.sort()).toEqual(
    env.charts
      .flatMap(c => c.objects)
      .map(o => JSON.stringify(o))
      .sort(),
  );
  const shardFolders = ks
    .map(folderOf)
    .filter((f: string) => f.startsWith('namespaces'))
    .sort();
  expect(parse(files.get('kustomization.yaml')!).resources).toEqual(['control-plane', 'config', ...shardFolders]);
  return { env, files, ks, folderOf, shardFolders };
}

describe('FluxKustomizations', () => {
  it('applies the environment in three stages: control plane after the infrastructure, then config, then namespaces', () => {
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
      expect(k.spec.path.startsWith('./dist/prod/')).toBe(true);
      expect(k.spec).toMatchObject({ prune: true, wait: true, interval: '10m', sourceRef: { kind: 'GitRepository', name: 'flux-system' } });
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

  it('applies one folder each, and one Kustomization per shard of namespaces after the config', () => {
    const ks = kustomizations({ namespaceFolders: ['namespaces-1', 'namespaces-0'] });
    const byName = Object.fromEntries(ks.map(k => [k.metadata.name, { path: k.spec.path, after: (k.spec.dependsOn ?? []).map((d: any) => d.name) }]));
    expect(byName).toEqual({
      'mesh-control-plane': { path: './dist/prod/control-plane', after: ['infrastructure'] },
      'mesh-config': { path: './dist/prod/config', after: ['mesh-control-plane'] },
      'mesh-namespaces-0': { path: './dist/prod/namespaces-0', after: ['mesh-config'] },
      'mesh-namespaces-1': { path: './dist/prod/namespaces-1', after: ['mesh-config'] },
    });
    // No Kustomization builds the whole environment and deletes what it does not own.
    expect(ks.every(k => k.spec.patches === undefined)).toBe(true);
  });

  it.each(ENVIRONMENTS.map(e => e.name))(
    '%s: every object of dist/<env>/ is applied by exactly one stage, Istio resources only after the Helm releases',
    name => {
      const { env, files, ks, folderOf } = appliedOnce(ENVIRONMENTS.filter(e => e.name === name));
      const stage = (suffix: string) => folderObjects(files, folderOf(ks.find(k => k.metadata.name === `mesh-${suffix}`)));
      const controlPlane = stage('control-plane');
      expect(new Set(controlPlane.map(o => o.kind))).toEqual(
        new Set(['Namespace', 'HelmRepository', 'HelmRelease', ...(env.env.encryptedStorage ? ['StorageClass'] : [])]),
      );
      expect(controlPlane.filter(o => o.apiVersion.includes('istio.io'))).toEqual([]);
      expect(stage('config').map(o => o.kind)).toEqual(
        expect.arrayContaining(['PeerAuthentication', 'Telemetry', 'Gateway', 'Ingress', 'Certificate']),
      );
      expect(stage('namespaces').every(o => o.metadata.labels?.['mesh.eks-istio-mesh.io/team'])).toBe(true);
      expect(
        stage('namespaces')
          .filter(o => o.kind === 'Namespace')
          .map(o => o.metadata.name)
          .sort(),
      ).toEqual(Object.keys(env.env.namespaces).sort());
    },
  );

  it('shards namespaces into folders of at most 25; adding one moves none unless its shard splits, and then only that shard', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `team-${String(i).padStart(4, '0')}`);
    expect(NamespaceShards.of(names(25)).folders).toEqual(['namespaces']);
    expect(NamespaceShards.of(names(26)).folders).not.toEqual(['namespaces']);
    for (const [n, size] of [
      [26, 25],
      [200, 25],
      [1000, 25],
      [1000, 7],
      [51, 50],
    ]) {
      const shards = size === 25 ? NamespaceShards.of(names(n)) : NamespaceShards.of(names(n), size);
      const sizes = new Map<string, number>();
      for (const ns of names(n)) sizes.set(shards.folderOf(ns), (sizes.get(shards.folderOf(ns)) ?? 0) + 1);
      expect([...sizes.keys()].every(f => shards.folders.includes(f))).toBe(true);
      expect(Math.max(...sizes.values())).toBeLessThanOrEqual(size);
      expect(shards.folders.length).toBeLessThanOrEqual(Math.ceil(n / size) * 4);
    }
    // Growing one namespace at a time from 1 to 400: a namespace only ever moves when its own shard splits.
    let before = NamespaceShards.of([]);
    for (let n = 1; n <= 400; n++) {
      const after = NamespaceShards.of(names(n));
      for (const ns of names(n - 1)) {
        const from = before.folderOf(ns);
        const to = after.folderOf(ns);
        if (from !== to) {
          expect(after.folders).not.toContain(from);
          expect(to.startsWith(from)).toBe(true);
        }
      }
      before = after;
    }
    // The same set gives the same folders, whatever the order.
    expect(NamespaceShards.of([...names(300)].reverse()).folders).toEqual(NamespaceShards.of(names(300)).folders);
  });

  it('writes the namespaces of an environment with flux.namespacesPerFolder into folders of that size, each applied by its own Kustomization', () => {
    // GIVEN dev (three app-team namespaces) with one namespace per folder
    const dev = ENVIRONMENTS.find(e => e.name === 'dev')!;
    expect(Object.keys(dev.namespaces ?? {})).toHaveLength(3);
    const { files, ks, shardFolders } = appliedOnce([{ ...dev, flux: { ...dev.flux, namespacesPerFolder: 1 } }]);
    // THEN every namespace has a folder of its own, and each folder a Kustomization after the config
    expect(shardFolders.length).toBeGreaterThanOrEqual(3);
    const namespacesPerFolder = shardFolders.map(f => folderObjects(files, f).filter(o => o.kind === 'Namespace').length);
    expect(namespacesPerFolder.filter(n => n > 0)).toEqual([1, 1, 1]);
    for (const k of ks.filter(k => k.metadata.name.startsWith('mesh-namespaces-')))
      expect(k.spec.dependsOn.map((d: any) => d.name)).toEqual(['mesh-config']);
    // and by default the three share one folder
    expect(appliedOnce([dev]).shardFolders).toEqual(['namespaces']);
  });

  it('fails when it would depend on itself, and on a path outside the repository', () => {
    const problems = synthProblems(() => kustomizations({ dependsOn: ['mesh-config'], path: '../dist/prod' }));
    expect(problems).toEqual([
      '[test] test/Flux: \'path\' must be a path inside the repository starting with ./; got "../dist/prod". fix: e.g. ./dist/prod',
      "[test] test/Flux: 'dependsOn' is one of the mesh Kustomizations itself; got \"mesh-config\". fix: name the cluster's infrastructure Kustomizations",
    ]);
  });

  it('refuses a namespace folder that is no shard, and a shard name in dependsOn', () => {
    const problems = synthProblems(() => kustomizations({ namespaceFolders: ['namespaces-01', '../teams'], dependsOn: ['mesh-namespaces-01'] }));
    expect(problems).toEqual([
      "[test] test/Flux: 'dependsOn' is one of the mesh Kustomizations itself; got \"mesh-namespaces-01\". fix: name the cluster's infrastructure Kustomizations",
      "[test] test/Flux: 'namespaceFolders' is not a folder of namespace shards ('namespaces' or 'namespaces-<bits>'); got \"../teams\". fix: pass NamespaceShards.ofEnvironment(<the environment>).folders",
    ]);
  });
});
