import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildFlux, buildPlatform } from '../fixtures/platform';
import { ENVIRONMENTS } from '../fixtures/platform';
import { generatePlatform } from '../../bench/generate';
import { synthesize } from '../../src';
import { emitDocument, YAML_OPTIONS } from '../../src/core/yaml-emitter';
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
    const differing = objects.filter(o => emitDocument(o) !== reference(o)).map(o => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
    expect(differing).toEqual([]);
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
    expect(emitDocument([1, { a: 2 }])).toBe(reference([1, { a: 2 }]));
  });
});
