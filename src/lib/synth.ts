/**
 * From environment configs to the files of `dist/<env>/`, in memory.
 *
 * Every environment is resolved, built, checked and serialized before anything is written; all
 * problems of all environments are reported together in one {@link SynthError}.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { EnvironmentConfig } from '../config/environment-config';
import { resolveEnvironment, ResolvedEnvironment } from '../config/resolve-environment';
import { MeshChart } from './mesh-chart';
import { ALL_RULES, LocatedManifest, MeshRule, RuleResult, runRules, Severity } from '../rules';
import { checkPromotion, checkTransitions } from '../migration/gates';
import { EnvironmentState, NamespaceState, statesOf } from '../migration/state';
import { renderMeshReport } from '../report/mesh-report';
import { CrdSchemas } from './schema';
import { collectProblems, LocatedProblem, runPrepare, SynthError } from './validation';
import { byCodePoint } from './sort';
import { environmentFolders, folderOfChart, NamespaceShards } from './layout';
import { emitDocument } from './yaml-emitter';
import { deriveIntent, FlowIntent, profileViews } from '../flows/intent';
import { flowStatuses, readRecorded } from '../flows/record';

/** A Kubernetes object as plain JSON. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

/** One output file. */
export interface SynthesizedFile {
  /** Path inside `dist/<env>/`, with `/` between folders (e.g. `config/20-mesh-baseline.yaml`). */
  readonly name: string;
  readonly content: string;
}

/** One chart's objects, in file order. */
export interface SynthesizedChart {
  readonly fileName: string;
  /** Folder of `dist/<env>/` the file goes to (see `environmentFolders`). */
  readonly folder: string;
  readonly path: string;
  readonly objects: readonly Manifest[];
}

/** Everything one environment produced. */
export interface SynthesizedEnvironment {
  readonly env: ResolvedEnvironment;
  readonly charts: readonly SynthesizedChart[];
  /**
   * The chart files in their folders, each folder's `kustomization.yaml`, the top-level
   * `kustomization.yaml` listing the folders, and `MESH.md`; sorted by path.
   */
  readonly files: readonly SynthesizedFile[];
  /** Rule findings that do not fail the synth. */
  readonly warnings: readonly RuleResult[];
  /** Rule findings silenced by an annotation, with the reason. */
  readonly silenced: readonly RuleResult[];
  /** Where each app-team namespace stands in its migration. */
  readonly states: EnvironmentState;
  /** The environment's flows and the workloads to decide them (`src/flows`), derived on first use. */
  readonly flows: () => FlowIntent;
  /**
   * Declared flows without a recorded decision under their current fingerprint (with
   * {@link SynthOptions.decisionsDir}; else 0), and a problem reading the recorded file.
   */
  readonly unverifiedFlows: number;
  readonly decisionsProblem?: string;
}

/** Adds an environment's charts to its App. */
export type EnvironmentBuilder = (app: App, env: ResolvedEnvironment) => void;

/** A step of {@link synthesize}, as reported to {@link SynthOptions.onPhase}. */
export type SynthPhase = 'config' | 'build' | 'checks' | 'render' | 'schema' | 'rules' | 'yaml';

/** Receives the time a phase took for one environment, in milliseconds. */
export type PhaseListener = (phase: SynthPhase, milliseconds: number, environment: string) => void;

/** Options of {@link synthesize}. */
export interface SynthOptions {
  /**
   * CRD schemas to validate custom resources against.
   *
   * @default - no schema check
   */
  readonly schemas?: CrdSchemas;
  /**
   * Write `MESH.md` beside the manifests.
   *
   * @default true
   */
  readonly meshReport?: boolean;
  /**
   * The namespace states currently committed for an environment (its previous synthesis); steps
   * from them that skip a safe intermediate state are refused.
   *
   * @default - no comparison
   */
  readonly previousStates?: (environment: string) => ReadonlyMap<string, NamespaceState> | undefined;
  /**
   * Write each stage to its own folder (`control-plane/`, `config/`, the `namespaces` shards, see
   * `environmentFolders`); `false` writes every chart's file into the environment's folder itself
   * (the layout of `dist/flux/<env>/`).
   *
   * @default true
   */
  readonly stageFolders?: boolean;
  /**
   * The mesh rules to run over each environment's objects.
   *
   * @default ALL_RULES
   */
  readonly rules?: readonly MeshRule[];
  /**
   * Where each environment's config is defined, for messages.
   *
   * @default - 'EnvironmentConfig'
   */
  readonly configSource?: (name: string) => string;
  /**
   * Called after each phase of each environment with the time it took (for benchmarks). `render`
   * and `schema` are summed over the objects of the environment.
   *
   * @default - phases are not timed
   */
  readonly onPhase?: PhaseListener;
  /**
   * Folder of the recorded flow decisions (`<dir>/<env>.json`, written by `npm run flows --
   * --record`). With it, `MESH.md` draws only the declared flows recorded as allowed under their
   * current fingerprint, and marks the others as denied or not verified.
   *
   * @default - `MESH.md` is drawn from the authorization policies alone
   */
  readonly decisionsDir?: string;
}

/** The environment's picture, beside its manifests. */
export const MESH_REPORT_FILE = 'MESH.md';

/** First line of every generated file. */
export const GENERATED_HEADER = '# Generated by eks-istio-mesh (npm run synth). Do not edit: change the code or the environment config and synthesize again.\n';

/** Kinds applied first in a file; the rest follow by kind, namespace and name. */
const KIND_ORDER = ['Namespace', 'CustomResourceDefinition', 'ServiceAccount'];

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
}

function compareManifests(a: Manifest, b: Manifest): number {
  return kindRank(a.kind) - kindRank(b.kind)
    || byCodePoint(a.kind, b.kind)
    || byCodePoint(a.metadata.namespace ?? '', b.metadata.namespace ?? '')
    || byCodePoint(a.metadata.name ?? '', b.metadata.name ?? '');
}

/**
 * Serialize objects as a multi-document YAML file: YAML 1.1 scalars (so `on`/`yes` stay quoted
 * strings), no line folding, and never anchors or aliases (an object reused in two places is
 * written twice), no directives: looking for reuse and for tags to declare walks every object twice.
 * The bytes are those of `yaml`'s `stringify` with these options; `emitDocument` writes the common
 * shapes itself and hands the rest to `yaml`.
 */
export function toYaml(objects: readonly unknown[]): string {
  return GENERATED_HEADER + objects.map(emitDocument).join('---\n');
}

function kustomization(fileNames: readonly string[]): string {
  return toYaml([{ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...fileNames] }]);
}

/** Build, check and serialize one resolved environment; problems are appended to `problems`. */
function synthesizeOne(env: ResolvedEnvironment, build: EnvironmentBuilder, options: SynthOptions, problems: LocatedProblem[]): SynthesizedEnvironment | undefined {
  const at = (path: string, field: string, value: unknown, message: string, fix: string) => problems.push({ environment: env.name, path, field, value, message, fix });
  const before = problems.length;
  const onPhase = options.onPhase;
  let mark = onPhase ? performance.now() : 0;
  const phaseDone = (phase: SynthPhase) => {
    const now = performance.now();
    onPhase!(phase, now - mark, env.name);
    mark = now;
  };
  const app = new App({ outdir: '.cdk8s.out' });
  try {
    build(app, env);
    runPrepare(app);
  } catch (e) {
    at(app.node.path || 'app', '(build)', undefined, `building the environment threw: ${(e as Error).message}`, 'fix the code named in the message');
    return undefined;
  }
  if (onPhase) phaseDone('build');
  problems.push(...collectProblems(app, env.name));
  const states = statesOf(app, env);
  const previous = options.previousStates?.(env.name);
  if (previous) problems.push(...checkTransitions(previous, states));

  const charts = app.node.findAll().filter((c): c is MeshChart => MeshChart.isMeshChart(c));
  for (const c of app.node.findAll()) {
    if (c instanceof ApiObject && !MeshChart.isMeshChart(Chart.of(c))) {
      at(c.node.path, 'scope', Chart.of(c).node.id, 'is defined outside a MeshChart, so it would not be written', 'define it inside a MeshChart');
    }
  }

  const byFile = new Map<string, MeshChart>();
  for (const chart of charts) {
    const other = byFile.get(chart.fileName);
    if (other) at(chart.node.path, 'fileName', chart.fileName, `is also the file of ${other.node.path}`, 'give each chart its own id or fileName');
    byFile.set(chart.fileName, chart);
    for (const dep of chart.node.dependencies) {
      const target = Chart.of(dep);
      if (MeshChart.isMeshChart(target) && target !== chart && byCodePoint(target.fileName, chart.fileName) >= 0) {
        at(chart.node.path, 'dependencies', target.fileName, `depends on a chart that is applied after it (${chart.fileName})`, 'move the dependency to an earlier ChartLayer');
      }
    }
  }

  if (onPhase) phaseDone('checks');
  let schemaMs = 0;
  const staged = options.stageFolders ?? true;
  const shards = NamespaceShards.of(Object.keys(env.namespaces));
  const synthesized: SynthesizedChart[] = [];
  const located: LocatedManifest[] = [];
  for (const chart of [...charts].sort((a, b) => byCodePoint(a.fileName, b.fileName))) {
    const folder = !staged ? '' : folderOfChart(chart.layer, chart.fileName.replace(/^\d+-/, '').replace(/\.yaml$/, ''), shards);
    const objects: Manifest[] = [];
    for (const c of chart.node.findAll()) {
      if (!(c instanceof ApiObject) || Chart.of(c) !== chart) continue;
      let manifest: Manifest;
      try {
        manifest = c.toJson() as Manifest;
      } catch (e) {
        at(c.node.path, '(render)', undefined, `could not be rendered: ${(e as Error).message}`, 'fix the value named in the message');
        continue;
      }
      located.push({ manifest: manifest as LocatedManifest['manifest'], file: [env.name, folder, chart.fileName].filter(Boolean).join('/'), constructPath: c.node.path });
      const started = onPhase ? performance.now() : 0;
      for (const message of options.schemas?.validate(manifest) ?? []) {
        at(c.node.path, 'schema', `${manifest.kind} ${manifest.metadata.name}`, `does not match its pinned CRD schema: ${message}`, 'set only the fields the CRD defines, with the types it gives');
      }
      if (onPhase) schemaMs += performance.now() - started;
      objects.push(manifest);
    }
    objects.sort(compareManifests);
    synthesized.push({ fileName: chart.fileName, folder, path: chart.node.path, objects });
  }
  if (onPhase) {
    // What the render loop spent outside toJson() and validate() counts as rendering.
    const loop = performance.now() - mark;
    onPhase('render', loop - schemaMs, env.name);
    onPhase('schema', schemaMs, env.name);
    mark += loop;
  }
  if (problems.length > before) return undefined;

  const report = runRules(located, options.rules ?? ALL_RULES, env);
  for (const r of report.results.filter(r => r.rule.severity === Severity.ERROR)) {
    problems.push({ environment: env.name, path: r.object.constructPath ?? r.object.file, field: r.rule.id, value: undefined, message: r.message, fix: r.fix, rule: { id: r.rule.id, file: r.object.file } });
  }
  if (onPhase) phaseDone('rules');
  if (problems.length > before) return undefined;

  // One folder per Flux Kustomization, each with its kustomization.yaml (empty ones too: Flux
  // applies every folder); the top-level kustomization.yaml lists the folders, for `kustomize build
  // dist/<env>` by hand.
  const folders = staged ? environmentFolders(shards) : [];
  const files: SynthesizedFile[] = [];
  for (const folder of folders) {
    const inFolder = synthesized.filter(c => c.folder === folder && c.objects.length > 0);
    for (const c of inFolder) files.push({ name: `${folder}/${c.fileName}`, content: toYaml(c.objects) });
    files.push({ name: `${folder}/kustomization.yaml`, content: kustomization(inFolder.map(c => c.fileName)) });
  }
  const flat = staged ? [] : synthesized.filter(c => c.objects.length > 0).map(c => ({ name: c.fileName, content: toYaml(c.objects) }));
  files.push(...flat);
  files.push({ name: 'kustomization.yaml', content: kustomization(staged ? folders : flat.map(f => f.name)) });
  // Not listed in kustomization.yaml: Flux applies only the files it lists.
  const allObjects = synthesized.flatMap(c => c.objects);
  const views = profileViews(app);
  let intent: FlowIntent | undefined;
  const flows = () => (intent ??= deriveIntent(env, views, allObjects));
  let verification: Parameters<typeof renderMeshReport>[2];
  let decisionsProblem: string | undefined;
  if (options.decisionsDir !== undefined) {
    const read = readRecorded(options.decisionsDir, env.name);
    decisionsProblem = read.problem;
    verification = { intent: flows(), statuses: flowStatuses(flows(), read.recorded) };
  }
  if (options.meshReport ?? true) files.push({ name: MESH_REPORT_FILE, content: renderMeshReport(env, allObjects, verification) });
  const unverifiedFlows = verification ? verification.intent.input.flows.filter(f => f.origin === 'declared' && verification!.statuses.get(f.id)!.state === 'not verified').length : 0;
  files.sort((a, b) => byCodePoint(a.name, b.name));
  if (onPhase) phaseDone('yaml');
  return { env, charts: synthesized, files, warnings: report.results.filter(r => r.rule.severity !== Severity.ERROR), silenced: report.silenced, states, flows, unverifiedFlows, decisionsProblem };
}

/**
 * Resolve, build, check and serialize every environment; then check that no environment is
 * ahead of the one before it.
 *
 * @throws SynthError listing every problem of every environment; nothing is returned then
 */
export function synthesize(configs: readonly EnvironmentConfig[], build: EnvironmentBuilder, options: SynthOptions = {}): SynthesizedEnvironment[] {
  const problems: LocatedProblem[] = [];
  const results: SynthesizedEnvironment[] = [];
  const names = configs.map(c => c.name);
  // Two environments applied from one folder: one cluster would run the other's manifests.
  const byFluxPath = new Map<string, string>();
  for (const config of configs) {
    const source = options.configSource?.(config.name) ?? 'EnvironmentConfig';
    if (names.indexOf(config.name) !== names.lastIndexOf(config.name) && names.indexOf(config.name) === configs.indexOf(config)) {
      problems.push({ environment: config.name, path: source, field: 'name', value: config.name, message: 'is used by more than one environment', fix: 'give each environment its own name' });
    }
    const t0 = options.onPhase ? performance.now() : 0;
    const { env, problems: configProblems } = resolveEnvironment(config);
    if (options.onPhase) options.onPhase('config', performance.now() - t0, String(config.name));
    problems.push(...configProblems.map(p => ({ ...p, environment: String(config.name), path: source })));
    if (!env) continue;
    const folder = env.flux.path.replace(/\/+$/, '');
    const owner = byFluxPath.get(folder);
    if (owner !== undefined && owner !== env.name) {
      problems.push({ environment: env.name, path: source, field: 'flux.path', value: env.flux.path, message: `is also the folder Flux applies for environment ${owner}: both clusters would apply the same manifests`, fix: `give each environment its own folder (the default is ./dist/${env.name})` });
    } else {
      byFluxPath.set(folder, env.name);
    }
    const result = synthesizeOne(env, build, options, problems);
    if (result) results.push(result);
  }
  // Promotion order, across the environments given (in their order).
  if (results.length === configs.length) problems.push(...checkPromotion(results.map(r => r.states)));
  if (problems.length > 0) throw new SynthError(problems);
  return results;
}
