/**
 * A reader for the block YAML this library writes (`yaml-emitter.ts`), for reading committed
 * output back fast: the migration gate reads every Namespace and PeerAuthentication of the
 * committed environments on each synth, and `yaml`'s `parse` cost more than the rest of a re-synth.
 *
 * It reads block mappings and sequences (two spaces deeper per level, a mapping item starting on
 * the dash's line) of plain strings that start with a letter (not a word a YAML schema reads as a
 * boolean or null), decimal integers, `true`, `false`, `null`, quoted strings without escapes,
 * `{}` and `[]`, and full-line comments. On anything else it gives up (undefined), and the caller
 * parses the document with `yaml`: a file a person edited (anchors, flow collections, block
 * scalars, escapes, trailing comments, duplicate keys) is read exactly as `yaml` reads it.
 * `test/lib/yaml-reader.test.ts` compares both over every document of the committed output.
 */

class GiveUp extends Error {}

interface Line {
  readonly indent: number;
  readonly text: string;
}

/**
 * A plain scalar that starts with a letter or `_`, in printable ASCII: a string in every YAML
 * schema unless it is one of {@link NOT_STRINGS}, when it is a valid plain scalar in a block value
 * (no `: `, no ` #`, not ending in `:`; see {@link plainString}).
 */
const PLAIN = /^[A-Za-z_][\x20-\x7e]*$/;
/** Plain words a YAML 1.1 or 1.2 schema reads as something other than a string. */
const NOT_STRINGS = new Set(['y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null']);
const INTEGER = /^(?:0|-?[1-9][0-9]{0,14})$/;
const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_./-]*):(?: (.*))?$/;

function plainString(text: string): boolean {
  if (!PLAIN.test(text) || text.includes(': ') || text.includes(' #') || text.endsWith(':') || text.endsWith(' ')) return false;
  if (NOT_STRINGS.has(text.toLowerCase())) throw new GiveUp();
  return true;
}

function scalar(text: string): unknown {
  if (text === '{}') return {};
  if (text === '[]') return [];
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (INTEGER.test(text)) return Number(text);
  if (plainString(text)) return text;
  const quote = text[0];
  if ((quote === '"' || quote === "'") && text.length >= 2 && text[text.length - 1] === quote) {
    const inner = text.slice(1, -1);
    if (inner.includes(quote) || (quote === '"' && inner.includes('\\'))) throw new GiveUp();
    return inner;
  }
  throw new GiveUp();
}

class Reader {
  private i = 0;
  public constructor(private readonly lines: Line[]) {}

  public document(): unknown {
    if (this.lines.length === 0) throw new GiveUp();
    const value = this.block(0);
    if (this.i !== this.lines.length) throw new GiveUp();
    return value;
  }

  private isItem(line: Line): boolean {
    return line.text.startsWith('- ');
  }

  private block(indent: number): unknown {
    const line = this.lines[this.i];
    if (!line || line.indent !== indent) throw new GiveUp();
    return this.isItem(line) ? this.sequence(indent) : this.mapping(indent);
  }

  private mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (this.i < this.lines.length) {
      const line = this.lines[this.i];
      if (line.indent < indent) break;
      if (line.indent > indent || this.isItem(line)) throw new GiveUp();
      const m = KEY_LINE.exec(line.text);
      if (!m || Object.prototype.hasOwnProperty.call(out, m[1]) || m[1] === '__proto__' || NOT_STRINGS.has(m[1].toLowerCase())) throw new GiveUp();
      this.i++;
      if (m[2] !== undefined) out[m[1]] = scalar(m[2]);
      else out[m[1]] = this.block(indent + 2);
    }
    return out;
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    while (this.i < this.lines.length) {
      const line = this.lines[this.i];
      if (line.indent < indent) break;
      if (line.indent > indent || !this.isItem(line)) throw new GiveUp();
      const content = line.text.slice(2);
      if (KEY_LINE.test(content)) {
        // A mapping item: its first entry is on the dash's line, the others two spaces deeper.
        this.lines[this.i] = { indent: indent + 2, text: content };
        out.push(this.mapping(indent + 2));
      } else {
        out.push(scalar(content));
        this.i++;
      }
    }
    return out;
  }
}

/**
 * One YAML document in the block subset described above, as `yaml`'s `parse` reads it; undefined
 * when the document is outside that subset.
 */
export function readEmittedDocument(text: string): unknown {
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    let indent = 0;
    while (raw.charCodeAt(indent) === 0x20) indent++;
    const rest = raw.slice(indent);
    if (rest === '') return undefined;
    if (rest.startsWith('#')) continue;
    if (
      rest.endsWith(' ') ||
      rest.includes('\t') ||
      rest.includes('\r') ||
      (indent === 0 && (rest === '---' || rest === '...' || rest.startsWith('%')))
    )
      return undefined;
    lines.push({ indent, text: rest });
  }
  try {
    return new Reader(lines).document();
  } catch (e) {
    if (e instanceof GiveUp) return undefined;
    throw e;
  }
}
