/**
 * A YAML emitter for the shapes this library writes (block mappings and sequences of strings,
 * numbers, booleans and null), giving the same bytes as `yaml`'s `stringify` with the options of
 * `toYaml`, at a fraction of its cost.
 *
 * Scalars that are not plainly safe are rendered by `yaml` itself, once per distinct string and
 * position (mapping key, mapping value, sequence item), and remembered (`rememberRenderings` takes
 * those of an earlier process). A document with anything else
 * (a string `yaml` writes as a block scalar other than a plain literal block in a mapping value,
 * a sequence directly inside a sequence, a number that is not finite, `undefined`, a value that is
 * not plain JSON) is handed to `yaml` whole, so the output never depends on what this emitter
 * handles.
 */
import { stringify } from 'yaml';
import { hasOwnKeys } from './own-keys';

/** The options `toYaml` gives `yaml`. */
export const YAML_OPTIONS = { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false, directives: false } as const;

class Unhandled extends Error {}

/**
 * Strings `yaml` writes plain in every position: a letter or `_` first, then letters, digits and
 * `_./-`, and not a word the YAML 1.1 schema reads as a boolean or null.
 */
const PLAIN = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const SPECIAL_WORDS = new Set(['y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null']);

function plain(s: string): boolean {
  return s.length < 1000 && PLAIN.test(s) && !SPECIAL_WORDS.has(s.toLowerCase());
}

/** `yaml`'s rendering of a string in one position: the scalar of `render`'s line, between `prefix` and `suffix`. */
function viaYaml(s: string, render: (s: string) => string, prefix: string, suffix: string): string {
  const line = render(s);
  if (!line.startsWith(prefix) || !line.endsWith(suffix)) throw new Unhandled();
  const out = line.slice(prefix.length, line.length - suffix.length);
  // A block scalar, or anything spanning lines, depends on the indentation: not handled.
  if (out.includes('\n') || out.startsWith('|') || out.startsWith('>')) throw new Unhandled();
  return out;
}

/**
 * The rendering of every string seen in one position, plain or not, so that the plain test runs
 * once per distinct string: keys and most values repeat from object to object. A table is emptied
 * when it reaches {@link MEMO_LIMIT} entries, so a long-lived process does not keep every string.
 */
const MEMO_LIMIT = 200_000;
const keyText = new Map<string, string>();
const valueText = new Map<string, string>();
const itemText = new Map<string, string>();

/** The positions of a scalar, as the first character of a key of {@link fromYaml}. */
const POSITIONS = { k: keyText, v: valueText, i: itemText } as const;
type Position = keyof typeof POSITIONS;

/**
 * What `yaml` rendered in this process, and what {@link rememberRenderings} was given: the text of
 * each string that is not plain, by its position and the string (`'v' + s` for a mapping value).
 */
const fromYaml = new Map<string, string>();
/** How many of {@link fromYaml}'s renderings `yaml` made in this process. */
let madeByYaml = 0;

/**
 * The rendering of `s` in `position`: itself when plain, else the scalar of `yaml`'s line for it
 * (`render`, between `prefix` and `suffix`).
 */
function rendered(position: Position, s: string, render: (s: string) => string, prefix: string, suffix: string): string {
  const memo = POSITIONS[position];
  let text = memo.get(s);
  if (text === undefined) {
    if (plain(s)) text = s;
    else {
      const at = position + s;
      text = fromYaml.get(at);
      if (text === undefined) {
        text = viaYaml(s, render, prefix, suffix);
        if (fromYaml.size >= MEMO_LIMIT) fromYaml.clear();
        fromYaml.set(at, text);
        madeByYaml++;
      }
    }
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(s, text);
  }
  return text;
}

/**
 * The renderings of strings that are not plain, by position and string, that `yaml` made in this
 * process or {@link rememberRenderings} was given; `made` counts those `yaml` made.
 */
export function renderingsSoFar(): { readonly made: number; readonly renderings: ReadonlyMap<string, string> } {
  return { made: madeByYaml, renderings: fromYaml };
}

/**
 * Take renderings that `yaml` made in another process ({@link renderingsSoFar}), so that they are
 * not asked of it again. Each must come from the same `yaml` version and {@link YAML_OPTIONS}; one
 * that no position of this emitter can give (an unknown position, a plain string, a line break) is
 * left out.
 *
 * @returns how many were taken
 */
export function rememberRenderings(renderings: Iterable<readonly [string, string]>): number {
  let taken = 0;
  for (const [at, text] of renderings) {
    if (typeof at !== 'string' || typeof text !== 'string' || !(at[0] in POSITIONS) || text.includes('\n') || plain(at.slice(1))) continue;
    if (fromYaml.size >= MEMO_LIMIT) break;
    fromYaml.set(at, text);
    taken++;
  }
  return taken;
}

/** `yaml`'s line for a string as a mapping key, a mapping value and a sequence item. */
const keyLine = (s: string) => stringify({ [s]: null }, YAML_OPTIONS);
const valueLine = (s: string) => stringify({ a: s }, YAML_OPTIONS);
const itemLine = (s: string) => stringify([s], YAML_OPTIONS);

function key(k: string): string {
  return rendered('k', k, keyLine, '', ': null\n');
}

function scalar(v: unknown, position: 'value' | 'item'): string {
  switch (typeof v) {
    case 'string':
      return position === 'value' ? rendered('v', v, valueLine, 'a: ', '\n') : rendered('i', v, itemLine, '- ', '\n');
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
      if (!hasOwnKeys(v)) out.push(`${head} {}\n`);
      else {
        out.push(`${head}\n`);
        mapping(v, indent + 2, out);
      }
    } else if (typeof v === 'object' && v !== null) {
      throw new Unhandled();
    } else {
      const block = typeof v === 'string' ? literalBlock(v, indent + 2) : undefined;
      out.push(block === undefined ? `${head} ${scalar(v, 'value')}\n` : `${head} ${block}\n`);
    }
  }
}

/** Characters `yaml` writes only double-quoted (stringifyString.js, the check before a block scalar). */
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const NEEDS_QUOTES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;

/**
 * A multi-line string as the mapping value `yaml` writes as a literal block scalar (`|` when it
 * ends with one line break, `|-` when it ends with none), its lines at `contentIndent`; undefined
 * for any other string. Strings that start with white space or a line break, end in white space or
 * in more than one line break, or hold characters `yaml` quotes are left to `yaml` (stringifyString.js,
 * blockString: their header needs an indentation indicator, a keep indicator or quotes).
 */
function literalBlock(s: string, contentIndent: number): string | undefined {
  if (!s.includes('\n') || NEEDS_QUOTES.test(s)) return undefined;
  const first = s.charCodeAt(0);
  if (first === 0x20 || first === 0x09 || first === 0x0a) return undefined;
  const last = s.charCodeAt(s.length - 1);
  let chomp: string;
  let body: string;
  if (last === 0x0a) {
    const before = s.charCodeAt(s.length - 2);
    if (before === 0x0a || before === 0x20 || before === 0x09) return undefined;
    chomp = '';
    body = s.slice(0, -1);
  } else {
    if (last === 0x20 || last === 0x09) return undefined;
    chomp = '-';
    body = s;
  }
  const indent = pad(contentIndent);
  return `|${chomp}\n${indent}${body.replace(/\n+/g, m => m + indent)}`;
}

function sequence(items: readonly unknown[], indent: number, out: string[]): void {
  for (const v of items) {
    if (Array.isArray(v)) {
      if (v.length > 0) throw new Unhandled();
      out.push(`${pad(indent)}- []\n`);
    } else if (isPlainObject(v)) {
      if (!hasOwnKeys(v)) {
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

/** How many documents {@link emitDocument} has handed to `yaml` whole, in this process. */
export const handedToYaml = { documents: 0 };

/** One YAML document of `value`, as `stringify(value, YAML_OPTIONS)` writes it. */
export function emitDocument(value: unknown): string {
  if (isPlainObject(value) && hasOwnKeys(value)) {
    const out: string[] = [];
    try {
      mapping(value, 0, out);
      return out.join('');
    } catch (e) {
      if (!(e instanceof Unhandled)) throw e;
    }
  }
  handedToYaml.documents++;
  return stringify(value, YAML_OPTIONS);
}
