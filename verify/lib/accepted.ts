/**
 * Findings accepted as false positives (`verify/accepted-findings.yaml`): each names the stage,
 * the tool's code (when the tool gives one), the object and a written reason. Anything else a
 * stage reports as an error or a warning fails the run.
 */
import * as fs from 'node:fs';
import { parse } from 'yaml';
import { Finding, Stage } from './manifests';

const STAGES: readonly Stage[] = ['apiserver', 'istioctl-validate', 'istioctl-analyze', 'kubeconform', 'kustomize'];

/** One accepted finding. `object` and `folder` may use `*` for any text. */
export interface Acceptance {
  readonly stage: Stage;
  /** The tool's code (istioctl analyze's IST0xxx); required for stages that give codes. */
  readonly code?: string;
  /** `Kind namespace/name` as the finding names it. */
  readonly object: string;
  /** Folders it applies to, e.g. `dist/*`. @default '*' */
  readonly folder?: string;
  /** Why this is not a problem in the generated YAML. */
  readonly reason: string;
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map(p => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/**
 * Read and check the accepted-findings file.
 *
 * @returns the entries, and a message per malformed entry (which fails the run)
 */
export function readAcceptances(file: string): { acceptances: Acceptance[]; problems: string[] } {
  if (!fs.existsSync(file)) return { acceptances: [], problems: [] };
  const doc = parse(fs.readFileSync(file, 'utf8')) as { accepted?: unknown } | null;
  const list = doc?.accepted ?? [];
  const problems: string[] = [];
  const acceptances: Acceptance[] = [];
  if (!Array.isArray(list)) return { acceptances, problems: [`${file}: 'accepted' must be a list`] };
  list.forEach((raw, i) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    const where = `${file}: accepted[${i}]`;
    const missing = ['stage', 'object', 'reason'].filter(k => typeof e[k] !== 'string' || (e[k] as string).trim() === '');
    if (missing.length > 0) problems.push(`${where} needs ${missing.join(', ')} (a written reason is required)`);
    else if (!STAGES.includes(e.stage as Stage)) problems.push(`${where}: stage '${e.stage}' is not one of ${STAGES.join(', ')}`);
    else if (e.stage === 'istioctl-analyze' && typeof e.code !== 'string') problems.push(`${where}: istioctl-analyze findings are accepted by code (IST0xxx); add 'code'`);
    else acceptances.push(e as unknown as Acceptance);
  });
  return { acceptances, problems };
}

/** The acceptance that covers a finding, if any. */
export function acceptanceFor(finding: Finding, acceptances: readonly Acceptance[]): Acceptance | undefined {
  return acceptances.find(a =>
    a.stage === finding.stage &&
    (a.code === undefined || a.code === finding.code) &&
    finding.object !== undefined && glob(a.object).test(finding.object) &&
    glob(a.folder ?? '*').test(finding.folder));
}
