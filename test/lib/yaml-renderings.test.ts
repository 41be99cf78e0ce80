/**
 * The emitter's renderings of strings that need quotes, kept between runs
 * (src/synth/yaml-renderings.ts): a later process writes the same bytes without asking `yaml`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';

type Emitter = typeof import('../../src/core/yaml-emitter');
type Renderings = typeof import('../../src/synth/yaml-renderings');

/** A fresh process as far as the emitter is concerned: its tables empty. */
async function fresh(): Promise<Emitter & Renderings> {
  vi.resetModules();
  return { ...(await import('../../src/core/yaml-emitter')), ...(await import('../../src/synth/yaml-renderings')) };
}

/** Strings that need quotes in each position (a key, a value, an item), and plain ones beside them. */
const DOCUMENT = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'quoted', annotations: { '*.example.com': 'true', 'a: b': '443', plain: 'word' } },
  data: { port: '15021', empty: '', expr: "request.kind.kind == 'Pod' ? ['a'] : []", json: '[{"HTTP": 80}]', yes: 'no' },
  hosts: ['*.example.com', '8080', '.', '', 'plain-item'],
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yaml-renderings-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('renderings kept between runs', () => {
  it('gives a later process the same bytes without asking yaml', async () => {
    const first = await fresh();
    expect(first.loadRenderings(dir)).toBe(0);
    const expected = stringify(DOCUMENT, first.YAML_OPTIONS);
    expect(first.emitDocument(DOCUMENT)).toBe(expected);
    const made = first.renderingsSoFar().made;
    expect(made).toBeGreaterThanOrEqual(12);
    first.saveRenderings(dir);
    expect(fs.existsSync(first.renderingsFile(dir))).toBe(true);

    const second = await fresh();
    expect(second.loadRenderings(dir)).toBe(made);
    expect(second.emitDocument(DOCUMENT)).toBe(expected);
    expect(second.renderingsSoFar().made).toBe(0);
  });

  it('writes nothing when yaml made no rendering the file lacked', async () => {
    const first = await fresh();
    first.emitDocument(DOCUMENT);
    first.saveRenderings(dir);
    const file = first.renderingsFile(dir);
    fs.rmSync(file);
    const second = await fresh();
    second.emitDocument({ plain: 'only', words: ['here'] });
    second.saveRenderings(dir);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('leaves out what no position of the emitter gives, and ignores a file it cannot read', async () => {
    const emitter = await fresh();
    const file = emitter.renderingsFile(dir);
    fs.writeFileSync(
      file,
      JSON.stringify([
        ['v443', '"443"'],
        ['xunknown position', '"x"'],
        ['vplain', '"plain"'],
        ['vtwo\nlines', '|-\n  two\n  lines'],
        ['v15021', 15021],
        ['vonly one'],
        'not an entry',
      ]),
    );
    expect(emitter.loadRenderings(dir)).toBe(1);
    expect(emitter.emitDocument(DOCUMENT)).toBe(stringify(DOCUMENT, emitter.YAML_OPTIONS));

    for (const text of ['{"v443": "\\"443\\""}', 'not json', '']) {
      fs.writeFileSync(file, text);
      const again = await fresh();
      expect(again.loadRenderings(dir)).toBe(0);
      expect(again.emitDocument(DOCUMENT)).toBe(stringify(DOCUMENT, again.YAML_OPTIONS));
    }
  });

  it(`keeps the newest ${50_000} renderings`, async () => {
    const emitter = await fresh();
    const old = Array.from({ length: emitter.KEPT_RENDERINGS + 10 }, (_, i) => [`v${i}`, `"${i}"`] as const);
    expect(emitter.loadRenderings(dir)).toBe(0);
    expect(emitter.rememberRenderings(old)).toBe(old.length);
    emitter.emitDocument({ a: '*.new.example.com' });
    emitter.saveRenderings(dir);
    const kept = JSON.parse(fs.readFileSync(emitter.renderingsFile(dir), 'utf8')) as [string, string][];
    expect(kept).toHaveLength(emitter.KEPT_RENDERINGS);
    expect(kept[kept.length - 1]).toEqual(['v*.new.example.com', '"*.new.example.com"']);
    expect(kept[0]).toEqual(['v11', '"11"']);
  });
});
