/**
 * Migration states of namespaces: where each stands (out of the mesh, sidecar, ambient; PERMISSIVE
 * or STRICT), read from the built profiles or from a synthesized folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { DataplaneMode, MtlsMode } from '../../config/environment-config';
import { ResolvedEnvironment } from '../../config/resolve-environment';
import { Obj } from '../../diff/semantic-diff';
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

/** The states of every namespace profile built in an App. */
export function statesOf(root: Construct, env: ResolvedEnvironment): EnvironmentState {
  const namespaces = new Map<string, NamespaceMigration>();
  for (const p of root.node.findAll().filter(NamespaceProfile.isNamespaceProfile)) {
    namespaces.set(p.namespace, { namespace: p.namespace, dataplane: p.dataplaneMode, mtlsMode: p.mtlsMode, target: p.targetDataplaneMode });
  }
  return { env, namespaces };
}

/** The states written in a synthesized environment folder (its team Namespaces and their PeerAuthentications). */
export function statesFromObjects(objects: readonly Obj[]): Map<string, NamespaceState> {
  const modes = new Map<string, string>();
  for (const o of objects) {
    if (o.kind === 'PeerAuthentication' && !o.spec?.selector && o.metadata.namespace) modes.set(o.metadata.namespace, o.spec?.mtls?.mode);
  }
  const states = new Map<string, NamespaceState>();
  for (const ns of objects.filter(o => o.kind === 'Namespace' && o.metadata.labels?.[Labels.TEAM])) {
    const l = ns.metadata.labels ?? {};
    const dataplane = l[Labels.DATAPLANE_MODE] === 'ambient' ? DataplaneMode.AMBIENT
      : (l[Labels.REVISION] || l[Labels.INJECTION] === 'enabled') ? DataplaneMode.SIDECAR : DataplaneMode.OUT_OF_MESH;
    states.set(ns.metadata.name!, { dataplane, mtlsMode: modes.get(ns.metadata.name!) === 'STRICT' ? MtlsMode.STRICT : MtlsMode.PERMISSIVE });
  }
  return states;
}

/** A document's top-level `kind:` line naming one of the kinds the states are read from. */
const STATE_KIND = /^kind:[ \t]*(["']?)(Namespace|PeerAuthentication)\1[ \t]*$/m;

/** The `.yaml`/`.yml` files under a folder, at any depth, sorted by path. */
function yamlFilesUnder(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).flatMap(e => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name.startsWith('.') ? [] : yamlFilesUnder(p);
    return e.isFile() && /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

/**
 * The states committed in a synthesized environment folder (`dist/<env>/`), read from the files at
 * any depth: the stage folders of the current layout and the flat files of the layout before it.
 * Only the documents whose top-level kind is Namespace or PeerAuthentication are parsed.
 *
 * @returns undefined when the folder does not exist
 */
export function readCommittedStates(envDir: string): Map<string, NamespaceState> | undefined {
  if (!fs.existsSync(envDir) || !fs.statSync(envDir).isDirectory()) return undefined;
  const objects: Obj[] = [];
  for (const file of yamlFilesUnder(envDir)) {
    for (const doc of fs.readFileSync(file, 'utf8').split(/^---[ \t]*$/m)) {
      if (!STATE_KIND.test(doc)) continue;
      try {
        const o = parse(doc) as Obj | null;
        if (o && typeof o === 'object' && o.metadata) objects.push(o);
      } catch {
        // not an object the synth wrote; the states are read from the ones it did
      }
    }
  }
  return statesFromObjects(objects);
}
