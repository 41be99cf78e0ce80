/**
 * `npm run check:corpus`: run `check` over each case of test/corpus/ and compare what it reports
 * with the case's labels. A finding is one (rule, object) pair; a label may require a severity.
 * Known problems without a rule (`rule: null`) count against recall.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ReportFormat, runCheck } from '../src';
import { ENVIRONMENTS } from '../charts/environments';

/** Counts of one rule (or of all rules). */
export interface Score {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

/** What the corpus run gives: per rule, overall, and the mismatches that explain them. */
export interface CorpusScore {
  readonly cases: number;
  readonly perRule: Map<string, Score>;
  readonly overall: Score;
  /** `case: rule object` lines: reported but not labelled, labelled but not reported. */
  readonly falsePositives: string[];
  readonly falseNegatives: string[];
}

interface Label {
  readonly rule: string | null;
  readonly object: string;
  readonly severity?: string;
}

const NO_RULE = '(no rule yet)';
const ratio = (n: number, d: number) => (d === 0 ? 1 : n / d);
export const precision = (s: Score) => ratio(s.truePositives, s.truePositives + s.falsePositives);
export const recall = (s: Score) => ratio(s.truePositives, s.truePositives + s.falseNegatives);

/** Score every case folder of `corpusDir` (folders holding a labels.yaml). */
export function scoreCorpus(corpusDir: string): CorpusScore {
  const perRule = new Map<string, Score>();
  const score = (rule: string) => {
    let s = perRule.get(rule);
    if (!s) perRule.set(rule, (s = { truePositives: 0, falsePositives: 0, falseNegatives: 0 }));
    return s;
  };
  const falsePositives: string[] = [];
  const falseNegatives: string[] = [];
  const cases = fs
    .readdirSync(corpusDir)
    .filter(c => fs.existsSync(path.join(corpusDir, c, 'labels.yaml')))
    .sort();
  for (const c of cases) {
    const labels = parse(fs.readFileSync(path.join(corpusDir, c, 'labels.yaml'), 'utf8')) as { env?: string; expected?: Label[]; known?: Label[] };
    let text = '';
    runCheck({
      paths: [path.join(corpusDir, c)],
      environments: ENVIRONMENTS,
      env: labels.env,
      format: ReportFormat.JSON,
      out: t => {
        text += t;
      },
    });
    const report = JSON.parse(text) as { results: Array<{ rule: string; object: string; severity: string }> };
    const reported = new Map<string, Set<string>>();
    for (const r of report.results) {
      const key = `${r.rule} ${r.object}`;
      reported.set(key, (reported.get(key) ?? new Set()).add(r.severity));
    }
    const expected = new Map((labels.expected ?? []).map(l => [`${l.rule} ${l.object}`, l]));
    for (const [key, severities] of reported) {
      const label = expected.get(key);
      const rule = key.split(' ')[0];
      if (label && (!label.severity || severities.has(label.severity))) score(rule).truePositives++;
      else {
        score(rule).falsePositives++;
        falsePositives.push(`${c}: ${key} (${[...severities].sort().join(', ')})`);
      }
    }
    for (const [key, label] of expected) {
      const severities = reported.get(key);
      if (!severities || (label.severity && !severities.has(label.severity))) {
        score(String(label.rule)).falseNegatives++;
        falseNegatives.push(`${c}: ${key}`);
      }
    }
    for (const k of labels.known ?? []) {
      score(k.rule ?? NO_RULE).falseNegatives++;
      falseNegatives.push(`${c}: ${k.rule ?? NO_RULE} ${k.object}`);
    }
  }
  const overall: Score = { truePositives: 0, falsePositives: 0, falseNegatives: 0 };
  for (const s of perRule.values()) {
    overall.truePositives += s.truePositives;
    overall.falsePositives += s.falsePositives;
    overall.falseNegatives += s.falseNegatives;
  }
  const sorted = new Map([...perRule.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { cases: cases.length, perRule: sorted, overall, falsePositives, falseNegatives };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The scores as a Markdown table, as the README shows them. */
export function scoreTable(s: CorpusScore): string {
  const row = (name: string, x: Score) =>
    `| ${name} | ${x.truePositives} | ${x.falsePositives} | ${x.falseNegatives} | ${pct(precision(x))} | ${pct(recall(x))} |`;
  return [
    '| rule | found | false positives | missed | precision | recall |',
    '|---|---|---|---|---|---|',
    ...[...s.perRule.entries()].map(([rule, x]) => row(rule === NO_RULE ? rule : `\`${rule}\``, x)),
    row(`**overall** (${s.cases} cases)`, s.overall),
  ].join('\n');
}

if (require.main === module) {
  const s = scoreCorpus(path.join(__dirname, '..', 'test', 'corpus'));
  console.log(scoreTable(s));
  for (const l of s.falsePositives) console.log(`false positive  ${l}`);
  for (const l of s.falseNegatives) console.log(`missed          ${l}`);
}
