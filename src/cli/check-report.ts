/**
 * The report of `check`: text, JSON or GitHub workflow commands, and the rule catalog.
 */
import { describe as describeObject } from '../checks/rules/util';
import { ALL_RULES, LocatedManifest, MeshRule, RuleResult, Severity } from '../checks/rules';
import { ResolvedEnvironment } from '../config/resolve-environment';

/** Output formats of the report. */
export enum ReportFormat {
  TEXT = 'text',
  JSON = 'json',
  GITHUB = 'github',
}

/** The objects checked together: one environment, one kustomization build, or loose files. */
export interface CheckGroup {
  readonly name: string;
  readonly env?: ResolvedEnvironment;
  readonly objects: LocatedManifest[];
  /** What was checked together, for the report: kustomization builds and loose files. */
  readonly units: Set<string>;
}

/** A rule's result, with the group it was found in. */
export type GroupedResult = RuleResult & { readonly group: string };

/** Everything a check run found. */
export interface CheckOutcome {
  readonly groups: readonly CheckGroup[];
  /** Files that could not be checked. */
  readonly readErrors: readonly string[];
  /** Paths not read, with why. */
  readonly skipped: readonly string[];
  readonly results: readonly GroupedResult[];
  readonly silenced: readonly GroupedResult[];
  readonly errors: number;
  readonly warnings: number;
  readonly objects: number;
}

/** The lines of the report of a check run. */
export function reportLines(format: ReportFormat, outcome: CheckOutcome): string[] {
  const { groups, readErrors, skipped, results, silenced, errors, warnings, objects } = outcome;
  const lines: string[] = [];
  switch (format) {
    case ReportFormat.JSON:
      lines.push(
        JSON.stringify(
          {
            summary: { objects, errors, warnings, silenced: silenced.length },
            units: [...groups.values()].map(g => ({ environment: g.name, checked: [...g.units] })),
            readErrors,
            skipped,
            results: results.map(r => ({
              environment: r.group,
              file: r.object.file,
              object: describeObject(r.object),
              rule: r.rule.id,
              severity: r.rule.severity,
              title: r.rule.title,
              message: r.message,
              fix: r.fix,
              why: r.rule.why,
            })),
            silenced: silenced.map(r => ({
              environment: r.group,
              file: r.object.file,
              rule: r.rule.id,
              message: r.message,
              reason: r.silencedBecause,
            })),
          },
          null,
          2,
        ),
      );
      break;
    case ReportFormat.GITHUB:
      for (const e of readErrors) lines.push(`::error::${e}`);
      for (const n of skipped) lines.push(`::notice::${n}`);
      for (const r of results)
        lines.push(
          `::${r.rule.severity === Severity.ERROR ? 'error' : 'warning'} file=${r.object.file},title=${r.rule.id}::${r.message}. fix: ${r.fix}`,
        );
      for (const r of silenced)
        lines.push(`::notice file=${r.object.file},title=${r.rule.id} (silenced)::${r.message}. reason: ${r.silencedBecause}`);
      break;
    default: {
      for (const g of groups.values()) lines.push(`checked together${g.env ? ` as environment ${g.name}` : ''}: ${[...g.units].join('; ')}`);
      for (const e of readErrors) lines.push(`error  ${e}`);
      for (const n of skipped) lines.push(`skipped  ${n}`);
      let file = '';
      for (const r of results) {
        if (r.object.file !== file) {
          file = r.object.file;
          lines.push(`\n${file}`);
        }
        lines.push(`  ${r.rule.severity.padEnd(7)} ${r.rule.id}  ${r.message}`);
        lines.push(`          fix: ${r.fix}`);
      }
      if (silenced.length > 0) {
        lines.push(`\nsilenced (${silenced.length}):`);
        for (const r of silenced) lines.push(`  ${r.object.file}  ${r.rule.id}  ${r.message}\n          reason: ${r.silencedBecause}`);
      }
      lines.push(
        `\n${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${silenced.length} silenced; ${objects} objects checked`,
      );
    }
  }
  return lines;
}

/** The rule catalog as a Markdown table. */
export function rulesTable(rules: readonly MeshRule[] = ALL_RULES): string {
  const rows = rules.map(
    r => `| \`${r.id}\` | ${r.severity}${r.warnsWhen ? ` (warning when ${r.warnsWhen})` : ''} | ${r.title} | ${r.why} | ${r.fix} |`,
  );
  return ['| rule | severity | what | why | fix |', '|---|---|---|---|---|', ...rows].join('\n');
}
