/**
 * What `check` reads: YAML files and folders, and the kustomizations among them, as located
 * objects. Hostile input (special files, symlink loops, huge files, alias bombs, templates) is an
 * error or a note naming the path, never a crash.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CLUSTER_SCOPED_KINDS } from '../profiles/namespace-profile';
import { LocatedManifest } from '../checks/rules';
import { byCodePoint } from '../core/sort';

/** File names kustomize reads as a folder's kustomization. */
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/** Kustomization fields `check` applies; others are named in a note. */
const APPLIED_KUSTOMIZE_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'resources', 'bases', 'namespace']);

/** Largest file read, so one hostile file cannot take the memory of the run. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Aliases one document may expand (the `yaml` package's `maxAliasCount`): stops alias bombs. */
const MAX_ALIAS_COUNT = 1000;
/** How deep `kind: List` items (of `*List` kinds) are expanded. */
const MAX_LIST_DEPTH = 4;

/** A path as printed: relative to the working folder when inside it, else absolute. */
export const displayOf = (file: string) => {
  const rel = path.relative(process.cwd(), file);
  return !rel ? file : rel.startsWith('..') ? path.resolve(file) : rel;
};

/** What reading the paths gave, besides the objects. */
export interface ReadNotes {
  /** Files that could not be checked: they count as errors. */
  readonly errors: string[];
  /** Paths not read because their content is checked anyway (a symlink loop, a second way to a folder). */
  readonly skipped: string[];
}

/** The kind of a file that is not a regular file or a folder, for messages. */
function specialKind(stat: fs.Stats): string {
  return stat.isFIFO()
    ? 'a FIFO'
    : stat.isSocket()
      ? 'a socket'
      : stat.isCharacterDevice()
        ? 'a character device'
        : stat.isBlockDevice()
          ? 'a block device'
          : 'not a regular file';
}

const errnoText = (e: unknown) => {
  const err = e as NodeJS.ErrnoException;
  return err.code === 'ELOOP'
    ? 'a symlink loop (ELOOP)'
    : err.code === 'ENOENT'
      ? 'a symlink to nothing (ENOENT)'
      : err.code
        ? `${err.code}: ${err.message}`
        : String(err.message ?? e);
};

/**
 * The YAML files under `p` (folders recursively; `.yaml` and `.yml`; `node_modules` and dot folders
 * left out). Symlinks are followed; a folder reached a second time (a loop, or two links to one
 * folder) is skipped with a note. A path given explicitly is read whatever its name.
 */
export function yamlFiles(p: string, notes: ReadNotes, visited: Set<string>, explicit: boolean, roots: string[] = []): string[] {
  let stat: fs.Stats;
  let real: string;
  try {
    stat = fs.statSync(p);
    real = fs.realpathSync(p);
  } catch (e) {
    notes.errors.push(`${displayOf(p)}: not checked: ${errnoText(e)}`);
    return [];
  }
  if (!stat.isDirectory()) return explicit || /\.ya?ml$/.test(path.basename(p)) ? [p] : [];
  if (visited.has(real)) {
    notes.skipped.push(`${displayOf(p)}: folder skipped: it is ${displayOf(real)}, which is checked already (symlink loop or second link)`);
    return [];
  }
  visited.add(real);
  if (kustomizationOf(p)) {
    roots.push(p);
    return [];
  }
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(p, { withFileTypes: true });
  } catch (e) {
    notes.errors.push(`${displayOf(p)}: folder not checked: ${errnoText(e)}`);
    return [];
  }
  return entries
    .sort((a, b) => byCodePoint(a.name, b.name))
    .flatMap(e => {
      const child = path.join(p, e.name);
      if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : yamlFiles(child, notes, visited, false, roots);
      if (e.isSymbolicLink()) return e.name.startsWith('.') ? [] : yamlFiles(child, notes, visited, false, roots);
      return /\.ya?ml$/.test(e.name) ? [child] : [];
    });
}

/** The kustomization file of a folder, if it has one. */
export function kustomizationOf(dir: string): string | undefined {
  for (const name of KUSTOMIZATION_FILES) {
    const file = path.join(dir, name);
    try {
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not this name
    }
  }
  return undefined;
}

/** What a kustomization builds, as far as `check` follows it. */
interface Build {
  readonly objects: LocatedManifest[];
  /** Folders of the kustomizations it includes (itself too). */
  readonly folders: Set<string>;
}

/**
 * The objects a kustomization builds: its `resources` (files, and folders with their own
 * kustomization), with its `namespace` set on namespaced objects. Remote resources, generators,
 * patches and other transformers are not applied; each such field is named in a note.
 */
export function buildKustomization(dir: string, notes: ReadNotes, stack: readonly string[] = []): Build {
  const folders = new Set<string>([path.resolve(dir)]);
  const objects: LocatedManifest[] = [];
  const file = kustomizationOf(dir)!;
  const display = displayOf(file);
  if (stack.includes(path.resolve(dir))) {
    notes.errors.push(`${display}: not built: it includes itself (${[...stack, path.resolve(dir)].map(displayOf).join(' -> ')})`);
    return { objects, folders };
  }
  const { text, error } = readText(file);
  let k: unknown;
  try {
    k = text === undefined ? undefined : parse(text, { maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    notes.errors.push(`${display}: not built: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    return { objects, folders };
  }
  if (error !== undefined || !isMapping(k)) {
    notes.errors.push(`${display}: not built: ${error ?? 'not a mapping'}`);
    return { objects, folders };
  }
  const other = Object.keys(k)
    .filter(key => !APPLIED_KUSTOMIZE_FIELDS.has(key))
    .sort(byCodePoint);
  if (other.length > 0)
    notes.skipped.push(
      `${display}: checked without ${other.join(', ')} (check applies resources and namespace only; kustomize build output shows the rest)`,
    );
  const entries = [...(Array.isArray(k.resources) ? k.resources : []), ...(Array.isArray(k.bases) ? k.bases : [])];
  for (const entry of entries) {
    if (typeof entry !== 'string' || !entry) {
      notes.errors.push(`${display}: resources entry ${JSON.stringify(entry)} is not a path`);
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.startsWith('git@') || /^github\.com\//.test(entry) || entry.includes('?ref=')) {
      notes.skipped.push(`${display}: remote resource ${entry} not checked (only local files are read)`);
      continue;
    }
    const target = path.resolve(dir, entry);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(target);
    } catch (e) {
      notes.errors.push(`${display}: resource ${entry} not checked: ${errnoText(e)}`);
      continue;
    }
    if (stat.isDirectory()) {
      if (!kustomizationOf(target)) {
        notes.errors.push(`${display}: resource ${entry} is a folder without a kustomization.yaml (kustomize refuses it)`);
        continue;
      }
      const inner = buildKustomization(target, notes, [...stack, path.resolve(dir)]);
      inner.folders.forEach(f => folders.add(f));
      objects.push(...inner.objects);
    } else {
      const read = readObjects(target, displayOf(target), notes.skipped);
      notes.errors.push(...read.errors);
      objects.push(...read.objects);
    }
  }
  const namespace = typeof k.namespace === 'string' && k.namespace ? k.namespace : undefined;
  return {
    folders,
    objects: objects.map(o => ({
      ...o,
      build: display,
      manifest: namespace && isNamespaced(o) ? { ...o.manifest, metadata: { ...o.manifest.metadata, namespace } } : o.manifest,
    })),
  };
}

/** True for kinds the API server keeps in a namespace (everything not known to be cluster-scoped). */
const isNamespaced = (o: LocatedManifest) => !CLUSTER_SCOPED_KINDS.includes(String(o.manifest.kind));

/** Objects without a namespace as the API server stores them: in `default`. */
export function withDefaultNamespace(o: LocatedManifest): LocatedManifest {
  const ns = o.manifest.metadata?.namespace;
  if (!isNamespaced(o) || (typeof ns === 'string' && ns)) return o;
  return { ...o, manifest: { ...o.manifest, metadata: { ...o.manifest.metadata, namespace: 'default' } } };
}

/** The text of a file, at most {@link MAX_FILE_BYTES}, decoded from UTF-8 or (with a byte order mark) UTF-16. */
function readText(file: string): { text?: string; error?: string } {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    return { error: `not checked: ${errnoText(e)}` };
  }
  if (!stat.isFile()) return { error: `not checked: it is ${specialKind(stat)}, not a regular file` };
  const limit = `more than the ${MAX_FILE_BYTES / 1024 / 1024} MiB a manifest file may have`;
  if (stat.size > MAX_FILE_BYTES) return { error: `not checked: ${(stat.size / 1024 / 1024).toFixed(1)} MiB, ${limit}` };
  let bytes: Buffer;
  try {
    // Read at most one byte more than the limit, whatever the size said (the file may grow).
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
      let length = 0;
      for (let n = -1; n !== 0 && length < buffer.length;) {
        n = fs.readSync(fd, buffer, length, buffer.length - length, null);
        length += n;
      }
      bytes = buffer.subarray(0, length);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    return { error: `not checked: ${errnoText(e)}` };
  }
  if (bytes.length > MAX_FILE_BYTES) return { error: `not checked: ${limit}` };
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2)) };
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be', { fatal: true }).decode(bytes.subarray(2)) };
    if (bytes.includes(0)) return { error: 'not checked: it holds NUL bytes (binary, or UTF-16/UTF-32 without a byte order mark)' };
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    return { error: 'not checked: not valid UTF-8 (or UTF-16 with a byte order mark)' };
  }
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go template actions, as Helm charts hold them before rendering. */
const TEMPLATE = /\{\{-?\s*[^}]*\}\}/;

/**
 * The line (1-based) showing that a file is an unrendered Helm template: a line that is a template
 * action (`{{- if ... }}`, `{{ include ... }}`), or any action in a file of a chart's `templates/`
 * folder (a `Chart.yaml` beside that folder). Actions inside string values of a rendered file
 * (alert texts, notification templates) do not count.
 */
function helmTemplateLine(file: string, text: string): number | undefined {
  const lines = text.split('\n');
  const control = lines.findIndex(l => /^\s*(- )?\{\{/.test(l) && TEMPLATE.test(l));
  if (control >= 0) return control + 1;
  const parts = path.resolve(file).split(path.sep);
  const t = parts.lastIndexOf('templates');
  if (t > 0 && fs.existsSync(path.join(parts.slice(0, t).join(path.sep) || path.sep, 'Chart.yaml'))) {
    const any = lines.findIndex(l => TEMPLATE.test(l));
    if (any >= 0) return any + 1;
  }
  return undefined;
}

/**
 * Read Kubernetes objects from a file. Documents that are not objects (kustomization.yaml) are
 * skipped; a top-level sequence is read as its items; `kind: List` (and any `*List` with `items`)
 * as its items. Never throws: what cannot be read is an error naming the file.
 */
export function readObjects(file: string, display: string, skipped: string[] = []): { objects: LocatedManifest[]; errors: string[] } {
  const objects: LocatedManifest[] = [];
  const errors: string[] = [];
  const { text, error } = readText(file);
  if (error !== undefined || text === undefined) return { objects, errors: [`${display}: ${error}`] };
  const template = helmTemplateLine(file, text);
  if (template !== undefined) {
    skipped.push(`${display}: skipped: an unrendered Helm template ({{ ... }} on line ${template}); check the output of helm template instead`);
    return { objects, errors };
  }
  const add = (value: unknown, where: string, depth: number): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => add(item, `${where}[${i}]`, depth));
      return;
    }
    if (!isMapping(value) || !value.apiVersion || !value.kind || String(value.apiVersion).startsWith('kustomize.config.k8s.io')) return;
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      if (depth >= MAX_LIST_DEPTH) {
        errors.push(`${display}: ${where}: not checked: ${value.kind} nested more than ${MAX_LIST_DEPTH} deep`);
        return;
      }
      value.items.forEach((item, i) => add(item, `${where}.items[${i}]`, depth + 1));
      return;
    }
    if (value.metadata !== undefined && !isMapping(value.metadata)) {
      errors.push(`${display}: ${where}: ${String(value.kind)} has a metadata that is not a mapping`);
      return;
    }
    const identity = [value.apiVersion, value.kind, (value.metadata as any)?.name, (value.metadata as any)?.namespace];
    if (identity.some(v => typeof v === 'string' && v.includes('{{'))) {
      skipped.push(`${display}: ${where}: skipped: its identity holds an unrendered template ({{ ... }})`);
      return;
    }
    objects.push({ manifest: { ...value, metadata: value.metadata ?? {} } as unknown as LocatedManifest['manifest'], file: display });
  };
  try {
    parseAllDocuments(text).forEach((doc, i) => {
      if (doc.errors.length > 0) {
        const line = TEMPLATE.test(text) ? text.split('\n').findIndex(l => TEMPLATE.test(l)) + 1 : 0;
        if (line > 0)
          skipped.push(`${display}: document ${i + 1} skipped: not YAML until rendered, an unrendered template ({{ ... }} on line ${line})`);
        else errors.push(`${display}: not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
        return;
      }
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (e) {
        errors.push(`${display}: document ${i + 1} not checked: ${(e as Error).message} (more than ${MAX_ALIAS_COUNT} alias expansions)`);
        return;
      }
      add(value, `document ${i + 1}`, 0);
    });
  } catch (e) {
    errors.push(`${display}: not checked: ${(e as Error).message}`);
  }
  return { objects, errors };
}
