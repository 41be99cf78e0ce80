/**
 * `npm run check -- <dirs or files>`: the mesh rules over any folder of YAML.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { EnvironmentConfig } from '../config/environment-config';
import { resolveEnvironment, ResolvedEnvironment } from '../config/resolve-environment';
import { ALL_RULES, LocatedManifest, MeshRule, RuleResult, runRules, Severity } from '../rules';

/** Output formats of the report. */
export enum ReportFormat {
  TEXT = 'text',
  JSON = 'json',
  GITHUB = 'github',
}

/** Options of {@link runCheck}. */
export interface RunCheckOptions {
  /** Files or folders to read (folders recursively, `.yaml` and `.yml`). */
  readonly paths: readonly string[];
  /** Known environments; a folder named after one (e.g. `dist/prod`) is checked with its config. */
  readonly environments?: readonly EnvironmentConfig[];
  /**
   * Check every path as this environment.
   *
   * @default - inferred from folder names, else none
   */
  readonly env?: string;
  /** @default ReportFormat.TEXT */
  readonly format?: ReportFormat;
  /** @default ALL_RULES */
  readonly rules?: readonly MeshRule[];
  /** @default console.log */
  readonly out?: (text: string) => void;
}

interface Group {
  readonly name: string;
  readonly env?: ResolvedEnvironment;
  readonly objects: LocatedManifest[];
}

/** Largest file read, so one hostile file cannot take the memory of the run. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Aliases one document may expand (the `yaml` package's `maxAliasCount`): stops alias bombs. */
const MAX_ALIAS_COUNT = 1000;
/** How deep `kind: List` items (of `*List` kinds) are expanded. */
const MAX_LIST_DEPTH = 4;

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** A path as printed: relative to the working folder when inside it, else absolute. */
const displayOf = (file: string) => {
  const rel = path.relative(process.cwd(), file);
  return !rel ? file : rel.startsWith('..') ? path.resolve(file) : rel;
};

/** What reading the paths gave, besides the objects. */
interface ReadNotes {
  /** Files that could not be checked: they count as errors. */
  readonly errors: string[];
  /** Paths not read because their content is checked anyway (a symlink loop, a second way to a folder). */
  readonly skipped: string[];
}

/** The kind of a file that is not a regular file or a folder, for messages. */
function specialKind(stat: fs.Stats): string {
  return stat.isFIFO() ? 'a FIFO' : stat.isSocket() ? 'a socket' : stat.isCharacterDevice() ? 'a character device' : stat.isBlockDevice() ? 'a block device' : 'not a regular file';
}

const errnoText = (e: unknown) => {
  const err = e as NodeJS.ErrnoException;
  return err.code === 'ELOOP' ? 'a symlink loop (ELOOP)' : err.code === 'ENOENT' ? 'a symlink to nothing (ENOENT)' : err.code ? `${err.code}: ${err.message}` : String(err.message ?? e);
};

/**
 * The YAML files under `p` (folders recursively; `.yaml` and `.yml`; `node_modules` and dot folders
 * left out). Symlinks are followed; a folder reached a second time (a loop, or two links to one
 * folder) is skipped with a note. A path given explicitly is read whatever its name.
 */
function yamlFiles(p: string, notes: ReadNotes, visited: Set<string>, explicit: boolean): string[] {
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
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(p, { withFileTypes: true });
  } catch (e) {
    notes.errors.push(`${displayOf(p)}: folder not checked: ${errnoText(e)}`);
    return [];
  }
  return entries.sort((a, b) => byCodePoint(a.name, b.name)).flatMap(e => {
    const child = path.join(p, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : yamlFiles(child, notes, visited, false);
    if (e.isSymbolicLink()) return e.name.startsWith('.') ? [] : yamlFiles(child, notes, visited, false);
    return /\.ya?ml$/.test(e.name) ? [child] : [];
  });
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

/**
 * Read Kubernetes objects from a file. Documents that are not objects (kustomization.yaml) are
 * skipped; a top-level sequence is read as its items; `kind: List` (and any `*List` with `items`)
 * as its items. Never throws: what cannot be read is an error naming the file.
 */
function readObjects(file: string, display: string): { objects: LocatedManifest[]; errors: string[] } {
  const objects: LocatedManifest[] = [];
  const errors: string[] = [];
  const { text, error } = readText(file);
  if (error !== undefined || text === undefined) return { objects, errors: [`${display}: ${error}`] };
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
    objects.push({ manifest: { ...value, metadata: value.metadata ?? {} } as unknown as LocatedManifest['manifest'], file: display });
  };
  try {
    parseAllDocuments(text).forEach((doc, i) => {
      if (doc.errors.length > 0) {
        errors.push(`${display}: not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
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

/**
 * The rules with each check guarded: a rule that throws on odd input becomes an error finding of
 * the run instead of ending it.
 */
function guarded(rules: readonly MeshRule[], group: string, errors: string[]): MeshRule[] {
  return rules.map(rule => Object.assign(Object.create(rule) as MeshRule, {
    check: (ctx: Parameters<MeshRule['check']>[0]) => {
      try {
        return rule.check(ctx);
      } catch (e) {
        errors.push(`${group}: rule ${rule.id} could not run: ${(e as Error).message}`);
        return [];
      }
    },
  }));
}

/**
 * Read the paths and run the rules, one group per environment.
 *
 * @returns the exit code: 0 no error, 1 errors found, 2 bad usage or unreadable input
 */
export function runCheck(options: RunCheckOptions): number {
  const out = options.out ?? console.log;
  const environments = new Map((options.environments ?? []).map(e => [e.name, e]));
  const resolve = (name: string) => {
    const config = environments.get(name);
    return config ? resolveEnvironment(config).env : undefined;
  };
  if (options.env && !environments.has(options.env)) {
    out(`unknown environment ${options.env}; known: ${[...environments.keys()].join(', ') || '(none)'}`);
    return 2;
  }
  const exists = (p: string) => {
    try {
      fs.lstatSync(p);
      return true;
    } catch {
      return false;
    }
  };
  const missing = options.paths.filter(p => !exists(p));
  if (options.paths.length === 0 || missing.length > 0) {
    out(options.paths.length === 0 ? 'usage: check <dir or file>...' : `no such file or folder: ${missing.join(', ')}`);
    return 2;
  }

  // Group files: by --env, else by an environment-named folder on their path, else all together.
  const groups = new Map<string, Group>();
  const notes: ReadNotes = { errors: [], skipped: [] };
  const readErrors = notes.errors;
  const visited = new Set<string>();
  for (const p of options.paths) {
    for (const file of yamlFiles(p, notes, visited, true)) {
      const display = displayOf(file);
      let real = file;
      try {
        real = fs.realpathSync(file);
      } catch {
        // read below, which names the error
      }
      if (visited.has(real)) {
        notes.skipped.push(`${display}: skipped: it is ${displayOf(real)}, which is checked already`);
        continue;
      }
      visited.add(real);
      const folderEnv = options.env ?? path.resolve(file).split(path.sep).reverse().find(part => environments.has(part));
      const key = folderEnv ?? '(files)';
      if (!groups.has(key)) groups.set(key, { name: key, env: folderEnv ? resolve(folderEnv) : undefined, objects: [] });
      const { objects, errors } = readObjects(file, display);
      groups.get(key)!.objects.push(...objects);
      readErrors.push(...errors);
    }
  }

  const results: Array<RuleResult & { group: string }> = [];
  const silenced: Array<RuleResult & { group: string }> = [];
  for (const group of groups.values()) {
    let report: ReturnType<typeof runRules>;
    try {
      report = runRules(group.objects, guarded(options.rules ?? ALL_RULES, group.name, readErrors), group.env);
    } catch (e) {
      readErrors.push(`${group.name}: the rules could not run over these files: ${(e as Error).message}`);
      continue;
    }
    results.push(...report.results.map(r => ({ ...r, group: group.name })));
    silenced.push(...report.silenced.map(r => ({ ...r, group: group.name })));
  }
  const errors = results.filter(r => r.rule.severity === Severity.ERROR).length + readErrors.length;
  const warnings = results.length - (errors - readErrors.length);
  const objects = [...groups.values()].reduce((n, g) => n + g.objects.length, 0);

  switch (options.format ?? ReportFormat.TEXT) {
    case ReportFormat.JSON:
      out(JSON.stringify({
        summary: { objects, errors, warnings, silenced: silenced.length },
        readErrors,
        skipped: notes.skipped,
        results: results.map(r => ({ environment: r.group, file: r.object.file, object: `${r.object.manifest.kind} ${r.object.manifest.metadata.namespace ?? ''}/${r.object.manifest.metadata.name}`, rule: r.rule.id, severity: r.rule.severity, title: r.rule.title, message: r.message, fix: r.fix, why: r.rule.why })),
        silenced: silenced.map(r => ({ environment: r.group, file: r.object.file, rule: r.rule.id, message: r.message, reason: r.silencedBecause })),
      }, null, 2));
      break;
    case ReportFormat.GITHUB:
      for (const e of readErrors) out(`::error::${e}`);
      for (const n of notes.skipped) out(`::notice::${n}`);
      for (const r of results) out(`::${r.rule.severity === Severity.ERROR ? 'error' : 'warning'} file=${r.object.file},title=${r.rule.id}::${r.message}. fix: ${r.fix}`);
      for (const r of silenced) out(`::notice file=${r.object.file},title=${r.rule.id} (silenced)::${r.message}. reason: ${r.silencedBecause}`);
      break;
    default: {
      for (const e of readErrors) out(`error  ${e}`);
      for (const n of notes.skipped) out(`skipped  ${n}`);
      let file = '';
      for (const r of results) {
        if (r.object.file !== file) {
          file = r.object.file;
          out(`\n${file}`);
        }
        out(`  ${r.rule.severity.padEnd(7)} ${r.rule.id}  ${r.message}`);
        out(`          fix: ${r.fix}`);
      }
      if (silenced.length > 0) {
        out(`\nsilenced (${silenced.length}):`);
        for (const r of silenced) out(`  ${r.object.file}  ${r.rule.id}  ${r.message}\n          reason: ${r.silencedBecause}`);
      }
      out(`\n${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${silenced.length} silenced; ${objects} objects checked`);
    }
  }
  return errors > 0 ? 1 : 0;
}

/** The rule catalog as a Markdown table. */
export function rulesTable(rules: readonly MeshRule[] = ALL_RULES): string {
  const rows = rules.map(r => `| \`${r.id}\` | ${r.severity} | ${r.title} | ${r.why} | ${r.fix} |`);
  return ['| rule | severity | what | why | fix |', '|---|---|---|---|---|', ...rows].join('\n');
}
