/**
 * Render a semantic diff: security-relevant changes first, then every change per environment.
 */
import { Risk } from './classify';
import { describeObject } from '../core/manifest';
import { EnvironmentDiff, FieldChange } from './semantic-diff';

/** Output formats of the diff. */
export enum DiffFormat {
  MARKDOWN = 'markdown',
  TEXT = 'text',
}

const MAX_VALUE = 120;

function value(v: unknown): string {
  if (v === undefined) return '(absent)';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 3)}...` : s;
}

function field(f: FieldChange, md: boolean): string {
  const c = (s: string) => (md ? `\`${s.replace(/`/g, "'")}\`` : s);
  return `${c(f.path)}: ${c(value(f.before))} -> ${c(value(f.after))}`;
}

/**
 * Render the diff.
 *
 * @param title what was compared, e.g. `main -> working tree`
 */
export function renderDiff(diffs: readonly EnvironmentDiff[], risks: readonly Risk[], title: string, format: DiffFormat): string {
  const md = format === DiffFormat.MARKDOWN;
  const c = (s: string) => (md ? `\`${s}\`` : s);
  const out: string[] = [];
  const h = (level: number, s: string) =>
    out.push(md ? `${'#'.repeat(level)} ${s}` : level <= 2 ? `${s}\n${'='.repeat(s.length)}` : `\n${s}\n${'-'.repeat(s.length)}`);
  h(2, `Mesh changes: ${title}`);
  out.push('');
  if (risks.length === 0) {
    out.push(md ? '**No security-relevant change.**' : 'No security-relevant change.');
  } else {
    h(3, `Security-relevant changes (${risks.length})`);
    if (md) {
      out.push('', '| environment | class | object | change |', '|---|---|---|---|');
      for (const r of risks) out.push(`| ${r.environment} | ${c(r.riskClass)} | ${c(r.object)} | ${r.message.replace(/\|/g, '\\|')} |`);
    } else {
      for (const r of risks) out.push(`  [${r.environment}] ${r.riskClass}  ${r.object}: ${r.message}`);
    }
  }
  for (const d of diffs) {
    out.push('');
    const count = d.added.length + d.removed.length + d.changed.length + d.renamed.length;
    h(
      3,
      `${d.environment}: ${count === 0 ? 'no change' : `${d.added.length} added, ${d.removed.length} removed, ${d.renamed.length} renamed, ${d.changed.length} changed`}`,
    );
    const item = (s: string) => out.push(md ? `- ${s}` : `  ${s}`);
    if (d.added.length) {
      out.push('', md ? '**Added**' : 'Added:');
      d.added.forEach(o => item(c(describeObject(o))));
    }
    if (d.removed.length) {
      out.push('', md ? '**Removed**' : 'Removed:');
      d.removed.forEach(o => item(c(describeObject(o))));
    }
    if (d.renamed.length) {
      out.push(
        '',
        md
          ? '**Renamed** (same content, new name: deleted and created in the cluster)'
          : 'Renamed (same content, new name: deleted and created in the cluster):',
      );
      d.renamed.forEach(r => item(`${c(describeObject(r.before))} -> ${c(describeObject(r.after))}`));
    }
    if (d.changed.length) {
      out.push('', md ? '**Changed**' : 'Changed:');
      for (const ch of d.changed) {
        item(c(describeObject(ch.after)));
        for (const f of ch.fields) out.push(md ? `  - ${field(f, true)}` : `      ${field(f, false)}`);
      }
    }
  }
  return out.join('\n') + '\n';
}
