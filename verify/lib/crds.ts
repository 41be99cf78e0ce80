/**
 * The pinned CRDs, complete (CEL rules, defaults, subresources: the API server needs them all), read
 * from `EKS_MESH_CRDS` or from the `.crds/` copy that `npm run import` keeps (`findCrdFileDir`),
 * each file checked against its sha256 in `crds.lock.yaml`. The committed `crd-schemas/` is not
 * enough here: it keeps only what the in-process schema check reads.
 */
import { parseAllDocuments } from 'yaml';
import { readCrdSources, readFromMirror } from '../../scripts/crd-sources';
import { findCrdFileDir } from '../../src/checks/schema';

/** One CustomResourceDefinition as read from YAML. */
export interface Crd {
  readonly apiVersion: string;
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly group: string;
    readonly scope: 'Namespaced' | 'Cluster';
    readonly names: { readonly kind: string; readonly plural: string };
    readonly versions: ReadonlyArray<{ readonly name: string; readonly served: boolean; readonly schema?: { readonly openAPIV3Schema?: Record<string, unknown> } }>;
  };
}

/** The pinned CRDs, where they were read from, and the digest of each source file. */
export interface PinnedCrds {
  readonly dir: string;
  readonly crds: Crd[];
  /** `<file> <sha256>` per source, sorted: keys caches built from these CRDs. */
  readonly digests: string[];
}

/**
 * Read every pinned CRD source from the CRD folder.
 *
 * Throws naming what is missing or altered and how to fix it.
 */
export function readPinnedCrds(root: string): PinnedCrds {
  const dir = findCrdFileDir(root);
  if (!dir) {
    throw new Error('no CRD folder: run `npm run import` (or `npm run import -- --mirror <folder of the pinned files>`; it fills .crds/), or set EKS_MESH_CRDS to a folder of the pinned CRD files');
  }
  const crds: Crd[] = [];
  const digests: string[] = [];
  const problems: string[] = [];
  for (const source of readCrdSources(root)) {
    let text: string;
    try {
      text = readFromMirror(source, dir);
    } catch (e) {
      problems.push((e as Error).message);
      continue;
    }
    digests.push(`${source.mirrorFile} ${source.sha256}`);
    for (const doc of parseAllDocuments(text)) {
      const value = doc.toJS() as Crd | null;
      if (value?.kind === 'CustomResourceDefinition') crds.push(value);
    }
  }
  if (problems.length > 0) throw new Error(`pinned CRDs cannot be read from ${dir}:\n    ${problems.join('\n    ')}`);
  crds.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  return { dir, crds, digests: digests.sort() };
}
