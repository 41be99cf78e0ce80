/**
 * The migration gate over two syntheses: a namespace whose state in the head skips the safe
 * intermediate state from its state in the base (the same rule the synth applies against the
 * committed folder, see `checks/migration/gates.ts`).
 */
import { KubeObject } from '../core/manifest';
import { byCodePoint } from '../core/sort';
import { unsafeStep } from '../checks/migration/gates';
import { describeState, statesFromObjects } from '../checks/migration/state';
import { Risk, RiskClass } from './classify';

/**
 * The steps from the base's namespace states to the head's that skip a safe intermediate state, one
 * per namespace, by environment and namespace. A reason in the config (`unsafeTransitionBecause`)
 * is not in the synthesized files, so a step the synth let pass with a reason is listed too.
 */
export function classifyMigrationSteps(
  before: ReadonlyMap<string, readonly KubeObject[]>,
  after: ReadonlyMap<string, readonly KubeObject[]>,
): Risk[] {
  const risks: Risk[] = [];
  for (const environment of [...after.keys()].filter(e => before.has(e)).sort(byCodePoint)) {
    const was = statesFromObjects(before.get(environment)!);
    const now = statesFromObjects(after.get(environment)!);
    for (const namespace of [...now.keys()].sort(byCodePoint)) {
      const from = was.get(namespace);
      const to = now.get(namespace)!;
      const step = from ? unsafeStep(from, to) : undefined;
      if (!from || !step) continue;
      risks.push({
        riskClass: RiskClass.MIGRATION_STEP_SKIPPED,
        environment,
        object: `Namespace ${namespace}`,
        message: `${describeState(from)} -> ${describeState(to)} ${step.message}; ${step.fix}`,
      });
    }
  }
  return risks;
}
