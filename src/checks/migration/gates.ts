/**
 * The migration gates: promotion order between environments, and safe steps over time.
 *
 * (The third gate, mesh-wide STRICT only once every namespace is in the mesh, is part of the
 * environment config's validation.)
 */
import { DataplaneMode, MtlsMode } from '../../config/environment-config';
import { LocatedProblem } from '../../core/problem';
import { DATAPLANE_PROGRESS, describeState, EnvironmentState, MTLS_PROGRESS, NamespaceState } from './state';

/**
 * Where an environment's config is defined, for messages (`SynthOptions.configSource`).
 */
export type ConfigSource = (environment: string) => string;

/** Without a config source, messages name the config type. */
const DEFAULT_SOURCE: ConfigSource = () => 'EnvironmentConfig';

/**
 * Promotion order: no environment may be ahead of the one before it (lab -> dev -> ... -> prod),
 * unless its config says why.
 *
 * @param states every environment, in promotion order
 * @param source where each environment's config is defined, for messages
 */
export function checkPromotion(states: readonly EnvironmentState[], source: ConfigSource = DEFAULT_SOURCE): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  for (let i = 1; i < states.length; i++) {
    const prev = states[i - 1];
    const cur = states[i];
    const at = (field: string, value: unknown, message: string, fix: string) =>
      problems.push({ environment: cur.env.name, path: source(cur.env.name), field, value, message, fix });
    if (MTLS_PROGRESS[cur.env.istio.mtlsMode] > MTLS_PROGRESS[prev.env.istio.mtlsMode] && !cur.env.istio.mtlsAheadOfPreviousBecause) {
      at(
        'istio.mtlsMode',
        cur.env.istio.mtlsMode,
        `is ahead of ${prev.env.name}, which is still ${prev.env.istio.mtlsMode}: environments are promoted in order`,
        `set STRICT in ${prev.env.name} first, or give istio.mtlsAheadOfPreviousBecause`,
      );
    }
    for (const [ns, c] of cur.namespaces) {
      const reason = cur.env.namespaces[ns]?.aheadOfPreviousBecause;
      if (reason) continue;
      const p = prev.namespaces.get(ns);
      if (!p) {
        at(
          `namespaces['${ns}']`,
          describeState(c),
          `is enabled here but not in ${prev.env.name}: environments are promoted in order`,
          `enable it in ${prev.env.name} first, or give namespaces['${ns}'].aheadOfPreviousBecause`,
        );
      } else if (DATAPLANE_PROGRESS[c.dataplane] > DATAPLANE_PROGRESS[p.dataplane] || MTLS_PROGRESS[c.mtlsMode] > MTLS_PROGRESS[p.mtlsMode]) {
        at(
          `namespaces['${ns}']`,
          describeState(c),
          `is ahead of ${prev.env.name}, where it is still ${describeState(p)}`,
          `promote ${describeState(c)} to ${prev.env.name} first, or give namespaces['${ns}'].aheadOfPreviousBecause`,
        );
      }
    }
  }
  return problems;
}

/**
 * A step from `before` to `after` that skips the safe intermediate state, with that state; or
 * undefined when the step is safe.
 */
export function unsafeStep(before: NamespaceState, after: NamespaceState): { message: string; fix: string } | undefined {
  const inMesh = (s: NamespaceState) => s.dataplane !== DataplaneMode.OUT_OF_MESH;
  if (!inMesh(before) && inMesh(after) && after.mtlsMode === MtlsMode.STRICT) {
    return {
      message: `goes from out of the mesh straight to ${after.dataplane} with STRICT: clients not yet in the mesh lose access at once`,
      fix: `enrol it as ${after.dataplane} with PERMISSIVE first (namespaces[...].mtlsMode), then set STRICT once every client is in the mesh`,
    };
  }
  const switching = inMesh(before) && inMesh(after) && before.dataplane !== after.dataplane;
  if (switching && (before.mtlsMode === MtlsMode.STRICT || after.mtlsMode === MtlsMode.STRICT)) {
    return {
      message: `switches from ${before.dataplane} to ${after.dataplane} under STRICT: while pods restart, some run without a proxy and their calls are refused`,
      fix: `set PERMISSIVE first (still ${before.dataplane}), then switch to ${after.dataplane}, then set STRICT again`,
    };
  }
  return undefined;
}

/**
 * Steps between what is committed (the previous synthesis) and what is synthesized now.
 *
 * @param previous the namespace states of the committed folder of this environment
 * @param source where each environment's config is defined, for messages
 */
export function checkTransitions(
  previous: ReadonlyMap<string, NamespaceState>,
  current: EnvironmentState,
  source: ConfigSource = DEFAULT_SOURCE,
): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  for (const [ns, after] of current.namespaces) {
    const before = previous.get(ns);
    const step = before ? unsafeStep(before, after) : undefined;
    if (step && !current.env.namespaces[ns]?.unsafeTransitionBecause) {
      problems.push({
        environment: current.env.name,
        path: source(current.env.name),
        field: `namespaces['${ns}']`,
        value: `${describeState(before!)} -> ${describeState(after)}`,
        message: step.message,
        fix: `${step.fix}; or give namespaces['${ns}'].unsafeTransitionBecause`,
      });
    }
  }
  problems.push(...checkRetirements(previous, current, source));
  return problems;
}

/**
 * Namespaces the committed folder holds that are no longer enabled: each needs a reason in
 * `retiredNamespaces`, since Flux then prunes its policies (the Namespace stays, prune disabled).
 *
 * @param previous the namespace states of the committed folder of this environment
 * @param source where each environment's config is defined, for messages
 */
export function checkRetirements(
  previous: ReadonlyMap<string, NamespaceState>,
  current: EnvironmentState,
  source: ConfigSource = DEFAULT_SOURCE,
): LocatedProblem[] {
  const env = current.env.name;
  return [...previous.keys()]
    .filter(ns => !current.namespaces.has(ns) && !current.env.retiredNamespaces[ns])
    .sort()
    .map(ns => ({
      environment: env,
      path: source(env),
      field: `namespaces['${ns}']`,
      value: describeState(previous.get(ns)!),
      message:
        `is in dist/${env}/ but no longer enabled in ${env}: Flux would prune its NetworkPolicies, AuthorizationPolicies and PeerAuthentication while its workloads may still run. ` +
        'The Namespace itself is not deleted (kustomize.toolkit.fluxcd.io/prune: disabled)',
      fix:
        `drain the workloads, then give retiredNamespaces: { '${ns}': '<ticket: why, and that it is drained>' } in ${source(env)} (or enable it again); ` +
        `after Flux has applied, delete the Namespace by hand (kubectl delete namespace ${ns})`,
    }));
}
