/**
 * The synth command as a function: what `npm run synth` runs, callable from tests.
 */
import * as path from 'node:path';
import { EnvironmentConfig } from '../config/environment-config';
import { OutputError, OutputTree, recoverOutput, writeOutput } from '../synth/output';
import { CrdSchemas } from '../checks/schema';
import { synthesize } from '../synth/synthesize';
import { committedStatesIn } from '../synth/committed-states';
import { EnvironmentBuilder } from '../synth/types';
import { SynthError } from '../core/problem';

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
   * Folder where compiled CRD validators are kept between runs (`CrdSchemasOptions.cacheDir`).
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
}

/**
 * Synthesize, check and write; nothing is written when any check fails.
 *
 * @returns the process exit code: 0 written, 1 problems found or the output could not be written
 *   (nothing written), 2 bad usage
 */
export function runSynth(options: RunSynthOptions): number {
  const log = options.log ?? console.log;
  const error = options.error ?? console.error;
  const known = options.environments.map(e => e.name);
  const unknown = (options.only ?? []).filter(n => !known.includes(n));
  if (unknown.length > 0) {
    error(`unknown environment ${unknown.join(', ')}; known: ${known.join(', ')}`);
    return 2;
  }
  const configs = options.only ? options.environments.filter(e => options.only!.includes(e.name)) : options.environments;
  if (!options.crdDir) {
    error('warning: schema check skipped: no CRD folder; run `npm run import` (or `npm run import -- --mirror <dir>`), or set EKS_MESH_CRDS');
  }
  const schemas = options.crdDir ? CrdSchemas.fromDirectory(options.crdDir, { cacheDir: options.crdCacheDir }) : undefined;
  try {
    // A run killed while writing left a journal or staging folders: finish or undo that first.
    for (const line of recoverOutput(options.outdir)) log(line);
    // What is committed now: steps from it that skip a safe intermediate state are refused.
    // Only the environments synthesized now, and of them only Namespaces and PeerAuthentications.
    const previousStates = committedStatesIn(options.committedDir ?? options.outdir);
    const results = synthesize(configs, options.build, {
      schemas,
      configSource: options.configSource,
      previousStates,
      decisionsDir: options.decisionsDir,
    });
    const secondary = options.secondary
      ? synthesize(configs, options.secondary.build, { schemas, configSource: options.configSource, meshReport: false, stageFolders: false })
      : [];
    for (const r of [...results, ...secondary]) {
      for (const w of r.warnings) error(`warning [${r.env.name}] ${w.object.file}: rule ${w.rule.id}: ${w.message}. fix: ${w.fix}`);
      for (const s of r.silenced) error(`silenced [${r.env.name}] ${s.object.file}: rule ${s.rule.id}: ${s.message} (reason: ${s.silencedBecause})`);
    }
    for (const r of results) {
      if (r.decisionsProblem) error(`warning [${r.env.name}] ${r.decisionsProblem}: MESH.md shows every flow as not verified`);
      if (r.unverifiedFlows > 0) {
        error(
          `warning [${r.env.name}] ${r.unverifiedFlows} declared flow${r.unverifiedFlows === 1 ? ' is' : 's are'} not verified: MESH.md does not draw ${r.unverifiedFlows === 1 ? 'it' : 'them'}. fix: npm run flows -- --env ${r.env.name} --record`,
        );
      }
    }
    // One switch for the whole output folder: environments and their Flux Kustomizations together.
    const trees: OutputTree[] = [
      { folder: '', envs: results },
      ...(options.secondary ? [{ folder: options.secondary.folder, envs: secondary }] : []),
    ];
    const written = writeOutput(options.outdir, trees, { pruneOtherEnvironments: !options.only });
    if (options.mirrorOutdir && path.resolve(options.mirrorOutdir) !== path.resolve(options.outdir))
      writeOutput(options.mirrorOutdir, trees, { pruneOtherEnvironments: !options.only });
    log(
      `synthesized ${results.length} environment${results.length === 1 ? '' : 's'} (${written.length} files) into ${path.relative(process.cwd(), options.outdir) || '.'}`,
    );
    return 0;
  } catch (e) {
    if (e instanceof SynthError || e instanceof OutputError) {
      error(e.message);
      return 1;
    }
    throw e;
  }
}
