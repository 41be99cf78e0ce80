/**
 * The files of one environment folder: one folder per Flux Kustomization with its charts' files.
 */
import { ResolvedEnvironment } from '../config/resolve-environment';
import { byCodePoint } from '../core/sort';
import { environmentFolders, NamespaceShards } from '../constructs/layout';
import { MeshVerification, renderMeshReport } from '../report/mesh-report';
import { kustomization, toYaml } from './render';
import { SynthesizedChart, SynthesizedFile } from './types';

/** The environment's picture, beside its manifests. */
export const MESH_REPORT_FILE = 'MESH.md';

/**
 * The files of an environment, sorted by path: with `shards`, each chart's file in its stage folder
 * and a kustomization.yaml per folder; without, every file flat in the environment folder. Then the
 * top-level kustomization.yaml and (with `meshReport`) MESH.md, drawn from the recorded flow
 * decisions when `verification` gives them.
 */
export function environmentFiles(
  env: ResolvedEnvironment,
  synthesized: readonly SynthesizedChart[],
  shards: NamespaceShards | undefined,
  meshReport: boolean,
  verification?: MeshVerification,
): SynthesizedFile[] {
  const staged = shards !== undefined;
  // One folder per Flux Kustomization, each with its kustomization.yaml (empty ones too: Flux
  // applies every folder); the top-level kustomization.yaml lists the folders, for `kustomize build
  // dist/<env>` by hand.
  const folders = shards ? environmentFolders(shards) : [];
  const files: SynthesizedFile[] = [];
  // The charts of each folder, in their order, grouped in one pass (not one pass per folder).
  const byFolder = new Map<string, SynthesizedChart[]>();
  for (const c of synthesized) {
    if (c.objects.length === 0) continue;
    const list = byFolder.get(c.folder);
    if (list) list.push(c);
    else byFolder.set(c.folder, [c]);
  }
  for (const folder of folders) {
    const inFolder = byFolder.get(folder) ?? [];
    for (const c of inFolder) files.push({ name: `${folder}/${c.fileName}`, content: toYaml(c.objects) });
    files.push({ name: `${folder}/kustomization.yaml`, content: kustomization(inFolder.map(c => c.fileName)) });
  }
  const flat = staged ? [] : synthesized.filter(c => c.objects.length > 0).map(c => ({ name: c.fileName, content: toYaml(c.objects) }));
  files.push(...flat);
  files.push({ name: 'kustomization.yaml', content: kustomization(staged ? folders : flat.map(f => f.name)) });
  // Not listed in kustomization.yaml: Flux applies only the files it lists.
  if (meshReport)
    files.push({
      name: MESH_REPORT_FILE,
      content: renderMeshReport(
        env,
        synthesized.flatMap(c => c.objects),
        verification,
      ),
    });
  return files.sort((a, b) => byCodePoint(a.name, b.name));
}
