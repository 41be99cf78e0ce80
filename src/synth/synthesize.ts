/**
 * From environment configs to the files of `dist/<env>/`, in memory.
 *
 * Every environment is resolved, built, checked and serialized before anything is written; all
 * problems of all environments are reported together in one {@link SynthError}.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { EnvironmentConfig } from '../config/environment-config';
import { resolveEnvironment, ResolvedEnvironment } from '../config/resolve-environment';
import { Manifest } from '../core/manifest';
import { LocatedProblem, SynthError } from '../core/problem';
import { byCodePoint } from '../core/sort';
import { collectProblems, runPrepare } from '../constructs/checks';
import { folderOfChart, NamespaceShards } from '../constructs/layout';
import { MeshChart } from '../constructs/mesh-chart';
import { checkPromotion, checkTransitions } from '../checks/migration/gates';
import { EnvironmentState, statesOf } from '../checks/migration/state';
import { ALL_RULES, LocatedManifest, runRules, Severity } from '../checks/rules';
import { deriveIntent, FlowIntent, ProfileView, profileViews } from '../checks/flows/intent';
import { flowStatuses, readRecorded } from '../checks/flows/record';
import { MeshVerification } from '../report/mesh-report';
import { environmentFiles } from './files';
import { compareManifests } from './render';
import { renderObjects } from './render-objects';
import { EnvironmentBuilder, SynthesizedChart, SynthesizedEnvironment, SynthOptions, SynthPhase } from './types';

/** What is left of an environment's construct tree once it is rendered: data only. */
interface Rendered {
  readonly synthesized: SynthesizedChart[];
  readonly located: LocatedManifest[];
  readonly states: EnvironmentState;
  readonly views: ProfileView[];
}

/** Reports a phase of one environment that ended now to `options.onPhase` (of rendering: the part spent validating, `schemaMs`, as the phase `schema`). */
type PhaseDone = (phase: SynthPhase, schemaMs?: number) => void;

/**
 * Build one environment's App, check it and render its objects; problems are appended to
 * `problems`. Nothing it returns refers to a construct, so the tree can be collected while the
 * rules run and the files are written.
 */
function buildAndRender(
  env: ResolvedEnvironment,
  build: EnvironmentBuilder,
  options: SynthOptions,
  problems: LocatedProblem[],
  shards: NamespaceShards | undefined,
  phaseDone: PhaseDone | undefined,
): Rendered | undefined {
  const at = (path: string, field: string, value: unknown, message: string, fix: string) =>
    problems.push({ environment: env.name, path, field, value, message, fix });
  const app = new App({ outdir: '.cdk8s.out' });
  let constructs: IConstruct[];
  try {
    build(app, env);
    constructs = runPrepare(app);
  } catch (e) {
    at(app.node.path || 'app', '(build)', undefined, `building the environment threw: ${(e as Error).message}`, 'fix the code named in the message');
    return undefined;
  }
  phaseDone?.('build');
  // Checks create no constructs: the tree as the prepare steps left it is the one rendered.
  problems.push(...collectProblems(app, env.name, constructs));
  const states = statesOf(constructs, env);
  const previous = options.previousStates?.(env.name);
  if (previous) problems.push(...checkTransitions(previous, states, options.configSource));

  const charts = constructs.filter((c): c is MeshChart => MeshChart.isMeshChart(c));
  // The objects of each chart, in tree order: one walk of the tree and one Chart.of() per object.
  const objectsOf = new Map<MeshChart, ApiObject[]>();
  for (const c of constructs) {
    if (!(c instanceof ApiObject)) continue;
    const chart = Chart.of(c);
    if (!MeshChart.isMeshChart(chart)) {
      at(c.node.path, 'scope', chart.node.id, 'is defined outside a MeshChart, so it would not be written', 'define it inside a MeshChart');
      continue;
    }
    const list = objectsOf.get(chart);
    if (list) list.push(c);
    else objectsOf.set(chart, [c]);
  }

  const byFile = new Map<string, MeshChart>();
  for (const chart of charts) {
    const other = byFile.get(chart.fileName);
    if (other) at(chart.node.path, 'fileName', chart.fileName, `is also the file of ${other.node.path}`, 'give each chart its own id or fileName');
    byFile.set(chart.fileName, chart);
    for (const dep of chart.node.dependencies) {
      const target = Chart.of(dep);
      if (MeshChart.isMeshChart(target) && target !== chart && byCodePoint(target.fileName, chart.fileName) >= 0) {
        at(
          chart.node.path,
          'dependencies',
          target.fileName,
          `depends on a chart that is applied after it (${chart.fileName})`,
          'move the dependency to an earlier ChartLayer',
        );
      }
    }
  }

  phaseDone?.('checks');
  let schemaMs = 0;
  const synthesized: SynthesizedChart[] = [];
  const located: LocatedManifest[] = [];
  for (const chart of [...charts].sort((a, b) => byCodePoint(a.fileName, b.fileName))) {
    const folder = shards ? folderOfChart(chart.layer, chart.fileName.replace(/^\d+-/, '').replace(/\.yaml$/, ''), shards) : '';
    const objects: Manifest[] = [];
    const file = [env.name, folder, chart.fileName].filter(Boolean).join('/');
    for (const c of objectsOf.get(chart) ?? []) {
      let manifest: Manifest;
      try {
        manifest = c.toJson() as Manifest;
      } catch (e) {
        at(c.node.path, '(render)', undefined, `could not be rendered: ${(e as Error).message}`, 'fix the value named in the message');
        continue;
      }
      located.push({
        manifest: manifest as LocatedManifest['manifest'],
        file,
        constructPath: c.node.path,
      });
      const started = phaseDone ? performance.now() : 0;
      for (const message of options.schemas?.validate(manifest, options.validObjects) ?? []) {
        at(
          c.node.path,
          'schema',
          `${manifest.kind} ${manifest.metadata.name}`,
          `does not match its pinned CRD schema: ${message}`,
          'set only the fields the CRD defines, with the types it gives',
        );
      }
      if (phaseDone) schemaMs += performance.now() - started;
      objects.push(manifest);
    }
    objects.sort(compareManifests);
    synthesized.push({ fileName: chart.fileName, folder, path: chart.node.path, objects });
  }
  phaseDone?.('render', schemaMs);
  return { synthesized, located, states, views: profileViews(constructs) };
}

/** Build, check and serialize one resolved environment; problems are appended to `problems`. */
function synthesizeOne(
  env: ResolvedEnvironment,
  build: EnvironmentBuilder,
  options: SynthOptions,
  problems: LocatedProblem[],
): SynthesizedEnvironment | undefined {
  const before = problems.length;
  const onPhase = options.onPhase;
  let mark = onPhase ? performance.now() : 0;
  const phaseDone = onPhase
    ? (phase: SynthPhase, schemaMs = 0) => {
        const now = performance.now();
        // What the render loop spent outside toJson() and validate() counts as rendering.
        onPhase(phase, now - mark - schemaMs, env.name);
        if (phase === 'render') onPhase('schema', schemaMs, env.name);
        mark = now;
      }
    : undefined;
  // Staged: each chart in the folder of its layer (and shard); else every file at the top.
  const shards = (options.stageFolders ?? true) ? NamespaceShards.ofEnvironment(env) : undefined;
  const rendered = buildAndRender(env, build, options, problems, shards, phaseDone);
  if (!rendered || problems.length > before) return undefined;
  const { synthesized, located, states, views } = rendered;

  const report = runRules(located, options.rules ?? ALL_RULES, env);
  for (const r of report.results.filter(r => r.rule.severity === Severity.ERROR)) {
    problems.push({
      environment: env.name,
      path: r.object.constructPath ?? r.object.file,
      field: r.rule.id,
      value: undefined,
      message: r.message,
      fix: r.fix,
      rule: { id: r.rule.id, file: r.object.file },
    });
  }
  phaseDone?.('rules');
  if (problems.length > before) return undefined;

  // The flows the profiles declare, derived only when asked for (MESH.md from decisions, npm run flows).
  const allObjects = synthesized.flatMap(c => c.objects);
  let intent: FlowIntent | undefined;
  const flows = () => (intent ??= deriveIntent(env, views, allObjects));
  let verification: MeshVerification | undefined;
  let decisionsProblem: string | undefined;
  if (options.decisionsDir !== undefined) {
    const read = readRecorded(options.decisionsDir, env.name);
    decisionsProblem = read.problem;
    verification = { intent: flows(), statuses: flowStatuses(flows(), read.recorded) };
  }
  const unverifiedFlows = verification
    ? verification.intent.input.flows.filter(f => f.origin === 'declared' && verification.statuses.get(f.id)?.state === 'not verified').length
    : 0;
  const files = environmentFiles(env, synthesized, shards, options.meshReport ?? true, verification);
  phaseDone?.('yaml');
  return {
    env,
    charts: synthesized,
    files,
    warnings: report.results.filter(r => r.rule.severity !== Severity.ERROR),
    silenced: report.silenced,
    states,
    flows,
    unverifiedFlows,
    decisionsProblem,
  };
}

/** The environments of {@link synthesize}, resolved, with the problems of each config. */
export interface PreparedEnvironments {
  /** Each config's environment, in the order given; undefined where its config has problems. */
  readonly envs: readonly (ResolvedEnvironment | undefined)[];
  /** The problems of each config (and of its name and folder among the others), in the order given. */
  readonly problems: readonly (readonly LocatedProblem[])[];
}

/**
 * Resolve every config and check what no environment can check alone: that names and Flux folders
 * are each used once.
 */
export function prepareEnvironments(configs: readonly EnvironmentConfig[], options: SynthOptions = {}): PreparedEnvironments {
  const envs: (ResolvedEnvironment | undefined)[] = [];
  const problems: LocatedProblem[][] = [];
  const names = configs.map(c => c.name);
  // Two environments applied from one folder: one cluster would run the other's manifests.
  const byFluxPath = new Map<string, string>();
  for (const config of configs) {
    const found: LocatedProblem[] = [];
    problems.push(found);
    const source = options.configSource?.(config.name) ?? 'EnvironmentConfig';
    if (names.indexOf(config.name) !== names.lastIndexOf(config.name) && names.indexOf(config.name) === configs.indexOf(config)) {
      found.push({
        environment: config.name,
        path: source,
        field: 'name',
        value: config.name,
        message: 'is used by more than one environment',
        fix: 'give each environment its own name',
      });
    }
    const t0 = options.onPhase ? performance.now() : 0;
    const { env, problems: configProblems } = resolveEnvironment(config);
    if (options.onPhase) options.onPhase('config', performance.now() - t0, String(config.name));
    found.push(...configProblems.map(p => ({ ...p, environment: String(config.name), path: source })));
    envs.push(env);
    if (!env) continue;
    const folder = env.flux.path.replace(/\/+$/, '');
    const owner = byFluxPath.get(folder);
    if (owner !== undefined && owner !== env.name) {
      found.push({
        environment: env.name,
        path: source,
        field: 'flux.path',
        value: env.flux.path,
        message: `is also the folder Flux applies for environment ${owner}: both clusters would apply the same manifests`,
        fix: `give each environment its own folder (the default is ./dist/${env.name})`,
      });
    } else {
      byFluxPath.set(folder, env.name);
    }
  }
  return { envs, problems };
}

/** Build, check and serialize one resolved environment, on its own. */
export function synthesizeEnvironment(
  env: ResolvedEnvironment,
  build: EnvironmentBuilder,
  options: SynthOptions = {},
): { readonly result?: SynthesizedEnvironment; readonly problems: readonly LocatedProblem[] } {
  const problems: LocatedProblem[] = [];
  const result = renderObjects(() => synthesizeOne(env, build, options, problems));
  return { result, problems };
}

/**
 * Resolve, build, check and serialize every environment; then check that no environment is
 * ahead of the one before it.
 *
 * @throws SynthError listing every problem of every environment; nothing is returned then
 */
export function synthesize(configs: readonly EnvironmentConfig[], build: EnvironmentBuilder, options: SynthOptions = {}): SynthesizedEnvironment[] {
  const prepared = prepareEnvironments(configs, options);
  const problems: LocatedProblem[] = [];
  const results: SynthesizedEnvironment[] = [];
  prepared.envs.forEach((env, i) => {
    problems.push(...prepared.problems[i]);
    if (!env) return;
    const one = synthesizeEnvironment(env, build, options);
    problems.push(...one.problems);
    if (one.result) results.push(one.result);
  });
  // Promotion order, across the environments given (in their order).
  if (results.length === configs.length)
    problems.push(
      ...checkPromotion(
        results.map(r => r.states),
        options.configSource,
      ),
    );
  if (problems.length > 0) throw new SynthError(problems);
  return results;
}
