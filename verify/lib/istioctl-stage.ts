/**
 * Stage 2: Istio's own checks, offline.
 *
 * - `istioctl validate -f <file>`: every Istio resource through istiod's validation (what its
 *   validating webhook refuses), unknown fields included;
 * - `istioctl analyze --use-kube=false -A <files>`: the analyzers over the folder as a whole
 *   (references between objects, conflicts, deprecated or misplaced labels and annotations).
 */
import * as path from 'node:path';
import { outputTail, run } from './exec';
import { Finding } from './manifests';

/** One `* Kind/namespace/name: message` entry of `istioctl validate`. */
interface ValidateEntry {
  readonly level: 'error' | 'warning';
  readonly object?: string;
  readonly message: string;
}

/**
 * Parse `istioctl validate` output: an `Error: ...` block lists errors, a `"<file>" has warnings:`
 * block lists warnings; entries start with `* ` and may continue on following lines.
 */
export function parseValidateOutput(text: string): ValidateEntry[] {
  const entries: Array<{ level: 'error' | 'warning'; text: string }> = [];
  let level: 'error' | 'warning' | undefined;
  for (const line of text.split('\n')) {
    if (/^Error: /.test(line)) {
      level = 'error';
      const rest = line.replace(/^Error: /, '');
      if (!/^\d+ errors? occurred:$/.test(rest.trim())) entries.push({ level, text: rest.trim() });
      continue;
    }
    if (/ has warnings: ?/.test(line)) {
      level = 'warning';
      const rest = line.replace(/^.* has warnings: ?/, '').trim();
      if (rest) entries.push({ level, text: rest });
      continue;
    }
    if (/ is valid$/.test(line) || line.trim() === '') continue;
    const item = /^\s*\* (.*)$/.exec(line);
    if (item && level) entries.push({ level, text: item[1] });
    else if (entries.length > 0) entries[entries.length - 1].text += ` ${line.trim()}`;
    else if (level) entries.push({ level, text: line.trim() });
  }
  return entries.map(e => {
    const m = /^(\w+)\/([^/\s]*)\/([^:\s]+): ?(.*)$/.exec(e.text);
    if (!m) return { level: e.level, message: e.text };
    return { level: e.level, object: `${m[1]} ${m[2] ? `${m[2]}/` : ''}${m[3]}`, message: m[4] };
  });
}

/** `istioctl validate -f <file>` for each file. */
export async function istioctlValidate(istioctl: string, folderPath: string, folder: string, files: readonly string[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const file of files) {
    const r = await run(istioctl, ['validate', '-f', path.join(folderPath, file)], { timeoutMs: 120_000 });
    if (r.error && r.code === -1) {
      findings.push({ stage: 'istioctl-validate', folder, file, level: 'error', message: `istioctl validate did not run: ${r.error}` });
      continue;
    }
    const entries = parseValidateOutput(`${r.stdout}\n${r.stderr}`);
    for (const e of entries) findings.push({ stage: 'istioctl-validate', folder, file, object: e.object, level: e.level, message: e.message });
    if (r.code !== 0 && !entries.some(e => e.level === 'error')) {
      findings.push({ stage: 'istioctl-validate', folder, file, level: 'error', message: `istioctl validate exited ${r.code}:\n    ${outputTail(r)}` });
    }
  }
  return findings;
}

interface AnalyzeMessage {
  code: string;
  level: string;
  origin?: string;
  reference?: string;
  message: string;
}

/** `istioctl analyze --use-kube=false -A -o json <files>` over the whole folder. */
export async function istioctlAnalyze(istioctl: string, folderPath: string, folder: string, files: readonly string[]): Promise<Finding[]> {
  const args = ['analyze', '--use-kube=false', '--all-namespaces', '--output', 'json', '--color=false', ...files.map(f => path.join(folderPath, f))];
  const r = await run(istioctl, args, { timeoutMs: 180_000 });
  const findings: Finding[] = [];
  let messages: AnalyzeMessage[];
  try {
    messages = JSON.parse(r.stdout.trim() || '[]');
  } catch {
    return [{ stage: 'istioctl-analyze', folder, level: 'error', message: `istioctl analyze gave no JSON report (${r.error ?? `exit ${r.code}`}):\n    ${outputTail(r)}` }];
  }
  // With JSON output istioctl does not fail on files it cannot read; it says so on stderr.
  const parseErrors = /Error\(s\) adding files:[\s\S]*/.exec(r.stderr);
  if (parseErrors) findings.push({ stage: 'istioctl-analyze', folder, level: 'error', message: parseErrors[0].trim() });
  if (r.code !== 0 && !parseErrors) {
    findings.push({ stage: 'istioctl-analyze', folder, level: 'error', message: `istioctl analyze exited ${r.code}:\n    ${outputTail(r)}` });
  }
  for (const m of messages) {
    const level = m.level.toLowerCase() === 'error' ? 'error' : m.level.toLowerCase() === 'warning' ? 'warning' : 'info';
    const file = m.reference ? path.relative(folderPath, m.reference.replace(/:\d+$/, '')) : undefined;
    findings.push({ stage: 'istioctl-analyze', folder, file, object: m.origin, code: m.code, level, message: m.message });
  }
  return findings;
}
