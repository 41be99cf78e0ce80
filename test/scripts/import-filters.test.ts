import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { withLinearFilters } from '../../scripts/import';
import { ROOT } from '../util';

// The shapes the generator writes: the result of a toJson_ function, a map of plain values, a map
// whose values are converted, a map of arrays.
const GENERATED = `
function toJson_Thing(obj: any): Record<string, any> | undefined {
  if (obj === undefined) { return undefined; }
  const result = {
    'name': obj.name,
    'labels': ((obj.labels) === undefined) ? undefined : (Object.entries(obj.labels).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})),
    'limits': ((obj.limits) === undefined) ? undefined : (Object.entries(obj.limits).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1]?.value }), {})),
    'tags': ((obj.tags) === undefined) ? undefined : (Object.entries(obj.tags).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1]?.map(y => y) }), {})),
    'headers': ((obj.headers) === undefined) ? undefined : (Object.entries(obj.headers).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: toJson_Header(i[1]) }), {})),
  };
  // filter undefined values
  return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});
}
function toJson_Header(obj: any): Record<string, any> | undefined {
  if (obj === undefined) { return undefined; }
  const result = { 'exact': obj.exact, 'prefix': obj.prefix };
  return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});
}
module.exports = toJson_Thing;
`;

function load(ts: string): (obj: unknown) => unknown {
  const js = transformSync(ts, { loader: 'ts', format: 'cjs' }).code;
  const module = { exports: {} as unknown };
  vm.runInNewContext(js, { module });
  return module.exports as (obj: unknown) => unknown;
}

describe('npm run import: the generated filters of undefined values, made linear', () => {
  const transformed = withLinearFilters(GENERATED, 'sample.ts');

  it('replaces every reduce of the generator and adds the helper once', () => {
    expect(transformed).not.toMatch(/\.reduce\(/);
    expect(transformed.match(/mapDefined\(/g)).toHaveLength(6);
    expect(transformed.match(/^function mapDefined/gm)).toHaveLength(1);
  });

  it('gives what the generated code gives: the same keys in the same order, undefined values dropped, nulls kept', () => {
    const before = load(GENERATED);
    const after = load(transformed);
    const inputs: unknown[] = [
      {},
      { name: 'a' },
      { name: undefined, labels: { b: '2', a: '1', gone: undefined, '10': 'x', '2': 'y' } },
      { labels: {}, limits: { cpu: { value: '1' }, mem: null, none: undefined }, tags: { t: ['x', 'y'], u: null } },
      { headers: { 'x-a': { exact: 'v' }, 'x-b': { prefix: 'p', exact: undefined }, 'x-c': undefined }, name: null },
    ];
    for (const input of inputs) {
      const a = after(input);
      expect(a).toEqual(before(input));
      expect(JSON.stringify(a)).toBe(JSON.stringify(before(input)));
    }
  });

  it('refuses a reduce written another way, rather than leave it', () => {
    const other = GENERATED.replace('({ ...r, [i[0]]: i[1] }), {});\n}\nfunction', '({ ...r, [i[0]]: i[1] }), {} as any);\n}\nfunction');
    expect(() => withLinearFilters(other, 'imports/x.ts')).toThrow(/imports\/x\.ts: a generated reduce/);
  });

  it('has been applied to every committed file of imports/', () => {
    for (const name of fs.readdirSync(path.join(ROOT, 'imports'))) {
      expect(fs.readFileSync(path.join(ROOT, 'imports', name), 'utf8'), name).not.toMatch(/\.reduce\(\(r, i\)/);
    }
  });
});
