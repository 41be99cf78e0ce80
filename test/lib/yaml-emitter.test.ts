import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildFlux, buildPlatform } from '../fixtures/platform';
import { ENVIRONMENTS } from '../fixtures/platform';
import { generatePlatform } from '../../bench/generate';
import { synthesize } from '../../src';
import { emitDocument, handedToYaml, YAML_OPTIONS } from '../../src/core/yaml-emitter';
import { crdSchemas } from '../util';

const reference = (value: unknown) => stringify(value, YAML_OPTIONS);

describe('YAML emitter', () => {
  it('writes every object of dist/ and of a generated platform byte for byte as yaml does', () => {
    const bench = generatePlatform({ namespaces: 10 });
    const objects = [
      ...synthesize(ENVIRONMENTS, buildPlatform, { schemas: crdSchemas() }),
      ...synthesize(ENVIRONMENTS, buildFlux, { stageFolders: false, meshReport: false }),
      ...synthesize(bench.environments, bench.build, { meshReport: false }),
    ].flatMap(r => r.charts.flatMap(c => c.objects));
    expect(objects.length).toBeGreaterThan(1000);
    const before = handedToYaml.documents;
    const differing = objects.filter(o => emitDocument(o) !== reference(o)).map(o => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
    expect(differing).toEqual([]);
    // And the emitter wrote them itself: none went to yaml whole (the waypoint ConfigMaps' blocks included).
    expect(handedToYaml.documents - before).toBe(0);
  });

  it('gives yaml\'s bytes for strings seen before and after its table of distinct strings was emptied', () => {
    const sample = { 'say "hi"': ['a: b', 'plain', 'yes'], plain: 'a #b', key: '0.0.0.0/0' };
    expect(emitDocument(sample)).toBe(reference(sample));
    // More distinct strings in each position than the table keeps (200,000).
    for (let chunk = 0; chunk < 5; chunk++) {
      const many = Array.from({ length: 50_000 }, (_, i) => `v${chunk}-${i}`);
      emitDocument({ values: Object.fromEntries(many.map(s => [s, s])), items: many });
    }
    expect(emitDocument(sample)).toBe(reference(sample));
    const late = { 'v4-49999': 'v0-0', items: ['v4-49999', 'v0-0'] };
    expect(emitDocument(late)).toBe(reference(late));
  });

  it('gives yaml\'s bytes for scalars that need quotes or a block, and for shapes it hands to yaml', () => {
    const tricky = ['', ' lead', 'trail ', 'yes', 'No', 'on', 'OFF', 'y', 'null', '~', 'true', '443', '0.0.0.0/0', '1e3', '0x1F', '12:30', '2026-01-01', 'a: b', 'a #b', '#c', '*x', '&a', '!tag', '%p', '@at', '`tick', '- dash', '? q', '[x]', '{x}', 'it\'s', 'say "hi"', 'é-ü', 'tab\there', 'line\nbreak', 'ends\n', 'x'.repeat(2000), '$patch: delete\nkind: Dropped\n'];
    const value = {
      keys: Object.fromEntries(tricky.map((t, i) => [t || 'empty', i])),
      values: Object.fromEntries(tricky.map((t, i) => [`k${i}`, t])),
      items: tricky,
      numbers: [0, 1, -1, 1.5, 1e21, 1e-7, -0, Number.MAX_SAFE_INTEGER],
      misc: { t: true, f: false, n: null, empty: {}, none: [], nested: [{ a: 1, b: [{ c: 'd' }] }, {}, []] },
    };
    for (const part of [value, ...Object.values(value).map(v => ({ v }))]) expect(emitDocument(part)).toBe(reference(part));
    expect(emitDocument({ list: [[1, 2]] })).toBe(reference({ list: [[1, 2]] }));
    expect(emitDocument({ n: Number.NaN })).toBe(reference({ n: Number.NaN }));
    expect(emitDocument({})).toBe(reference({}));
    // Mappings without a prototype, empty and not, at the top, in a mapping and in a sequence.
    const bare = (entries: Record<string, unknown>) => Object.assign(Object.create(null) as Record<string, unknown>, entries);
    const bareDoc = { m: bare({}), full: bare({ a: 1 }), list: [bare({}), bare({ b: 'c' })] };
    expect(emitDocument(bareDoc)).toBe(reference(bareDoc));
    expect(emitDocument(bare({}))).toBe(reference(bare({})));
    expect(emitDocument(bare({ top: true }))).toBe(reference(bare({ top: true })));
    expect(emitDocument([1, { a: 2 }])).toBe(reference([1, { a: 2 }]));
  });

  it('writes multi-line strings as yaml does: literal blocks in mapping values itself, at any depth, the rest through yaml', () => {
    const strings = ['a\nb\n', 'a\nb', 'a\n\nb\n', 'a:\n  b: c\n', 'x\n  y\n', 'x \ny\n', '---\nx\n', 'a\n\n\nb', 'k: v\n- l\n', '#c\nd\n', 'a\tb\nc\n'];
    const toYaml = [' lead\nx\n', '\nx\n', 'x\n\n', 'y\n ', 'x\n\ty\n ', 'bell\u0007\nx\n'];
    const shapes = (s: string) => [{ a: s }, { m: { n: { k: s } } }, { l: [{ k: s, j: s }] }, { l: [{ o: { k: s } }] }];
    const emit = (doc: unknown) => {
      const before = handedToYaml.documents;
      const text = emitDocument(doc);
      return { text, whole: handedToYaml.documents - before === 1 };
    };
    for (const s of strings) for (const doc of shapes(s)) expect(emit(doc)).toEqual({ text: reference(doc), whole: false });
    // Quoted by yaml (one scalar) or a block with an indicator (the whole document to yaml): yaml's bytes either way.
    for (const s of toYaml) for (const doc of shapes(s)) expect(emit(doc).text).toBe(reference(doc));
    expect(emit({ a: ' lead\nx\n' }).whole).toBe(true);
    // A multi-line sequence item is left to yaml too.
    expect(emit({ l: ['a\nb\n'] })).toEqual({ text: reference({ l: ['a\nb\n'] }), whole: true });
  });
});
