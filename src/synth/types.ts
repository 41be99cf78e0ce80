/**
 * What the synth produces and the options it takes.
 */
import { App } from 'cdk8s';
import { ResolvedEnvironment } from '../config/resolve-environment';
import { Manifest } from '../core/manifest';
import { CrdSchemas, ValidObjects } from '../checks/schema';
import { NamespaceState, EnvironmentState } from '../checks/migration/state';
import { MeshRule, RuleResult } from '../checks/rules';
import { FlowIntent } from '../checks/flows/intent';

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
  /** The environment's flows and the workloads to decide them (`checks/flows`), derived on first use. */
  readonly flows: () => FlowIntent;
  /**
   * Declared flows without a recorded decision under their current fingerprint (with
   * {@link SynthOptions.decisionsDir}; else 0).
   */
  readonly unverifiedFlows: number;
  /** A problem reading the recorded decisions, when there was one. */
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
   * The objects that passed the schema check in an earlier run ({@link CrdSchemas.validObjects}):
   * the same JSON is not validated again, and what passes now is added.
   *
   * @default - every custom resource is validated
   */
  readonly validObjects?: ValidObjects;
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
