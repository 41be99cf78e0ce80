import { Construct } from 'constructs';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../imports/flux-kustomize.toolkit.fluxcd.io';
import { CONFIG_FOLDER, CONTROL_PLANE_FOLDER, NAMESPACES_FOLDER } from './layout';
import { isDnsLabel, isDnsSubdomain } from '../core/names';
import { Problem } from '../core/problem';
import { addCheck } from './checks';
import { byCodePoint } from '../core/sort';
import { isRepoPath, NOT_A_KUSTOMIZATION_NAME, NOT_A_KUSTOMIZATION_PREFIX, NOT_A_NAMESPACE, NOT_A_REPO_PATH } from '../config/resolve/validators';

/**
 * Label on the objects of the control-plane stage (value {@link CONTROL_PLANE_STAGE}). The stage of
 * an object is the folder its file is written to (`src/constructs/layout.ts`); the label stays so that
 * tools and selectors can tell the Istio install apart in a cluster.
 */
export const FLUX_STAGE_LABEL = 'mesh.eks-istio-mesh.io/flux-stage';
/** Value of {@link FLUX_STAGE_LABEL} on the Istio install. */
export const CONTROL_PLANE_STAGE = 'control-plane';

/** Properties of {@link FluxKustomizations}. */
export interface FluxKustomizationsProps {
  /** Path of the environment's folder in the repository, e.g. `./dist/prod`. */
  readonly path: string;
  /**
   * Namespace of the Kustomizations and their source.
   *
   * @default 'flux-system'
   */
  readonly namespace?: string;
  /**
   * The GitRepository holding this repository.
   *
   * @default 'flux-system'
   */
  readonly sourceName?: string;
  /**
   * Kustomizations that must be ready first (cert-manager, AWS Load Balancer Controller, Gateway
   * API CRDs).
   *
   * @default ['infrastructure']
   */
  readonly dependsOn?: readonly string[];
  /**
   * The folders of the app-team namespaces inside `path` (`NamespaceShards.folders`), one
   * Kustomization each.
   *
   * @default ['namespaces']
   */
  readonly namespaceFolders?: readonly string[];
  /**
   * Prefix of the names.
   *
   * @default 'mesh'
   */
  readonly prefix?: string;
  /**
   * Reconciliation interval (Go duration).
   *
   * @default '10m'
   */
  readonly interval?: string;
}

/**
 * The Flux Kustomizations that apply one environment's folder, one per subfolder, each waiting for
 * the stage before it to be ready:
 *
 * 1. `<prefix>-control-plane` (`<path>/control-plane`): the Istio Helm releases and their
 *    namespaces, after the cluster's infrastructure Kustomizations. `wait` holds it until every
 *    release is Ready, so the Istio CRDs exist and istiod answers its webhooks before anything uses
 *    them.
 * 2. `<prefix>-config` (`<path>/config`): mesh-wide policy, telemetry and the ingress path.
 * 3. `<prefix>-namespaces` (`<path>/namespaces`), or one `<prefix>-namespaces-<bits>` per shard
 *    once an environment has more app-team namespaces than fit one shard (`NamespaceShards`): the
 *    app teams' namespaces. Deploy a team's workloads with a Kustomization that depends on the one
 *    holding its namespace (`<prefix>-<folder>`, the folder its file is in), so sidecar injection and the namespace policies are
 *    in place before the first pod starts.
 *
 * Each builds only its own folder, so the cost of `kustomize build` (which grows faster than the
 * folder, kubernetes-sigs/kustomize#5084) stays bounded per Kustomization. A single Kustomization
 * cannot install Istio and its resources together: Flux validates every object with a server-side
 * dry run before applying any, and the Istio resources fail that run until the base chart has
 * installed the CRDs.
 *
 * The objects live in the Flux namespace and belong in the cluster's bootstrap folder, never in the
 * folder they apply (a Kustomization that applies itself could prune itself).
 *
 * @see https://fluxcd.io/flux/components/kustomize/kustomizations/
 */
export class FluxKustomizations extends Construct {
  /** The control-plane Kustomization (the default child). */
  public readonly controlPlane: Kustomization;
  /** The mesh-config Kustomization. */
  public readonly config: Kustomization;
  /** The app-team namespaces Kustomizations, one per folder, sorted by folder. */
  public readonly namespaces: readonly Kustomization[];

  constructor(scope: Construct, id: string, props: FluxKustomizationsProps) {
    super(scope, id);
    const namespace = props.namespace ?? 'flux-system';
    const sourceName = props.sourceName ?? 'flux-system';
    const dependsOn = props.dependsOn ?? ['infrastructure'];
    const prefix = props.prefix ?? 'mesh';
    const interval = props.interval ?? '10m';
    const namespaceFolders = [...new Set(props.namespaceFolders ?? [NAMESPACES_FOLDER])].sort(byCodePoint);
    const names = { controlPlane: `${prefix}-${CONTROL_PLANE_FOLDER}`, config: `${prefix}-${CONFIG_FOLDER}` };
    const namespaceNames = namespaceFolders.map(f => `${prefix}-${f}`);

    addCheck(this, () => {
      const problems: Problem[] = [];
      if (!isDnsLabel(namespace))
        problems.push({ field: 'namespace', value: namespace, message: NOT_A_NAMESPACE, fix: "use the Flux namespace, usually 'flux-system'" });
      if (!isDnsSubdomain(sourceName))
        problems.push({
          field: 'sourceName',
          value: sourceName,
          message: 'is not a valid object name',
          fix: 'name the GitRepository of this repository',
        });
      if (!isDnsLabel(prefix, 40))
        problems.push({ field: 'prefix', value: prefix, message: NOT_A_KUSTOMIZATION_PREFIX, fix: "use a short name such as 'mesh'" });
      if (!isRepoPath(props.path)) {
        problems.push({ field: 'path', value: props.path, message: NOT_A_REPO_PATH, fix: 'e.g. ./dist/prod' });
      }
      for (const dependency of dependsOn) {
        if (!isDnsSubdomain(dependency))
          problems.push({
            field: 'dependsOn',
            value: dependency,
            message: NOT_A_KUSTOMIZATION_NAME,
            fix: 'name a Flux Kustomization of the same namespace',
          });
        else if ([...Object.values(names), ...namespaceNames].includes(dependency))
          problems.push({
            field: 'dependsOn',
            value: dependency,
            message: 'is one of the mesh Kustomizations itself',
            fix: "name the cluster's infrastructure Kustomizations",
          });
      }
      for (const folder of namespaceFolders) {
        if (!/^namespaces(-[01]+)?$/.test(folder))
          problems.push({
            field: 'namespaceFolders',
            value: folder,
            message: "is not a folder of namespace shards ('namespaces' or 'namespaces-<bits>')",
            fix: 'pass NamespaceShards.ofEnvironment(<the environment>).folders',
          });
        else if (!isDnsLabel(`${prefix}-${folder}`))
          problems.push({
            field: 'namespaceFolders',
            value: folder,
            message: `gives the Kustomization name ${prefix}-${folder}, which is not a DNS label of at most 63 characters (Flux writes it into a label value)`,
            fix: 'use a shorter prefix',
          });
      }
      return problems;
    });

    const base = props.path.replace(/\/+$/, '');
    const stage = (name: string, folder: string, after: readonly string[]) =>
      new Kustomization(this, name, {
        metadata: { name, namespace },
        spec: {
          interval,
          retryInterval: '2m',
          timeout: '15m',
          sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: sourceName },
          path: `${base}/${folder}`,
          prune: true,
          wait: true,
          ...(after.length > 0 ? { dependsOn: after.map(d => ({ name: d })) } : {}),
        },
      });
    this.controlPlane = stage(names.controlPlane, CONTROL_PLANE_FOLDER, [...dependsOn].sort(byCodePoint));
    this.config = stage(names.config, CONFIG_FOLDER, [names.controlPlane]);
    this.namespaces = namespaceFolders.map((f, i) => stage(namespaceNames[i], f, [names.config]));
    this.node.defaultChild = this.controlPlane;
  }
}
