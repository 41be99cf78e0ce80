/**
 * Run rules over one environment's objects; apply silences.
 *
 * A team silences one rule on one object with the annotation
 * `silence.mesh.eks-istio-mesh.io/<rule id>: <reason>`. The reason is required and reported.
 */
import { ResolvedEnvironment } from '../config/resolve-environment';
import { Annotations } from '../lib/labels';
import { buildContext } from './context';
import { LocatedManifest, MeshRule, RuleResult, Severity } from './types';
import { annotationsOf, describe } from './util';
import { byCodePoint } from '../lib/sort';

/** What a run of the rules found. */
export interface RuleReport {
  /** Findings that count, errors first, then by file and object. */
  readonly results: readonly RuleResult[];
  /** Findings silenced by an annotation with a reason. */
  readonly silenced: readonly RuleResult[];
}

/** The reasons of silence annotations must say something. */
const MIN_REASON_LENGTH = 10;

/** Checks the silence annotations themselves: a known rule, and a reason. */
export function silenceRule(rules: readonly MeshRule[]): MeshRule {
  return {
    id: 'silence-annotation',
    severity: Severity.ERROR,
    title: 'a silence annotation names a known rule and gives a reason',
    why: 'a silenced rule hides a known mistake: reviewers need to see which one and why it is acceptable here',
    fix: `write ${Annotations.SILENCE_PREFIX}<rule id>: "<why this object is an exception>" (at least ${MIN_REASON_LENGTH} characters)`,
    check(ctx) {
      const ids = new Set(rules.map(r => r.id));
      return ctx.objects.flatMap(o => Object.entries(annotationsOf(o))
        .filter(([k]) => k.startsWith(Annotations.SILENCE_PREFIX))
        .flatMap(([k, reason]) => {
          const id = k.slice(Annotations.SILENCE_PREFIX.length);
          if (!ids.has(id)) return [{ object: o, message: `${describe(o)} silences unknown rule ${id}` }];
          if ((reason ?? '').trim().length < MIN_REASON_LENGTH) return [{ object: o, message: `${describe(o)} silences ${id} without a reason` }];
          return [];
        }));
    },
  };
}

const rank = (s: Severity) => (s === Severity.ERROR ? 0 : 1);

/**
 * Run every rule over the objects of one environment.
 *
 * @param objects every object of the environment (all charts or files together)
 * @param rules the rules to run
 * @param env the environment, when known
 */
export function runRules(objects: readonly LocatedManifest[], rules: readonly MeshRule[], env?: ResolvedEnvironment): RuleReport {
  const ctx = buildContext(objects, env);
  const all = [...rules, silenceRule(rules)];
  const results: RuleResult[] = [];
  const silenced: RuleResult[] = [];
  for (const rule of all) {
    for (const finding of rule.check(ctx)) {
      const result: RuleResult = { rule, object: finding.object, message: finding.message, fix: finding.fix ?? rule.fix };
      const reason = rule.id === 'silence-annotation' ? undefined : annotationsOf(finding.object)[`${Annotations.SILENCE_PREFIX}${rule.id}`];
      if (reason !== undefined && reason.trim().length >= MIN_REASON_LENGTH) silenced.push({ ...result, silencedBecause: reason.trim() });
      else results.push(result);
    }
  }
  const order = (a: RuleResult, b: RuleResult) => rank(a.rule.severity) - rank(b.rule.severity)
    || byCodePoint(a.object.file, b.object.file) || byCodePoint(describe(a.object), describe(b.object)) || byCodePoint(a.rule.id, b.rule.id);
  return { results: results.sort(order), silenced: silenced.sort(order) };
}
