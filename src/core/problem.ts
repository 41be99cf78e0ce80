/**
 * Problems, the one shape every check reports in, and the error that carries them.
 *
 * A problem names the field, the value it got, what is wrong and how to fix it. Checks collect all
 * their problems; the synth reports every problem of every environment in one run. The hooks that
 * attach checks to constructs are in `constructs/checks.ts`.
 */

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
  let text: string;
  try {
    // Functions and symbols have no JSON; BigInts make JSON.stringify throw.
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
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
    super(
      `synth failed with ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was written:\n  ${problems.map(formatLocated).join('\n  ')}`,
    );
    this.name = 'SynthError';
    this.problems = problems;
  }
}
