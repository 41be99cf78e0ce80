/**
 * Stage 4: `kustomize build` of the folder, and of each of its stage folders (what Flux's
 * kustomize-controller applies), gives exactly the objects of the folder's files: none left out of `kustomization.yaml`, none added or
 * renamed by it, none changed by it, none twice.
 */
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { outputTail, run } from './exec';
import { describe, FileObject, Finding, identity, KubeObject, stageFolders } from './manifests';

/** Count of each identity in a list of objects. */
function countIdentities(objects: readonly KubeObject[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(identity(o), (counts.get(identity(o)) ?? 0) + 1);
  return counts;
}

/**
 * Compare the objects kustomize builds with the objects of the files.
 *
 * @returns one finding per identity that differs in count or content
 */
export function compareObjectSets(folder: string, files: readonly FileObject[], built: readonly KubeObject[]): Finding[] {
  const findings: Finding[] = [];
  const fromFiles = countIdentities(files.map(f => f.object));
  const fromBuild = countIdentities(built);
  const fileOf = new Map(files.map(f => [identity(f.object), f.file]));
  const all = [...new Set([...fromFiles.keys(), ...fromBuild.keys()])].sort();
  for (const id of all) {
    const inFiles = fromFiles.get(id) ?? 0;
    const inBuild = fromBuild.get(id) ?? 0;
    const base = { stage: 'kustomize' as const, folder, file: fileOf.get(id), object: id.split(' ').slice(1).join(' '), level: 'error' as const };
    if (inBuild === 0) {
      findings.push({ ...base, message: `${id} is in ${fileOf.get(id)} but not in \`kustomize build\`. fix: list ${fileOf.get(id)} in kustomization.yaml (or remove the file)` });
    } else if (inFiles === 0) {
      findings.push({ ...base, message: `\`kustomize build\` emits ${id}, which no file of the folder holds (generated, renamed or pulled in by kustomization.yaml). fix: keep kustomization.yaml a plain list of the folder's files` });
    } else if (inFiles > 1) {
      findings.push({ ...base, message: `${id} is defined ${inFiles} times in the files. fix: keep one definition per object` });
    } else if (inBuild > 1) {
      findings.push({ ...base, message: `\`kustomize build\` emits ${id} ${inBuild} times. fix: list each file once in kustomization.yaml` });
    }
  }
  for (const f of files) {
    const match = built.find(b => identity(b) === identity(f.object));
    if (match && fromFiles.get(identity(f.object)) === 1 && !isDeepStrictEqual(match, f.object)) {
      findings.push({
        stage: 'kustomize', folder, file: f.file, object: describe(f.object), level: 'error',
        message: `\`kustomize build\` changes ${identity(f.object)} (kustomization.yaml patches, labels or prefixes it), so the file is not what is applied. fix: keep kustomization.yaml a plain list of the folder's files`,
      });
    }
  }
  return findings;
}

/**
 * Run `kustomize build <folder>` and compare its objects with the files'; then the same for each
 * stage folder (what one Flux Kustomization builds) with the files inside it.
 */
export async function kustomizeStage(kustomize: string, folderPath: string, folder: string, files: readonly FileObject[]): Promise<Finding[]> {
  const findings = await buildAndCompare(kustomize, folderPath, folder, files);
  for (const sub of stageFolders(folderPath)) {
    const inSub = files.filter(f => f.file.startsWith(`${sub}/`));
    findings.push(...(await buildAndCompare(kustomize, path.join(folderPath, sub), `${folder}/${sub}`, inSub)));
  }
  return findings;
}

async function buildAndCompare(kustomize: string, folderPath: string, folder: string, files: readonly FileObject[]): Promise<Finding[]> {
  const r = await run(kustomize, ['build', folderPath], { timeoutMs: 120_000 });
  if (r.code !== 0 || r.error) {
    return [{ stage: 'kustomize', folder, level: 'error', message: `\`kustomize build\` failed (${r.error ?? `exit ${r.code}`}):\n    ${outputTail(r)}` }];
  }
  const built = parseAllDocuments(r.stdout).map(d => d.toJS() as KubeObject | null).filter((o): o is KubeObject => !!o);
  return compareObjectSets(folder, files, built);
}
