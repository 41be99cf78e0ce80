/**
 * The rule engine's vocabulary: rules, the objects they read, what they find.
 */
import { ResolvedEnvironment } from '../../config/resolve-environment';
import { KubeObject } from '../../core/manifest';

/** How bad a finding is: errors fail synth and `check`; warnings are printed. */
export enum Severity {
  ERROR = 'error',
  WARNING = 'warning',
}

/** An object and where it comes from (a file, or a file and construct path at synth). */
export interface LocatedManifest {
  readonly manifest: KubeObject;
  /** File the object is (or will be) in, relative to the working folder. */
  readonly file: string;
  /** Construct path at synth; undefined for objects read from files. */
  readonly constructPath?: string;
  /** The kustomization.yaml whose build holds the object, when `check` read it through one. */
  readonly build?: string;
}

/** Facts about the ingress gateway, from the environment config or the install manifests. */
export interface IngressGatewayFacts {
  readonly namespace: string;
  readonly serviceName: string;
  readonly principal: string;
}

/** What rules can read: every object of one environment, and what is known of the environment. */
export interface RuleContext {
  readonly objects: readonly LocatedManifest[];
  /** The environment, when known (always at synth; with `check --env`). */
  readonly env?: ResolvedEnvironment;
  readonly trustDomain: string;
  readonly rootNamespace: string;
  /** The shared ingress gateway, when it can be known. */
  readonly ingressGateway?: IngressGatewayFacts;
  /** Extension providers defined for the mesh (meshConfig), when known; built-ins included. */
  readonly definedProviders?: ReadonlySet<string>;
  /** Namespace of the telemetry collector, when known. */
  readonly collectorNamespace?: string;
  /** istiod revisions installed, when known. */
  readonly installedRevisions?: ReadonlySet<string>;
  /** Objects of a kind (and API group, when given). */
  byKind(kind: string, group?: string): LocatedManifest[];
  /** Objects of a kind and API group in one namespace (`default` for objects without one). */
  inNamespace(kind: string, group: string, namespace: string): readonly LocatedManifest[];
  /** The Namespace object of a namespace, if it is in the set. */
  namespaceObject(name: string): LocatedManifest | undefined;
  /** True when the namespace is labelled `istio.io/dataplane-mode: ambient`. */
  isAmbient(namespace: string | undefined): boolean;
}

/** One thing a rule found on one object (with its rule: {@link RuleResult}). */
export interface RuleFinding {
  readonly object: LocatedManifest;
  /** What is wrong with this object, lowercase, no trailing period. */
  readonly message: string;
  /** What to change, when more specific than the rule's general fix. */
  readonly fix?: string;
  /**
   * How bad this finding is, when not the rule's severity: a rule that errs when the files prove a
   * mistake warns when the files only lack the evidence ("not in these files").
   */
  readonly severity?: Severity;
}

/** A mesh rule: one known mistake, how to see it, why it matters, how to fix it. */
export interface MeshRule {
  /** Stable id, used in reports and silence annotations. */
  readonly id: string;
  readonly severity: Severity;
  /** One line. */
  readonly title: string;
  /** Why it matters, with its source. */
  readonly why: string;
  /** The general fix. */
  readonly fix: string;
  /** When the rule reports a warning instead (evidence missing from the files, not contradicting them). */
  readonly warnsWhen?: string;
  check(ctx: RuleContext): RuleFinding[];
}

/** A finding with its rule, ready to report. */
export interface RuleResult {
  readonly rule: MeshRule;
  readonly object: LocatedManifest;
  readonly message: string;
  readonly fix: string;
  /** The reason given by the silence annotation, when silenced. */
  readonly silencedBecause?: string;
}
