/**
 * Migration states of namespaces: where each stands (out of the mesh, sidecar, ambient; PERMISSIVE
 * or STRICT), read from the built profiles or from the objects of a synthesized folder.
 */
import { IConstruct } from 'constructs';
import { DataplaneMode, MtlsMode } from '../../config/environment-config';
import { ResolvedEnvironment } from '../../config/resolve-environment';
import { KubeObject, labelsOf } from '../../core/manifest';
import { Labels } from '../../core/labels';
import { NamespaceProfile } from '../../profiles/namespace-profile';

/** Where one namespace stands. */
export interface NamespaceState {
  readonly dataplane: DataplaneMode;
  readonly mtlsMode: MtlsMode;
}

/** A namespace of an environment: its state, its profile's target and its settings. */
export interface NamespaceMigration extends NamespaceState {
  readonly namespace: string;
  readonly target: DataplaneMode;
}

/** Where one environment stands. */
export interface EnvironmentState {
  readonly env: ResolvedEnvironment;
  readonly namespaces: ReadonlyMap<string, NamespaceMigration>;
}

/** Progress along the migration: out of the mesh, then sidecar, then ambient. */
export const DATAPLANE_PROGRESS: Readonly<Record<DataplaneMode, number>> = {
  [DataplaneMode.OUT_OF_MESH]: 0,
  [DataplaneMode.SIDECAR]: 1,
  [DataplaneMode.AMBIENT]: 2,
};

/** Progress of mTLS: PERMISSIVE, then STRICT. */
export const MTLS_PROGRESS: Readonly<Record<MtlsMode, number>> = { [MtlsMode.PERMISSIVE]: 0, [MtlsMode.STRICT]: 1 };

/** Short form for tables and messages: `ambient/STRICT`. */
export function describeState(s: NamespaceState): string {
  return `${s.dataplane}/${s.mtlsMode}`;
}

/** The states of every namespace profile among the constructs of a built App (`app.node.findAll()`). */
export function statesOf(constructs: readonly IConstruct[], env: ResolvedEnvironment): EnvironmentState {
  const namespaces = new Map<string, NamespaceMigration>();
  for (const p of constructs.filter(NamespaceProfile.isNamespaceProfile)) {
    namespaces.set(p.namespace, { namespace: p.namespace, dataplane: p.dataplaneMode, mtlsMode: p.mtlsMode, target: p.targetDataplaneMode });
  }
  return { env, namespaces };
}

/** The states written in a synthesized environment folder (its team Namespaces and their PeerAuthentications). */
export function statesFromObjects(objects: readonly KubeObject[]): Map<string, NamespaceState> {
  const modes = new Map<string, string>();
  for (const o of objects) {
    if (o.kind === 'PeerAuthentication' && !o.spec?.selector && o.metadata.namespace) modes.set(o.metadata.namespace, o.spec?.mtls?.mode);
  }
  const states = new Map<string, NamespaceState>();
  for (const ns of objects.filter(o => o.kind === 'Namespace' && labelsOf(o)[Labels.TEAM])) {
    const l = labelsOf(ns);
    const dataplane =
      l[Labels.DATAPLANE_MODE] === 'ambient'
        ? DataplaneMode.AMBIENT
        : l[Labels.REVISION] || l[Labels.INJECTION] === 'enabled'
          ? DataplaneMode.SIDECAR
          : DataplaneMode.OUT_OF_MESH;
    states.set(ns.metadata.name!, { dataplane, mtlsMode: modes.get(ns.metadata.name!) === 'STRICT' ? MtlsMode.STRICT : MtlsMode.PERMISSIVE });
  }
  return states;
}
