/**
 * Checks and prepare steps attached to constructs: registered while the tree is built, run by the
 * synth before anything is rendered.
 */
import { Construct, IConstruct } from 'constructs';
import { LocatedProblem, Problem } from '../core/problem';

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

/**
 * Run every registered prepare step once, including steps registered by other prepare steps.
 *
 * @returns every construct of the tree once they have run (`root.node.findAll()`)
 */
export function runPrepare(root: Construct): IConstruct[] {
  const done = new Set<() => void>();
  for (;;) {
    const constructs = root.node.findAll();
    const pending = constructs.flatMap(c => (c as unknown as { [PREPARERS]?: Array<() => void> })[PREPARERS] ?? []).filter(p => !done.has(p));
    if (pending.length === 0) return constructs;
    for (const p of pending) {
      done.add(p);
      p();
    }
  }
}

/**
 * Run every check of a tree (its constructs, when the caller has them already): those registered
 * with {@link addCheck} and plain cdk8s validations.
 *
 * @returns the problems, each with its construct path
 */
export function collectProblems(root: Construct, environment: string, constructs: readonly IConstruct[] = root.node.findAll()): LocatedProblem[] {
  const found: LocatedProblem[] = [];
  for (const c of constructs) {
    // The path is built only for a construct with a problem: building it walks the scopes.
    for (const check of (c as unknown as { [PROBLEMS]?: Check[] })[PROBLEMS] ?? []) {
      for (const p of check()) found.push({ ...p, environment, path: c.node.path });
    }
    for (const message of c.node.validate()) {
      found.push({ field: '(validation)', value: undefined, message, fix: 'see the message', environment, path: c.node.path });
    }
  }
  return found;
}
