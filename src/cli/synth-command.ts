/**
 * The synth command as a function: what `npm run synth` runs, callable from tests.
 */
import * as path from 'node:path';
import { EnvironmentConfig } from '../config/environment-config';
import {
  abandonOutput,
  commitOutput,
  openOutput,
  OutputError,
  outputPaths,
  OutputTree,
  recoverOutput,
  writeOutput,
  writeStaged,
} from '../synth/output';
import { CrdSchemas } from '../checks/schema';
import { checkPromotion } from '../checks/migration/gates';
import { NamespaceMigration } from '../checks/migration/state';
import { RuleResult } from '../checks/rules';
import { prepareEnvironments, PreparedEnvironments, synthesizeEnvironment } from '../synth/synthesize';
import { committedStatesIn } from '../synth/committed-states';
import { EnvironmentBuilder, SynthesizedEnvironment, SynthesizedFile, SynthOptions } from '../synth/types';
import { LocatedProblem, SynthError } from '../core/problem';
import { coreCount, defaultThreads, mapUnits, workerSide } from '../core/parallel';
import { loadRenderings, saveRenderings } from '../synth/yaml-renderings';

/** Options of {@link runSynth}. */
export interface RunSynthOptions {
  /** Every environment of the platform, in promotion order. */
  readonly environments: readonly EnvironmentConfig[];
  /** Adds an environment's charts to its App. */
  readonly build: EnvironmentBuilder;
  /** Output folder; each environment goes to `<outdir>/<env>/`. */
  readonly outdir: string;
  /**
   * The folder of the committed synthesis (`<committedDir>/<env>/`): the migration gate refuses
   * steps from its namespace states that skip a safe intermediate state. Give it when writing
   * elsewhere than the committed folder, so that such a synth is gated too.
   *
   * @default - `outdir`
   */
  readonly committedDir?: string;
  /**
   * Synthesize only these environments.
   *
   * @default - all of them (and folders of environments that no longer exist are removed)
   */
  readonly only?: readonly string[];
  /**
   * Folder of CRD files for the schema check.
   *
   * @default - no schema check (a warning says so)
   */
  readonly crdDir?: string;
  /**
   * Folder where compiled CRD validators (`CrdSchemasOptions.cacheDir`) and the YAML renderings of
   * strings that need quotes (`synth/yaml-renderings.ts`) are kept between runs.
   *
   * @default - no cache
   */
  readonly crdCacheDir?: string;
  /**
   * A second folder to write the same files to (the cdk8s CLI's CDK8S_OUTDIR).
   *
   * @default - none
   */
  readonly mirrorOutdir?: string;
  /**
   * Where each environment's config lives, for messages.
   *
   * @default - 'EnvironmentConfig'
   */
  readonly configSource?: (name: string) => string;
  /**
   * A second output of every environment (for example the Flux Kustomizations that apply the
   * first), written to `<outdir>/<folder>/<env>/` without `MESH.md`. It is synthesized and checked
   * together with the first: nothing at all is written unless both pass.
   *
   * @default - none
   */
  readonly secondary?: { readonly build: EnvironmentBuilder; readonly folder: string };
  /**
   * Folder of the recorded flow decisions (`<dir>/<env>.json`); see `SynthOptions.decisionsDir`.
   *
   * @default - `MESH.md` is drawn from the authorization policies alone
   */
  readonly decisionsDir?: string;
  /** Receives progress lines. @default console.log */
  readonly log?: (line: string) => void;
  /** Receives warnings and errors. @default console.error */
  readonly error?: (line: string) => void;
  /**
   * Threads that synthesize environments side by side, this one included. Other threads are used
   * only when the launcher of this process says how to start it again (`scripts/run.js` and the
   * package's bin do); the output is the same with any number.
   *
   * @default - EKS_MESH_SYNTH_THREADS, else one per core (at most one per environment) when the
   *   environments enable enough app-team namespaces together ({@link threadsFromNamespaces}), else 1
   */
  readonly threads?: number;
}

/**
 * App-team namespaces (summed over the environments) from which other threads pay for their start:
 * each worker loads the program, builds the platform again and warms up its own compiled code. On
 * two cores the second one is not free: V8's concurrent garbage collection and compilation already
 * keep it busy during a synth on one thread (about 1.5 cores in use), and a second thread made
 * 5 x 100 namespaces 5-8% slower and 5 x 200 4% faster (README, "Quick start"). With more cores the
 * threshold stays where a second thread has a core of its own.
 */
export function threadsFromNamespaces(cores: number): number {
  return cores <= 2 ? 1000 : 100;
}

/** What one synthesis of one environment gives the main thread: plain data, the same from any thread. */
interface SynthOutcome {
  readonly problems: readonly LocatedProblem[];
  readonly files?: readonly SynthesizedFile[];
  /** The files written into the staging folder, relative to the output folder. */
  readonly written?: readonly string[];
  readonly namespaces?: ReadonlyMap<string, NamespaceMigration>;
  /** Warning and silenced lines, in the order they are printed. */
  readonly notes: readonly string[];
  readonly decisionsProblem?: string;
  readonly unverifiedFlows: number;
}

/** An environment, and (when asked for) its second output. */
interface EnvironmentOutcome {
  readonly primary?: SynthOutcome;
  readonly secondary?: SynthOutcome;
}

/** A value as the data of its JSON text (what a problem shows), or itself when it has none. */
function asJsonData(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? value : (JSON.parse(text) as unknown);
  } catch {
    return value;
  }
}

function outcomeOf(one: { readonly result?: SynthesizedEnvironment; readonly problems: readonly LocatedProblem[] }): SynthOutcome {
  const r = one.result;
  const name = r?.env.name;
  const line = (w: RuleResult) => `warning [${name}] ${w.object.file}: rule ${w.rule.id}: ${w.message}. fix: ${w.fix}`;
  const silenced = (s: RuleResult) => `silenced [${name}] ${s.object.file}: rule ${s.rule.id}: ${s.message} (reason: ${s.silencedBecause})`;
  return {
    // A problem's value is shown as JSON: kept as that JSON's data, it crosses threads unchanged.
    problems: one.problems.map(p => ({ ...p, value: asJsonData(p.value) })),
    files: r?.files,
    namespaces: r?.states.namespaces,
    notes: r ? [...r.warnings.map(line), ...r.silenced.map(silenced)] : [],
    decisionsProblem: r?.decisionsProblem,
    unverifiedFlows: r?.unverifiedFlows ?? 0,
  };
}

/**
 * The threads a synth of `configs` uses: `threads`, else EKS_MESH_SYNTH_THREADS, else one per core
 * (at most one per environment) when the environments enable at least
 * {@link threadsFromNamespaces} app-team namespaces together, else 1.
 *
 * @param cores the cores of this machine (for tests)
 * @returns the number, or what is wrong with the one given
 */
export function synthThreads(
  options: Pick<RunSynthOptions, 'threads'>,
  configs: readonly EnvironmentConfig[],
  cores: number = coreCount(),
): number | string {
  const variable = process.env.EKS_MESH_SYNTH_THREADS;
  if (options.threads !== undefined || (variable !== undefined && variable !== '')) {
    const given = options.threads ?? Number(variable);
    if (Number.isInteger(given) && given >= 1) return given;
    const what = options.threads !== undefined ? `runSynth threads ${String(options.threads)}` : `EKS_MESH_SYNTH_THREADS=${variable}`;
    return `${what} is not a number of threads; fix: give a whole number of at least 1 (1 synthesizes on the main thread only)`;
  }
  // The write faults of the tests count the file operations of one thread.
  if (process.env.EKS_MESH_WRITE_FAULT) return 1;
  const namespaces = configs.reduce((n, c) => n + (c.namespaces && typeof c.namespaces === 'object' ? Object.keys(c.namespaces).length : 0), 0);
  return namespaces >= threadsFromNamespaces(cores) ? defaultThreads(configs.length, cores) : 1;
}

/**
 * Synthesize, check and write; nothing is written when any check fails.
 *
 * @returns the process exit code: 0 written, 1 problems found or the output could not be written
 *   (nothing written), 2 bad usage
 */
export function runSynth(options: RunSynthOptions): number {
  const worker = workerSide();
  const log = options.log ?? console.log;
  const error = options.error ?? console.error;
  const known = options.environments.map(e => e.name);
  const unknown = (options.only ?? []).filter(n => !known.includes(n));
  if (unknown.length > 0 && !worker) {
    error(`unknown environment ${unknown.join(', ')}; known: ${known.join(', ')}`);
    return 2;
  }
  const configs = options.only ? options.environments.filter(e => options.only!.includes(e.name)) : options.environments;
  const threads = synthThreads(options, configs);
  if (typeof threads === 'string') {
    if (!worker) error(threads);
    return 2;
  }
  if (!options.crdDir && !worker) {
    error('warning: schema check skipped: no CRD folder; run `npm run import` (or `npm run import -- --mirror <dir>`), or set EKS_MESH_CRDS');
  }
  const schemas = options.crdDir ? CrdSchemas.fromDirectory(options.crdDir, { cacheDir: options.crdCacheDir }) : undefined;
  if (options.crdCacheDir) loadRenderings(options.crdCacheDir);
  // What is committed now: steps from it that skip a safe intermediate state are refused.
  // Only the environments synthesized now, and of them only Namespaces and PeerAuthentications.
  const previousStates = committedStatesIn(options.committedDir ?? options.outdir);
  // Each environment is written into the staging folder as soon as it passes; nothing reaches the
  // output folder before every environment has passed (commitOutput).
  const out = outputPaths(options.outdir);
  const keepFiles = !!options.mirrorOutdir && path.resolve(options.mirrorOutdir) !== out.root;
  const staged = (folder: string, outcome: SynthOutcome, env: string, write: boolean): SynthOutcome => {
    if (!write || !outcome.files || outcome.problems.length > 0) return outcome;
    let written: string[];
    try {
      written = writeStaged(out, { folder, env }, outcome.files);
    } catch (e) {
      // In a worker the main thread does the environment again, and reports this itself.
      if (worker) throw e;
      throw abandonOutput(out, e);
    }
    return { ...outcome, written, files: keepFiles ? outcome.files : undefined };
  };
  // One environment and its second output: the unit that threads share. Nothing is written when
  // the configs have problems of their own (two environments of one name would share a folder).
  const synthesizeAt = (env: SynthesizedEnvironment['env'] | undefined, write: boolean, tick: () => void): EnvironmentOutcome => {
    if (!env) return {};
    const onPhase = () => tick();
    // Each environment (with its second output) is synthesized by one thread: its file has one writer.
    const validObjects = schemas?.validObjects(env.name);
    const common: SynthOptions = { schemas, validObjects, configSource: options.configSource, onPhase };
    const primary = outcomeOf(synthesizeEnvironment(env, options.build, { ...common, previousStates, decisionsDir: options.decisionsDir }));
    const secondary = options.secondary
      ? outcomeOf(synthesizeEnvironment(env, options.secondary.build, { ...common, meshReport: false, stageFolders: false }))
      : undefined;
    validObjects?.save();
    return {
      primary: staged('', primary, env.name, write),
      secondary: secondary && options.secondary ? staged(options.secondary.folder, secondary, env.name, write) : undefined,
    };
  };
  const names = configs.map(c => String(c.name));
  const writable = (prepared: PreparedEnvironments) => prepared.problems.every(p => p.length === 0);
  if (worker) {
    const prepared = prepareEnvironments(configs, { configSource: options.configSource });
    const write = writable(prepared);
    worker.serve(names, (i, tick) => synthesizeAt(prepared.envs[i], write, tick));
    return 0;
  }
  let opened = false;
  try {
    // A run killed while writing left a journal or staging folders: finish or undo that first.
    for (const line of recoverOutput(options.outdir)) log(line);
    const trees = [{ folder: '', envs: names }, ...(options.secondary ? [{ folder: options.secondary.folder, envs: names }] : [])];
    openOutput(
      options.outdir,
      trees.flatMap(t => t.envs.map(env => ({ folder: t.folder, env }))),
    );
    opened = true;
    const prepared = prepareEnvironments(configs, { configSource: options.configSource });
    const write = writable(prepared);
    const unit = (i: number, tick: () => void) => synthesizeAt(prepared.envs[i], write, tick);
    const { results: outcomes, elsewhere } = mapUnits(names, unit, {
      threads,
      // For tests: every other thread surely synthesizes an environment.
      workersFirst: process.env.EKS_MESH_SYNTH_WORKERS_FIRST === '1',
    });
    // Problems in the order of the environments, as one synthesis of them all gives them.
    const located = (part: (o: EnvironmentOutcome) => SynthOutcome | undefined, withConfigs: boolean) => {
      const problems = outcomes.flatMap((o, i) => [...(withConfigs ? prepared.problems[i] : []), ...(part(o)?.problems ?? [])]);
      const done = outcomes.map(part);
      if (done.every(d => d?.namespaces)) {
        const states = done.map((d, i) => ({ env: prepared.envs[i]!, namespaces: d!.namespaces! }));
        problems.push(...checkPromotion(states, options.configSource));
      }
      if (problems.length > 0) throw new SynthError(problems);
      return done.map((d, i) => ({ env: prepared.envs[i]!, ...d! }));
    };
    const results = located(o => o.primary, true);
    const secondary = options.secondary ? located(o => o.secondary, false) : [];
    for (const r of [...results, ...secondary]) for (const note of r.notes) error(note);
    for (const r of results) {
      if (r.decisionsProblem) error(`warning [${r.env.name}] ${r.decisionsProblem}: MESH.md shows every flow as not verified`);
      if (r.unverifiedFlows > 0) {
        error(
          `warning [${r.env.name}] ${r.unverifiedFlows} declared flow${r.unverifiedFlows === 1 ? ' is' : 's are'} not verified: MESH.md does not draw ${r.unverifiedFlows === 1 ? 'it' : 'them'}. fix: npm run flows -- --env ${r.env.name} --record`,
        );
      }
    }
    // One switch for the whole output folder: environments and their Flux Kustomizations together.
    // From here on commitOutput undoes or leaves to the next run what it could not finish.
    opened = false;
    commitOutput(out, trees, { pruneOtherEnvironments: !options.only });
    if (options.crdCacheDir) saveRenderings(options.crdCacheDir);
    const count = [...results, ...secondary].reduce((n, r) => n + r.written!.length, 0);
    if (keepFiles) {
      const written = (envs: typeof results) => envs.map(r => ({ env: r.env, files: r.files! }));
      const mirror: OutputTree[] = [
        { folder: '', envs: written(results) },
        ...(options.secondary ? [{ folder: options.secondary.folder, envs: written(secondary) }] : []),
      ];
      writeOutput(options.mirrorOutdir!, mirror, { pruneOtherEnvironments: !options.only });
    }
    const others = elsewhere > 0 ? `, ${elsewhere} of them in other threads` : '';
    log(
      `synthesized ${results.length} environment${results.length === 1 ? '' : 's'}${others} (${count} files) into ${path.relative(process.cwd(), options.outdir) || '.'}`,
    );
    return 0;
  } catch (e) {
    if (opened) abandonOutput(out);
    if (e instanceof SynthError || e instanceof OutputError) {
      error(e.message);
      return 1;
    }
    throw e;
  }
}
