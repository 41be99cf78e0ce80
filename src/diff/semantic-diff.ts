/**
 * Compare two syntheses object by object: pair by identity, detect renames, list field changes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KubeObject, objectKey } from '../core/manifest';
import { byCodePoint } from '../core/sort';

/** One field that differs; `before`/`after` undefined when the field was added/removed. */
export interface FieldChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** One object in both syntheses (same identity, or renamed) whose content differs. */
export interface ObjectChange {
  readonly before: KubeObject;
  readonly after: KubeObject;
  readonly fields: readonly FieldChange[];
}

/** What changed in one environment. */
export interface EnvironmentDiff {
  readonly environment: string;
  readonly added: readonly KubeObject[];
  readonly removed: readonly KubeObject[];
  readonly changed: readonly ObjectChange[];
  /** Same content under a new identity (the object is deleted and created in the cluster). */
  readonly renamed: readonly ObjectChange[];
}

/** The `.yaml` files of an environment folder and of its stage folders (`src/constructs/layout.ts`), sorted by path. */
function yamlFilesIn(dir: string, depth = 0): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .map(e => e.name)
    .sort()
    .flatMap(name => {
      const p = path.join(dir, name);
      if (fs.statSync(p).isDirectory()) return depth === 0 && STAGE_FOLDER.test(name) ? yamlFilesIn(p, depth + 1) : [];
      return name.endsWith('.yaml') ? [p] : [];
    });
}

/** Folders of an environment written by the synth, one per Flux Kustomization. */
const STAGE_FOLDER = /^(control-plane|config|namespaces(-[01]+)?)$/;

/**
 * Read `<dir>/<env>/*.yaml` and `<dir>/<env>/<stage folder>/*.yaml` into objects per environment
 * (kustomization.yaml excluded): the layout with stage folders and the flat one before it.
 */
export function readTree(dir: string): Map<string, KubeObject[]> {
  const envs = new Map<string, KubeObject[]>();
  if (!fs.existsSync(dir)) return envs;
  for (const env of fs
    .readdirSync(dir, { withFileTypes: true })
    .filter(e => e.isDirectory())
    .map(e => e.name)
    .sort()) {
    const objects: KubeObject[] = [];
    for (const file of yamlFilesIn(path.join(dir, env))) {
      for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
        const o = doc.toJS();
        if (o?.apiVersion && o.kind && !String(o.apiVersion).startsWith('kustomize.config.k8s.io')) objects.push(o);
      }
    }
    envs.set(env, objects);
  }
  return envs;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const keyed = (items: unknown[]) =>
  items.every(i => isObject(i) && typeof i.name === 'string') && new Set(items.map(i => (i as { name: string }).name)).size === items.length;

/** Field-level differences; lists of named items are compared by name, lists of scalars as sets. */
export function diffFields(before: unknown, after: unknown, at = ''): FieldChange[] {
  if (same(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap(k => diffFields(before[k], after[k], at ? `${at}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if (keyed(before) && keyed(after)) {
      const names = [...new Set([...before, ...after].map(i => (i as { name: string }).name))].sort();
      return names.flatMap(n =>
        diffFields(
          before.find(i => (i as { name: string }).name === n),
          after.find(i => (i as { name: string }).name === n),
          `${at}[name=${n}]`,
        ),
      );
    }
    if ([...before, ...after].every(i => !isObject(i) && !Array.isArray(i))) {
      const b = new Set(before.map(String));
      const a = new Set(after.map(String));
      return [
        ...[...b]
          .filter(x => !a.has(x))
          .sort()
          .map(x => ({ path: `${at}[]`, before: x })),
        ...[...a]
          .filter(x => !b.has(x))
          .sort()
          .map(x => ({ path: `${at}[]`, after: x })),
      ];
    }
    const n = Math.max(before.length, after.length);
    return Array.from({ length: n }, (_, i) => diffFields(before[i], after[i], `${at}[${i}]`)).flat();
  }
  return [{ path: at, before, after }];
}

/** Content that identifies an object regardless of its name (for rename detection). */
function content(o: KubeObject): string {
  const { metadata, ...rest } = o;
  const { name: _name, ...meta } = metadata ?? {};
  return JSON.stringify({ ...rest, metadata: meta });
}

/** Compare one environment's objects before and after. */
export function diffEnvironment(environment: string, before: readonly KubeObject[], after: readonly KubeObject[]): EnvironmentDiff {
  const b = new Map(before.map(o => [objectKey(o), o]));
  const a = new Map(after.map(o => [objectKey(o), o]));
  let removed = [...b.keys()].filter(k => !a.has(k)).map(k => b.get(k)!);
  let added = [...a.keys()].filter(k => !b.has(k)).map(k => a.get(k)!);
  const changed = [...b.keys()]
    .filter(k => a.has(k) && !same(b.get(k), a.get(k)))
    .map(k => ({ before: b.get(k)!, after: a.get(k)!, fields: diffFields(b.get(k), a.get(k)) }));

  const renamed: ObjectChange[] = [];
  for (const old of [...removed]) {
    const twin = added.find(n => n.apiVersion === old.apiVersion && n.kind === old.kind && content(n) === content(old));
    if (twin) {
      renamed.push({ before: old, after: twin, fields: diffFields(old, twin) });
      removed = removed.filter(o => o !== old);
      added = added.filter(o => o !== twin);
    }
  }
  const byId = (x: KubeObject, y: KubeObject) => byCodePoint(objectKey(x), objectKey(y));
  return {
    environment,
    added: added.sort(byId),
    removed: removed.sort(byId),
    changed: changed.sort((x, y) => byId(x.after, y.after)),
    renamed: renamed.sort((x, y) => byId(x.after, y.after)),
  };
}

/** Compare every environment of two trees (an environment only on one side is all added/removed). */
export function diffTrees(before: Map<string, KubeObject[]>, after: Map<string, KubeObject[]>): EnvironmentDiff[] {
  const envs = [...new Set([...before.keys(), ...after.keys()])].sort();
  return envs.map(env => diffEnvironment(env, before.get(env) ?? [], after.get(env) ?? []));
}
