/**
 * Stage 3: `kubeconform -strict` on the folder's files, against schemas made from the pinned CRDs
 * and the API server's OpenAPI (see `schemas.ts`); no schema is fetched from anywhere else, and a
 * kind without a schema is an error.
 */
import * as path from 'node:path';
import { outputTail, run } from './exec';
import { FileObject, Finding, KUSTOMIZATION_FILES } from './manifests';
import { schemaLocation } from './schemas';

interface KubeconformResource {
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: string;
  msg: string;
  validationErrors?: Array<{ path: string; msg: string }> | null;
}

/**
 * The innermost causes of a kubeconform message (`... - at '/spec': 'allOf' failed - at '/spec':
 * additional properties 'x' not allowed`), without the "'allOf' failed" wrappers.
 */
export function leafErrors(msg: string): string[] {
  const causes = [...msg.matchAll(/- at '([^']*)': (.*?)(?=\s+- at '|$)/g)].map(m => ({ path: m[1] || '/', text: m[2].trim() }));
  return [...new Set(causes.filter(c => !/^'[^']+' failed$/.test(c.text)).map(c => `${c.path}: ${c.text}`))];
}

/** Run kubeconform on the files and turn every invalid or erroneous resource into a finding. */
export async function kubeconformStage(kubeconform: string, schemaDir: string, folderPath: string, folder: string, files: readonly string[], objects: readonly FileObject[]): Promise<Finding[]> {
  // Without file arguments kubeconform reads standard input; a folder without files is reported
  // by the run itself.
  if (files.length === 0) return [];
  const ignore = KUSTOMIZATION_FILES.map(f => f.replace(/\./g, '\\.')).join('|');
  const args = ['-strict', '-summary', '-output', 'json', '-n', '2', '-schema-location', schemaLocation(schemaDir), '-ignore-filename-pattern', `(^|/)(${ignore})$`, ...files.map(f => path.join(folderPath, f))];
  const r = await run(kubeconform, args, { timeoutMs: 300_000 });
  let parsed: { resources?: KubeconformResource[]; summary?: Record<string, number> };
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    return [{ stage: 'kubeconform', folder, level: 'error', message: `kubeconform gave no JSON report (${r.error ?? `exit ${r.code}`}):\n    ${outputTail(r)}` }];
  }
  const findings: Finding[] = [];
  for (const res of parsed.resources ?? []) {
    if (res.status === 'statusValid' || res.status === 'statusEmpty') continue;
    const file = path.relative(folderPath, res.filename);
    const match = objects.find(o => o.file === file && o.object.kind === res.kind && o.object.metadata.name === res.name);
    const object = match ? `${res.kind} ${match.object.metadata.namespace ? `${match.object.metadata.namespace}/` : ''}${res.name}` : `${res.kind} ${res.name}`;
    const details = leafErrors(res.msg);
    if (details.length === 0) details.push(...(res.validationErrors ?? []).map(e => `${e.path || '/'}: ${e.msg}`));
    findings.push({
      stage: 'kubeconform', folder, file, object, level: 'error',
      message: details.length > 0 ? details.join('; ') : `${res.status}: ${res.msg}`,
    });
  }
  // kubeconform checks files in parallel: sort for a stable report.
  findings.sort((a, b) => { const x = `${a.file} ${a.object} ${a.message}`, y = `${b.file} ${b.object} ${b.message}`; return x < y ? -1 : x > y ? 1 : 0; });
  if (findings.length === 0 && r.code !== 0) {
    findings.push({ stage: 'kubeconform', folder, level: 'error', message: `kubeconform exited ${r.code} without naming a resource:\n    ${outputTail(r)}` });
  }
  return findings;
}
