import { Construct } from 'constructs';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../imports/flux-kustomize.toolkit.fluxcd.io';
import { Labels } from '../lib/labels';
import { isDnsLabel, isDnsSubdomain } from '../lib/names';
import { addCheck, Problem } from '../lib/validation';
import { byCodePoint } from '../lib/sort';

/**
 * Label that puts an object of `dist/<env>/` into the control-plane stage (value
 * {@link CONTROL_PLANE_STAGE}). Objects of app-team namespaces carry the team label instead.
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
   * Prefix of the three names.
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

/** A kustomize patch that drops every object matching a label selector. */
function dropWhere(labelSelector: string) {
  return {
    target: { labelSelector },
    patch: '$patch: delete\napiVersion: v1\nkind: Dropped\nmetadata:\n  name: dropped\n',
  };
}

/**
 * The Flux Kustomizations that apply one environment's folder in three stages, each waiting for the
 * one before it to be ready:
 *
 * 1. `<prefix>-control-plane`: the Istio Helm releases and their namespaces, after the cluster's
 *    infrastructure Kustomizations. `wait` holds it until every release is Ready, so the Istio CRDs
 *    exist and istiod answers its webhooks before anything uses them.
 * 2. `<prefix>-config`: mesh-wide policy, telemetry and the ingress path.
 * 3. `<prefix>-namespaces`: the app teams' namespaces (objects with the team label). Deploy the
 *    teams' workloads with Kustomizations that depend on this one, so sidecar injection and the
 *    namespace policies are in place before the first pod starts.
 *
 * All three read the same folder: each removes, with a kustomize delete patch on a label selector,
 * the objects of the other stages. A single Kustomization cannot install Istio and its resources
 * together: Flux validates every object with a server-side dry run before applying any, and the
 * Istio resources fail that run until the base chart has installed the CRDs.
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
  /** The app-team namespaces Kustomization. */
  public readonly namespaces: Kustomization;

  constructor(scope: Construct, id: string, props: FluxKustomizationsProps) {
    super(scope, id);
    const namespace = props.namespace ?? 'flux-system';
    const sourceName = props.sourceName ?? 'flux-system';
    const dependsOn = props.dependsOn ?? ['infrastructure'];
    const prefix = props.prefix ?? 'mesh';
    const interval = props.interval ?? '10m';
    const names = { controlPlane: `${prefix}-control-plane`, config: `${prefix}-config`, namespaces: `${prefix}-namespaces` };

    addCheck(this, () => {
      const problems: Problem[] = [];
      if (!isDnsLabel(namespace)) problems.push({ field: 'namespace', value: namespace, message: 'is not a valid namespace name', fix: "use the Flux namespace, usually 'flux-system'" });
      if (!isDnsSubdomain(sourceName)) problems.push({ field: 'sourceName', value: sourceName, message: 'is not a valid object name', fix: 'name the GitRepository of this repository' });
      if (!isDnsLabel(prefix, 40)) problems.push({ field: 'prefix', value: prefix, message: 'is not a DNS label of at most 40 characters', fix: "use a short name such as 'mesh'" });
      if (!/^\.\/[A-Za-z0-9_./-]*$/.test(props.path) || props.path.split('/').includes('..')) {
        problems.push({ field: 'path', value: props.path, message: 'must be a path inside the repository starting with ./', fix: 'e.g. ./dist/prod' });
      }
      for (const d of dependsOn) {
        if (!isDnsSubdomain(d)) problems.push({ field: 'dependsOn', value: d, message: 'is not a valid Kustomization name', fix: 'name a Flux Kustomization of the same namespace' });
        else if (Object.values(names).includes(d)) problems.push({ field: 'dependsOn', value: d, message: 'is one of the mesh Kustomizations itself', fix: "name the cluster's infrastructure Kustomizations" });
      }
      return problems;
    });

    const stage = (name: string, after: readonly string[], drop: ReturnType<typeof dropWhere>[]) => new Kustomization(this, name, {
      metadata: { name, namespace },
      spec: {
        interval,
        retryInterval: '2m',
        timeout: '15m',
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: sourceName },
        path: props.path,
        prune: true,
        wait: true,
        ...(after.length > 0 ? { dependsOn: after.map(d => ({ name: d })) } : {}),
        patches: drop,
      },
    });
    this.controlPlane = stage(names.controlPlane, [...dependsOn].sort(byCodePoint), [dropWhere(`${FLUX_STAGE_LABEL}!=${CONTROL_PLANE_STAGE}`)]);
    this.config = stage(names.config, [names.controlPlane], [dropWhere(`${FLUX_STAGE_LABEL}=${CONTROL_PLANE_STAGE}`), dropWhere(Labels.TEAM)]);
    this.namespaces = stage(names.namespaces, [names.config], [dropWhere(`!${Labels.TEAM}`)]);
    this.node.defaultChild = this.controlPlane;
  }
}
