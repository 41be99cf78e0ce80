/**
 * Where each chart's file goes inside `dist/<env>/`: one folder per Flux Kustomization, so each
 * Kustomization builds a small folder of bounded size instead of the whole environment.
 *
 * - `control-plane/`: the charts of {@link ChartLayer.CONTROL_PLANE};
 * - `config/`: the charts of {@link ChartLayer.MESH} and {@link ChartLayer.INGRESS};
 * - `namespaces/` or `namespaces-<bits>/`: the app-team namespaces ({@link ChartLayer.NAMESPACES}),
 *   at most `flux.namespacesPerFolder` per folder ({@link NAMESPACE_SHARD_SIZE} by default).
 *
 * Namespaces are sharded by a binary trie over a 32-bit FNV-1a hash of their name: a shard holding
 * more than that many namespaces splits in two by the next bit of the hash
 * (`namespaces` into `namespaces-0` and `namespaces-1`, `namespaces-1` into `namespaces-10` and
 * `namespaces-11`, ...). The folders follow from the set of namespace names alone (no state), and
 * adding or removing a namespace moves other namespaces only when it makes one shard split or two
 * merge, and then only the namespaces of that shard.
 */
import type { ResolvedEnvironment } from '../config/resolve-environment';
import { FLUX_DEFAULTS } from '../config/resolve/flux';
import { ChartLayer } from './mesh-chart';
import { byCodePoint } from '../core/sort';

/**
 * Most app-team namespaces in one folder (and one Flux Kustomization) unless the environment sets
 * `flux.namespacesPerFolder`. `kustomize build` of a folder of the bench's namespaces (about 17
 * objects each), on a 2-core machine: 10 namespaces 0.15 s, 25 namespaces 0.36 s, 49 namespaces
 * 1.07 s, 100 namespaces 3.8 s (README, "Namespace shards").
 */
export const NAMESPACE_SHARD_SIZE: number = FLUX_DEFAULTS.namespacesPerFolder;

/**
 * Deepest split: 2^11 shards. Flux writes the Kustomization's name into a label value of every
 * object it applies (at most 63 characters): a 40-character prefix, `-namespaces-` and 11 bits fit.
 * A shard at this depth is never split further, whatever its size.
 */
export const MAX_SHARD_DEPTH = 11;

/** Folder of the control-plane stage. */
export const CONTROL_PLANE_FOLDER = 'control-plane';
/** Folder of the mesh config stage. */
export const CONFIG_FOLDER = 'config';
/** Folder (and prefix of the folders) of the app-team namespaces. */
export const NAMESPACES_FOLDER = 'namespaces';

/** 32-bit FNV-1a hash of the UTF-8 bytes of a name. */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(name, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The first `depth` bits of a name's hash, most significant first, as `0`/`1` characters. */
function hashBits(hash: number, depth: number): string {
  return depth === 0 ? '' : (hash >>> 0).toString(2).padStart(32, '0').slice(0, depth);
}

/** Folder name of the shard with these hash bits. */
function shardFolder(bits: string): string {
  return bits === '' ? NAMESPACES_FOLDER : `${NAMESPACES_FOLDER}-${bits}`;
}

/** How the app-team namespaces of an environment are sharded. */
export class NamespaceShards {
  /** The shards of an environment's app-team namespaces, `flux.namespacesPerFolder` to a folder. */
  public static ofEnvironment(env: Pick<ResolvedEnvironment, 'namespaces' | 'flux'>): NamespaceShards {
    return NamespaceShards.of(Object.keys(env.namespaces), env.flux.namespacesPerFolder);
  }

  /** Shard every namespace of `names`. */
  public static of(names: Iterable<string>, shardSize: number = NAMESPACE_SHARD_SIZE): NamespaceShards {
    return new NamespaceShards([...new Set(names)], shardSize);
  }

  /** The leaves of the trie, as hash-bit prefixes, sorted. */
  private readonly leaves: string[] = [];

  private constructor(names: readonly string[], shardSize: number) {
    const split = (bits: string, members: ReadonlyArray<{ hash: number }>) => {
      if (members.length <= shardSize || bits.length >= MAX_SHARD_DEPTH) {
        this.leaves.push(bits);
        return;
      }
      // Both halves become leaves (even an empty one), so every name has exactly one shard.
      const depth = bits.length + 1;
      // Bit number `depth` of the hash, counted from the most significant one.
      const bit = (m: { hash: number }) => (m.hash >>> (32 - depth)) & 1;
      split(
        `${bits}0`,
        members.filter(m => bit(m) === 0),
      );
      split(
        `${bits}1`,
        members.filter(m => bit(m) === 1),
      );
    };
    split(
      '',
      names.map(n => ({ hash: nameHash(n) })),
    );
    this.leaves.sort(byCodePoint);
    this.leafSet = new Set(this.leaves);
    this.depths = [...new Set(this.leaves.map(l => l.length))].sort((a, b) => a - b);
  }

  /** The leaves, for lookups, and the lengths they have. */
  private readonly leafSet: ReadonlySet<string>;
  private readonly depths: readonly number[];

  /** The folders of the shards, sorted. */
  public get folders(): string[] {
    return this.leaves.map(shardFolder);
  }

  /** The folder of the shard a namespace (or any name) belongs to. */
  public folderOf(name: string): string {
    const all = hashBits(nameHash(name), 32);
    const depth = this.depths.find(d => this.leafSet.has(all.slice(0, d)));
    const leaf = depth === undefined ? undefined : all.slice(0, depth);
    // The leaves cover every hash; '' is the only leaf of an environment without splits.
    return shardFolder(leaf ?? '');
  }
}

/** The folder of `dist/<env>/` a chart's file goes to. */
export function folderOfChart(layer: ChartLayer, stem: string, shards: NamespaceShards): string {
  if (layer === ChartLayer.CONTROL_PLANE) return CONTROL_PLANE_FOLDER;
  if (layer === ChartLayer.NAMESPACES) return shards.folderOf(stem);
  return CONFIG_FOLDER;
}

/** Every folder of an environment, in apply order: control plane, config, then the namespace shards. */
export function environmentFolders(shards: NamespaceShards): string[] {
  return [CONTROL_PLANE_FOLDER, CONFIG_FOLDER, ...shards.folders];
}
