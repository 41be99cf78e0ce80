/**
 * Problems, the one shape every check reports in, and the error that carries them.
 *
 * A problem names the field, the value it got, what is wrong and how to fix it. Checks collect all
 * their problems; the synth reports every problem of every environment in one run.
 */
import { Construct } from 'constructs';

/** One thing wrong with the input. */
export interface Problem {
  /** Dotted path of the field, e.g. `alb.certificateArns[0]`. */
  readonly field: string;
  /** The value received (shown as JSON). */
  readonly value: unknown;
  /** What is wrong, lowercase, no trailing period. */
  readonly message: string;
  /** What to change. */
  readonly fix: string;
}

/** Render one problem as a single line. */
export function formatProblem(p: Problem): string {
  return `'${p.field}' ${p.message}; got ${showValue(p.value)}. fix: ${p.fix}`;
}

function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** A problem located in an environment and a construct path. */
export interface LocatedProblem extends Problem {
  readonly environment: string;
  /** Construct path, or the config file for configuration problems. */
  readonly path: string;
  /** For a mesh rule's finding: the rule id (then `field` is unused) and the output file. */
  readonly rule?: { readonly id: string; readonly file: string };
}

/**
 * Render a located problem: `[env] path: 'field' message; got value. fix: ...`, or for a rule's
 * finding `[env] file (path): rule <id>: message. fix: ...`.
 */
export function formatLocated(p: LocatedProblem): string {
  if (p.rule) return `[${p.environment}] ${p.rule.file} (${p.path}): rule ${p.rule.id}: ${p.message}. fix: ${p.fix}`;
  return `[${p.environment}] ${p.path}: ${formatProblem(p)}`;
}

/**
 * Thrown when any check fails; carries every problem found, across all environments.
 */
export class SynthError extends Error {
  public readonly problems: readonly LocatedProblem[];

  constructor(problems: readonly LocatedProblem[]) {
    super(`synth failed with ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was written:\n  ${problems.map(formatLocated).join('\n  ')}`);
    this.name = 'SynthError';
    this.problems = problems;
  }
}

const PROBLEMS = Symbol.for('eks-istio-mesh.problems');

type Check = () => readonly Problem[];

/**
 * Register a check on a construct; it runs at synth, after every hook and `add*` call.
 *
 * The check returns problems (empty when all is well); {@link collectProblems} reports them with
 * the construct's path. Plain `node.addValidation` validations are collected too, as messages.
 */
export function addCheck(scope: Construct, check: Check): void {
  const holder = scope as unknown as { [PROBLEMS]?: Check[] };
  (holder[PROBLEMS] ??= []).push(check);
}

const PREPARERS = Symbol.for('eks-istio-mesh.preparers');

/**
 * Register work that must run after construction and before checks: for example calling a
 * profile's hooks, which may read fields a subclass initializes after the base constructor.
 */
export function addPrepare(scope: Construct, prepare: () => void): void {
  const holder = scope as unknown as { [PREPARERS]?: Array<() => void> };
  (holder[PREPARERS] ??= []).push(prepare);
}

/** Run every registered prepare step once, including steps registered by other prepare steps. */
export function runPrepare(root: Construct): void {
  const done = new Set<() => void>();
  for (;;) {
    const pending = root.node.findAll().flatMap(c => (c as unknown as { [PREPARERS]?: Array<() => void> })[PREPARERS] ?? []).filter(p => !done.has(p));
    if (pending.length === 0) return;
    for (const p of pending) {
      done.add(p);
      p();
    }
  }
}

/**
 * Run every check of a tree: those registered with {@link addCheck} and plain cdk8s validations.
 *
 * @returns the problems, each with its construct path
 */
export function collectProblems(root: Construct, environment: string): LocatedProblem[] {
  const found: LocatedProblem[] = [];
  for (const c of root.node.findAll()) {
    const path = c.node.path;
    for (const check of (c as unknown as { [PROBLEMS]?: Check[] })[PROBLEMS] ?? []) {
      for (const p of check()) found.push({ ...p, environment, path });
    }
    for (const message of c.node.validate()) {
      found.push({ field: '(validation)', value: undefined, message, fix: 'see the message', environment, path });
    }
  }
  return found;
}
