import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { generatePlatform } from '../../bench/generate';
import { synthesize } from '../../src';
import { readEmittedDocument } from '../../src/core/yaml-reader';
import { fixtureDist } from '../fixtures/platform';

/** Every document of every YAML file under a folder. */
function documentsUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return documentsUnder(p);
    return e.name.endsWith('.yaml') ? fs.readFileSync(p, 'utf8').split(/^---[ \t]*$/m) : [];
  });
}

describe('readEmittedDocument: the block YAML the synth writes, read without yaml', () => {
  it('reads the documents of the committed output and of a generated platform as yaml does, every Namespace and PeerAuthentication among them', () => {
    const bench = generatePlatform({ namespaces: 10 });
    const generated = synthesize(bench.environments, bench.build, { meshReport: false }).flatMap(r =>
      r.files.filter(f => f.name.endsWith('.yaml')).flatMap(f => f.content.split(/^---[ \t]*$/m)),
    );
    const docs = [...documentsUnder(fixtureDist()), ...generated].filter(d => d.trim() !== '');
    expect(docs.length).toBeGreaterThan(1000);
    const read = docs.map(d => ({ d, fast: readEmittedDocument(d) }));
    for (const { d, fast } of read) if (fast !== undefined) expect(fast).toEqual(parse(d));
    // What the migration gate reads back on every synth is never left to yaml.
    const states = read.filter(r => /^kind: (Namespace|PeerAuthentication)$/m.test(r.d));
    expect(states.length).toBeGreaterThan(100);
    expect(states.filter(r => r.fast === undefined).map(r => r.d.slice(0, 300))).toEqual([]);
    // And most of the rest is read directly too.
    expect(read.filter(r => r.fast !== undefined).length).toBeGreaterThan(docs.length / 2);
  });

  it('gives up on what it does not read exactly as yaml (which then reads it)', () => {
    const outside = [
      'a: &x b\nc: *x\n',
      'a: {b: c}\n',
      'a: [b]\n',
      'a: |\n  x\n',
      'a: "e\\n"\n',
      "a: 'it''s'\n",
      'a: b # note\n',
      'a: b:\n',
      'a: x: y\n',
      'a: True\n',
      'a: b\na: c\n',
      'a: yes\n',
      'a: ~\n',
      'a: 1.5\n',
      'a: 007\n',
      'a: !!str b\n',
      'a:\n- b\n',
      'a:\n    b: c\n',
      'a:\n',
      'a: b \n',
      'a:\tb\n',
      '- - a\n',
      'null: a\n',
      '"q": a\n',
      '__proto__: a\n',
      '# only a comment\n',
      '',
      '%YAML 1.2\n',
      'a: b\n...\n',
    ];
    for (const doc of outside) expect(readEmittedDocument(doc), JSON.stringify(doc)).toBeUndefined();
  });

  it('reads the shapes it covers: nested mappings, mapping items, scalars, quotes, comments', () => {
    const doc = [
      '# header',
      'kind: Namespace',
      'metadata:',
      '  labels:',
      '    istio.io/dataplane-mode: ambient',
      '  name: a-1',
      'spec:',
      '  ports:',
      '    - port: 443',
      '      name: "https: tls"',
      "    - name: 'x#y'",
      '      list: ledger,payments-api',
      '      words: a b#c [d]',
      '  items:',
      '    - -1',
      '    - true',
      '    - null',
      '  empty: {}',
      '  none: []',
      '',
    ].join('\n');
    const fast = readEmittedDocument(doc);
    expect(fast).toEqual(parse(doc));
    expect(fast).toEqual({
      kind: 'Namespace',
      metadata: { labels: { 'istio.io/dataplane-mode': 'ambient' }, name: 'a-1' },
      spec: { ports: [{ port: 443, name: 'https: tls' }, { name: 'x#y', list: 'ledger,payments-api', words: 'a b#c [d]' }], items: [-1, true, null], empty: {}, none: [] },
    });
  });
});
