/**
 * The recorded flow decisions a report may be given, and what the diagram and the table read of
 * them: the declared flows into a namespace, their source, whether they passed a waypoint.
 */
import { ResolvedEnvironment } from '../config/resolve-environment';
import { FlowIntent } from '../checks/flows/intent';
import { FlowStatus } from '../checks/flows/record';
import { Flow } from '../checks/flows/types';

/**
 * The recorded flow decisions of the environment (`src/checks/flows`): with them, the callers table and
 * the diagram's edges come from the decisions, and a declared flow without a decision under its
 * current fingerprint is shown as not verified instead of drawn as working.
 */
export interface MeshVerification {
  readonly intent: FlowIntent;
  readonly statuses: ReadonlyMap<string, FlowStatus>;
}

/** What the table says of a declared flow that has no current decision. */
export const NOT_VERIFIED = 'not verified (run npm run flows -- --record)';

/** The declared flows into a namespace's Services, in the intent's order. */
export function declaredInto(verification: MeshVerification, ns: string): Flow[] {
  return verification.intent.input.flows.filter(f => f.origin === 'declared' && 'service' in f.to && f.to.service.startsWith(`${ns}/`));
}

/** `ns/sa` of a flow's source, or `ingress gateway` for the ALB's requests. */
export function sourceOf(env: ResolvedEnvironment, f: Flow): string {
  if ('alb' in f.from) return 'ingress gateway';
  const rest = f.id.slice(env.name.length + 1);
  return rest.slice(0, rest.indexOf(' -> '));
}

export function throughWaypointHop(status: FlowStatus): boolean {
  return status.state !== 'not verified' && status.recorded.hops.some(h => h.component === 'waypoint' && h.decision === 'allow');
}
