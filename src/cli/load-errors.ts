/**
 * A configuration module that fails to load (a syntax error, a merge-conflict marker, a throw while
 * its top level runs) becomes one line naming the file and the line, instead of a stack trace and
 * a dump of the loader's source.
 */
import * as fs from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';

/** Where a load error points: the user's file, line and column, and what went wrong. */
export interface LoadErrorLocation {
  /** Path relative to `root` (absolute when outside it). */
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

const TRANSFORM_LINE = /^(\/[^:\n]+|[A-Za-z]:\\[^:\n]+):(\d+):(\d+): ERROR: (.+)$/m;
const STACK_FRAME = /\(?((?:\/|[A-Za-z]:\\)[^():\n]+\.(?:ts|tsx|js|cjs|mjs)):(\d+):(\d+)\)?$/;

function relative(root: string, file: string): string {
  const rel = path.relative(root, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/**
 * Where a position of a bundled file (one with a source map `<file>.map` beside it, as
 * `scripts/run.js` writes) comes from; undefined for any other file. Maps are read once per call.
 */
function originalPosition(
  maps: Map<string, SourceMap | undefined>,
  file: string,
  line: number,
  column: number,
): { file: string; line: number; column: number } | undefined {
  if (!file.endsWith('.js')) return undefined;
  if (!maps.has(file)) {
    try {
      maps.set(file, new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]));
    } catch {
      maps.set(file, undefined);
    }
  }
  const entry = maps.get(file)?.findEntry(line - 1, column - 1);
  if (!entry || !('originalSource' in entry) || !entry.originalSource) return undefined;
  const source = entry.originalSource.startsWith('file://')
    ? new URL(entry.originalSource).pathname
    : path.resolve(path.dirname(file), entry.originalSource);
  return { file: source, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

/**
 * Locate an error thrown while loading configuration modules: the compiler's own location for a
 * syntax error, else the first stack frame in a file of `root` outside `node_modules`.
 */
export function locateLoadError(error: unknown, root: string): LoadErrorLocation {
  const e = error instanceof Error ? error : new Error(String(error));
  const transform = TRANSFORM_LINE.exec(e.message);
  if (transform) {
    return { file: relative(root, transform[1]), line: Number(transform[2]), column: Number(transform[3]) + 1, message: transform[4] };
  }
  const firstLine = e.message.split('\n')[0];
  const maps = new Map<string, SourceMap | undefined>();
  for (const frame of (e.stack ?? '').split('\n').slice(1)) {
    const m = STACK_FRAME.exec(frame.trim());
    if (!m) continue;
    const at = originalPosition(maps, m[1], Number(m[2]), Number(m[3])) ?? { file: m[1], line: Number(m[2]), column: Number(m[3]) };
    if (at.file.includes(`${path.sep}node_modules${path.sep}`) || relative(root, at.file) === at.file) continue;
    return {
      file: relative(root, at.file),
      line: at.line,
      column: at.column,
      message: `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${firstLine}`,
    };
  }
  return { message: `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${firstLine}` };
}

/** One line for a load error, with a fix where the cause is recognizable. */
export function formatLoadError(error: unknown, root: string, what = 'the configuration'): string {
  const at = locateLoadError(error, root);
  const where = at.file ? `${at.file}${at.line ? `:${at.line}${at.column ? `:${at.column}` : ''}` : ''}: ` : '';
  const conflict = /^(<<<<<<<|=======|>>>>>>>)/.test(at.message) || /Unexpected "(<<|==|>>)/.test(at.message);
  const fix = conflict
    ? 'resolve the merge conflict (remove the <<<<<<<, ======= and >>>>>>> lines)'
    : at.file
      ? `fix ${at.file}${at.line ? ` at line ${at.line}` : ''}`
      : 'fix the module named above';
  return `cannot load ${what}: ${where}${at.message}. fix: ${fix}`;
}

/**
 * Run `load` (which requires the configuration modules); on failure print one line and exit 1.
 */
export function loadOrExit<T>(load: () => T, root: string, what?: string): T {
  try {
    return load();
  } catch (e) {
    console.error(formatLoadError(e, root, what));
    process.exit(1);
  }
}
