/**
 * Run rules over one environment's objects; apply silences.
 *
 * A team silences one rule on one object with the annotation
 * `silence.mesh.eks-istio-mesh.io/<rule id>: <reason>`. The reason is required and reported.
 */
import { ResolvedEnvironment } from '../../config/resolve-environment';
import { Annotations } from '../../core/labels';
import { buildContext } from './context';
import { RuleFinding, LocatedManifest, MeshRule, RuleContext, RuleResult, Severity } from './types';
import { annotationsOf, describe } from './util';
import { byCodePoint } from '../../core/sort';

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
      return ctx.objects.flatMap(o =>
        Object.entries(annotationsOf(o))
          .filter(([k]) => k.startsWith(Annotations.SILENCE_PREFIX))
          .flatMap(([k, reason]) => {
            const id = k.slice(Annotations.SILENCE_PREFIX.length);
            if (!ids.has(id)) return [{ object: o, message: `${describe(o)} silences unknown rule ${id}` }];
            if ((reason ?? '').trim().length < MIN_REASON_LENGTH) return [{ object: o, message: `${describe(o)} silences ${id} without a reason` }];
            return [];
          }),
      );
    },
  };
}

const rank = (s: Severity) => (s === Severity.ERROR ? 0 : 1);

/** The last field a rule read, on which object. */
interface LastRead {
  object?: LocatedManifest;
  path?: string;
}

/**
 * An object whose reads are recorded in `last`: after a rule throws, `last` names the object and
 * the field the rule read last (the field whose value had a type the rule did not expect), e.g.
 * `spec.servers[0].hosts`.
 */
function traced(o: LocatedManifest, last: LastRead): LocatedManifest {
  const record = (at: string | undefined) => {
    last.object = o;
    last.path = at || undefined;
  };
  const wrap = (value: unknown, at: string): unknown =>
    typeof value !== 'object' || value === null
      ? value
      : new Proxy(value, {
          get(target, key, receiver) {
            const v = Reflect.get(target, key, receiver);
            if (typeof key !== 'string') return v;
            const own = Object.prototype.hasOwnProperty.call(target, key) && key !== 'length';
            const child = Array.isArray(target) && /^\d+$/.test(key) ? `${at}[${key}]` : at ? `${at}.${key}` : key;
            if (typeof v !== 'function') record(own ? child : at);
            else if (!Array.isArray(target) && !own) record(at);
            return own ? wrap(v, child) : v;
          },
        });
  return { ...o, manifest: wrap(o.manifest, '') as LocatedManifest['manifest'] };
}

/**
 * Run one rule. When it throws, find the objects it cannot read: each object alone, else the object
 * whose removal lets the rule run (it may fail only beside others, e.g. a Gateway read only for an
 * ALB Ingress). Each becomes an error finding naming the field with the unexpected value, and the
 * rule runs again over the other objects. Throws only when no object explains the failure.
 */
/** True when the rule throws without any object: the rule is broken, no object is to blame. */
function throwsOnNothing(rule: MeshRule, env: ResolvedEnvironment | undefined): boolean {
  try {
    rule.check(buildContext([], env));
    return false;
  } catch {
    return true;
  }
}

function checkIsolated(rule: MeshRule, ctx: RuleContext, env: ResolvedEnvironment | undefined): RuleFinding[] {
  let rest: readonly LocatedManifest[] = ctx.objects;
  const faults: RuleFinding[] = [];
  let first: unknown;
  for (let round = 0; round <= ctx.objects.length; round++) {
    try {
      return [...faults, ...rule.check(round === 0 ? ctx : buildContext(rest, env))];
    } catch (e) {
      first ??= e;
      if (round === 0 && throwsOnNothing(rule, env)) throw e;
      // Run again with every read recorded: the object read last before the throw is the culprit.
      const last: LastRead = {};
      let error: unknown;
      try {
        const tracedCtx = buildContext(
          rest.map(o => traced(o, last)),
          env,
        );
        delete last.object;
        delete last.path;
        rule.check(tracedCtx);
      } catch (again) {
        error = again;
      }
      const culprit = error !== undefined && last.object ? last.object : undefined;
      if (!culprit) throw first;
      const at = last.path;
      faults.push({
        object: culprit,
        severity: Severity.ERROR,
        message: `${describe(culprit)} has an unexpected value${at ? ` at ${at}` : ` (${(error as Error).message})`}; ${rule.id} checked the other objects`,
        fix: `give ${at ?? 'the field'} the type its API defines (kubectl explain ${String(culprit.manifest.kind).toLowerCase()}${at ? `.${at.replace(/\[\d+\]/g, '')}` : ''})`,
      });
      rest = rest.filter(o => o !== culprit);
    }
  }
  throw first;
}

/** The rule as reported with another severity (same id, title, why and fix). */
function withSeverity(rule: MeshRule, severity: Severity, cache: Map<string, MeshRule>): MeshRule {
  if (severity === rule.severity) return rule;
  const key = `${rule.id}/${severity}`;
  let derived = cache.get(key);
  if (!derived) cache.set(key, (derived = Object.assign(Object.create(rule) as MeshRule, { severity })));
  return derived;
}

/**
 * Run every rule over the objects of one environment.
 *
 * @param objects every object of the environment (all charts or files together)
 * @param rules the rules to run
 * @param env the environment, when known
 * @param onRuleError called for a rule that throws for reasons no object explains; the rule is then
 *   skipped. Without it, the error ends the run.
 */
export function runRules(
  objects: readonly LocatedManifest[],
  rules: readonly MeshRule[],
  env?: ResolvedEnvironment,
  onRuleError?: (rule: MeshRule, error: Error) => void,
): RuleReport {
  const ctx = buildContext(objects, env);
  const all = [...rules, silenceRule(rules)];
  const results: RuleResult[] = [];
  const silenced: RuleResult[] = [];
  const derived = new Map<string, MeshRule>();
  for (const rule of all) {
    let found: RuleFinding[];
    try {
      found = checkIsolated(rule, ctx, env);
    } catch (e) {
      if (!onRuleError) throw e;
      onRuleError(rule, e instanceof Error ? e : new Error(String(e)));
      continue;
    }
    for (const finding of found) {
      const reported = withSeverity(rule, finding.severity ?? rule.severity, derived);
      const result: RuleResult = { rule: reported, object: finding.object, message: finding.message, fix: finding.fix ?? rule.fix };
      const reason = rule.id === 'silence-annotation' ? undefined : annotationsOf(finding.object)[`${Annotations.SILENCE_PREFIX}${rule.id}`];
      if (reason !== undefined && typeof reason === 'string' && reason.trim().length >= MIN_REASON_LENGTH)
        silenced.push({ ...result, silencedBecause: reason.trim() });
      else results.push(result);
    }
  }
  const order = (a: RuleResult, b: RuleResult) =>
    rank(a.rule.severity) - rank(b.rule.severity) ||
    byCodePoint(a.object.file, b.object.file) ||
    byCodePoint(describe(a.object), describe(b.object)) ||
    byCodePoint(a.rule.id, b.rule.id);
  return { results: results.sort(order), silenced: silenced.sort(order) };
}
