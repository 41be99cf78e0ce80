/**
 * A YAML emitter for the shapes this library writes (block mappings and sequences of strings,
 * numbers, booleans and null), giving the same bytes as `yaml`'s `stringify` with the options of
 * `toYaml`, at a fraction of its cost.
 *
 * Scalars that are not plainly safe are rendered by `yaml` itself, once per distinct string and
 * position (mapping key, mapping value, sequence item), and cached. A document with anything else
 * (a string `yaml` writes as a block scalar, a sequence directly inside a sequence, a number that
 * is not finite, `undefined`, a value that is not plain JSON) is handed to `yaml` whole, so the
 * output never depends on what this emitter handles.
 */
import { stringify } from 'yaml';

/** The options `toYaml` gives `yaml`. */
export const YAML_OPTIONS = { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false, directives: false } as const;

class Unhandled extends Error {}

/**
 * Strings `yaml` writes plain in every position: a letter or `_` first, then letters, digits and
 * `_./-`, and not a word the YAML 1.1 schema reads as a boolean or null.
 */
const PLAIN = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const SPECIAL_WORDS = new Set(['y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null']);

const keyCache = new Map<string, string>();
const valueCache = new Map<string, string>();
const itemCache = new Map<string, string>();

function plain(s: string): boolean {
  return s.length < 1000 && PLAIN.test(s) && !SPECIAL_WORDS.has(s.toLowerCase());
}

/** `yaml`'s rendering of a string in one position: `render` gives the line, `strip` the scalar. */
function viaYaml(cache: Map<string, string>, s: string, render: (s: string) => string, prefix: string, suffix: string): string {
  let out = cache.get(s);
  if (out === undefined) {
    const line = render(s);
    if (!line.startsWith(prefix) || !line.endsWith(suffix)) throw new Unhandled();
    out = line.slice(prefix.length, line.length - suffix.length);
    // A block scalar, or anything spanning lines, depends on the indentation: not handled.
    if (out.includes('\n') || out.startsWith('|') || out.startsWith('>')) throw new Unhandled();
    cache.set(s, out);
  }
  return out;
}

function key(k: string): string {
  return plain(k) ? k : viaYaml(keyCache, k, s => stringify({ [s]: null }, YAML_OPTIONS), '', ': null\n');
}

function scalar(v: unknown, position: 'value' | 'item'): string {
  switch (typeof v) {
    case 'string':
      if (plain(v)) return v;
      return position === 'value'
        ? viaYaml(valueCache, v, s => stringify({ a: s }, YAML_OPTIONS), 'a: ', '\n')
        : viaYaml(itemCache, v, s => stringify([s], YAML_OPTIONS), '- ', '\n');
    case 'number':
      if (!Number.isFinite(v) || Object.is(v, -0)) throw new Unhandled();
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      if (v === null) return 'null';
      throw new Unhandled();
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const PADS: string[] = [''];
function pad(n: number): string {
  while (PADS.length <= n) PADS.push(`${PADS[PADS.length - 1]} `);
  return PADS[n];
}

function mapping(o: Record<string, unknown>, indent: number, out: string[]): void {
  for (const k of Object.keys(o)) {
    const v = o[k];
    const head = `${pad(indent)}${key(k)}:`;
    if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${head} []\n`);
      else {
        out.push(`${head}\n`);
        sequence(v, indent + 2, out);
      }
    } else if (isPlainObject(v)) {
      if (Object.keys(v).length === 0) out.push(`${head} {}\n`);
      else {
        out.push(`${head}\n`);
        mapping(v, indent + 2, out);
      }
    } else if (typeof v === 'object' && v !== null) {
      throw new Unhandled();
    } else {
      out.push(`${head} ${scalar(v, 'value')}\n`);
    }
  }
}

function sequence(items: readonly unknown[], indent: number, out: string[]): void {
  for (const v of items) {
    if (Array.isArray(v)) {
      if (v.length > 0) throw new Unhandled();
      out.push(`${pad(indent)}- []\n`);
    } else if (isPlainObject(v)) {
      if (Object.keys(v).length === 0) {
        out.push(`${pad(indent)}- {}\n`);
        continue;
      }
      const start = out.length;
      mapping(v, indent + 2, out);
      // The first entry goes on the dash's line.
      out[start] = `${pad(indent)}- ${out[start].slice(indent + 2)}`;
    } else if (typeof v === 'object' && v !== null) {
      throw new Unhandled();
    } else {
      out.push(`${pad(indent)}- ${scalar(v, 'item')}\n`);
    }
  }
}

/** One YAML document of `value`, as `stringify(value, YAML_OPTIONS)` writes it. */
export function emitDocument(value: unknown): string {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    const out: string[] = [];
    try {
      mapping(value, 0, out);
      return out.join('');
    } catch (e) {
      if (!(e instanceof Unhandled)) throw e;
    }
  }
  return stringify(value, YAML_OPTIONS);
}
