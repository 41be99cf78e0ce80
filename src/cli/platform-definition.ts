/**
 * A platform as data: its environments in promotion order and its team registry. The package's
 * commands (`eks-istio-mesh synth|plan|diff`) read one from the platform module of a repository.
 */
import { App } from 'cdk8s';
import { EnvironmentConfig } from '../config/environment-config';
import { ResolvedEnvironment } from '../config/resolve-environment';
import { buildFlux, buildPlatform, FLUX_FOLDER, TeamRegistry } from '../platform/platform';
import { runPlan } from './plan-command';
import { runSynth } from './synth-command';

/** What a platform module exports. */
export interface PlatformDefinition {
  /** Every environment, in promotion order: a new namespace starts in the first one. */
  readonly environments: readonly EnvironmentConfig[];
  /** Every team's profile class, by namespace. */
  readonly teams: TeamRegistry;
  /**
   * Where the registry is defined, for messages.
   *
   * @default 'the team registry'
   */
  readonly teamsSource?: string;
  /**
   * Where each environment's config is defined, for messages.
   *
   * @default - 'EnvironmentConfig'
   */
  readonly configSource?: (name: string) => string;
}

/** The environment builder of a platform definition (its charts, for `synthesize` and `runSynth`). */
export function platformBuilder(platform: PlatformDefinition): (app: App, env: ResolvedEnvironment) => void {
  return (app, env) => {
    buildPlatform(app, env, { teams: platform.teams, teamsSource: platform.teamsSource });
  };
}

/** Options of {@link synthPlatform}. */
export interface SynthPlatformOptions {
  /** Output folder: `<outdir>/<env>/` and `<outdir>/flux/<env>/`. */
  readonly outdir: string;
  /** @default - every environment */
  readonly only?: readonly string[];
  /** @default - no schema check (a warning says so) */
  readonly crdDir?: string;
  /** @default - no cache */
  readonly crdCacheDir?: string;
  /** @default - none */
  readonly mirrorOutdir?: string;
  /**
   * The committed synthesis the migration gate compares with (see `runSynth`).
   *
   * @default - `outdir`
   */
  readonly committedDir?: string;
  /**
   * Folder of the recorded flow decisions that `MESH.md` is drawn from (see `runSynth`).
   *
   * @default - `MESH.md` is drawn from the authorization policies alone
   */
  readonly decisionsDir?: string;
  /** @default console.log */
  readonly log?: (line: string) => void;
  /** @default console.error */
  readonly error?: (line: string) => void;
}

/**
 * Synthesize every environment of a platform and the Flux Kustomizations that apply it, checked
 * together: nothing is written unless every environment passes every check.
 *
 * @returns the process exit code (see `runSynth`)
 */
export function synthPlatform(platform: PlatformDefinition, options: SynthPlatformOptions): number {
  return runSynth({
    environments: platform.environments,
    build: platformBuilder(platform),
    secondary: { build: buildFlux, folder: FLUX_FOLDER },
    outdir: options.outdir,
    only: options.only,
    crdDir: options.crdDir,
    crdCacheDir: options.crdCacheDir,
    mirrorOutdir: options.mirrorOutdir,
    committedDir: options.committedDir,
    decisionsDir: options.decisionsDir,
    configSource: platform.configSource,
    log: options.log,
    error: options.error,
  });
}

/** The migration plan of a platform (see `runPlan`). */
export function planPlatform(
  platform: PlatformDefinition,
  options: { readonly outFile?: string; readonly out?: (text: string) => void } = {},
): number {
  return runPlan({
    environments: platform.environments,
    build: platformBuilder(platform),
    outFile: options.outFile,
    out: options.out,
    configSource: platform.configSource,
  });
}
