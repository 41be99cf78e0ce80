/**
 * `npm run check` over hostile files: each gives an error or a skip note naming the file, with
 * bounded memory and time, and the rest of the run goes on. The time bound is the test timeout.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_RULES, MeshRule, ReportFormat, runCheck, Severity } from '../../src';

/** A file every run holds too, so each case also proves that the rest of the run goes on. */
const GOOD = `apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { istio-injection: enabled } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec: { host: reviews.shop.svc.cluster.local, trafficPolicy: { tls: { mode: DISABLE } } }
`;
const GOOD_FINDING = 'DestinationRule shop/reviews sets trafficPolicy.tls mode DISABLE';

const ALIAS_BOMB = [
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  ...'bcdefghi'.split('').map(
    (c, i) =>
      `${c}: &${c} [${Array(9)
        .fill(`*${String.fromCharCode(97 + i)}`)
        .join(',')}]`,
  ),
].join('\n');

const LIST = `apiVersion: v1
kind: List
items:
  - apiVersion: networking.istio.io/v1
    kind: DestinationRule
    metadata: { name: payments, namespace: shop }
    spec: { host: payments.shop.svc.cluster.local, trafficPolicy: { tls: { mode: DISABLE } } }
`;
const SEQUENCE = `- apiVersion: networking.istio.io/v1
  kind: DestinationRule
  metadata: { name: ledger, namespace: shop }
  spec: { host: ledger.shop.svc.cluster.local, trafficPolicy: { tls: { mode: DISABLE } } }
`;

function run(paths: string[], rules?: MeshRule[], format = ReportFormat.TEXT): { code: number; out: string } {
  const lines: string[] = [];
  const code = runCheck({ paths, rules, format, out: l => lines.push(l) });
  return { code, out: lines.join('\n') };
}

describe('npm run check on hostile files', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-hostile-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A folder holding the good file and what `make` puts beside it. */
  function folder(name: string, make: (d: string) => void): string {
    const d = path.join(dir, name);
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'good.yaml'), GOOD);
    make(d);
    return d;
  }

  const cases: Array<{ name: string; make: (d: string) => void; code: number; expected: RegExp }> = [
    {
      name: 'a YAML alias bomb',
      make: d => fs.writeFileSync(path.join(d, 'bomb.yaml'), ALIAS_BOMB),
      code: 1,
      expected: /error {2}\S*bomb\.yaml: document 1 not checked: Excessive alias count .* \(more than 1000 alias expansions\)/,
    },
    {
      name: 'a symlink loop',
      make: d => {
        fs.symlinkSync('loop-b.yaml', path.join(d, 'loop-a.yaml'));
        fs.symlinkSync('loop-a.yaml', path.join(d, 'loop-b.yaml'));
      },
      code: 1,
      expected: /error {2}\S*loop-a\.yaml: not checked: a symlink loop \(ELOOP\)/,
    },
    {
      name: 'a symlinked folder that points to its parent',
      make: d => fs.symlinkSync('.', path.join(d, 'again')),
      code: 1,
      expected: /skipped {2}\S*again: folder skipped: it is \S+, which is checked already/,
    },
    {
      name: 'a FIFO',
      make: d => execFileSync('mkfifo', [path.join(d, 'pipe.yaml')]),
      code: 1,
      expected: /error {2}\S*pipe\.yaml: not checked: it is a FIFO, not a regular file/,
    },
    {
      name: 'a symlink to /dev/zero',
      make: d => fs.symlinkSync('/dev/zero', path.join(d, 'zero.yaml')),
      code: 1,
      expected: /error {2}\S*zero\.yaml: not checked: it is a character device, not a regular file/,
    },
    {
      name: 'a 50 MB scalar',
      make: d => fs.writeFileSync(path.join(d, 'huge.yaml'), `a: ${'x'.repeat(50 * 1024 * 1024)}\n`),
      code: 1,
      expected: /error {2}\S*huge\.yaml: not checked: 50\.0 MiB, more than the 10 MiB a manifest file may have/,
    },
    {
      name: 'a UTF-16 file without a byte order mark',
      make: d => fs.writeFileSync(path.join(d, 'utf16.yaml'), Buffer.from(GOOD, 'utf16le')),
      code: 1,
      expected: /error {2}\S*utf16\.yaml: not checked: it holds NUL bytes/,
    },
    {
      name: 'a file that is not UTF-8',
      make: d => fs.writeFileSync(path.join(d, 'latin1.yaml'), Buffer.from('a: caf\xe9\n', 'latin1')),
      code: 1,
      expected: /error {2}\S*latin1\.yaml: not checked: not valid UTF-8/,
    },
  ];

  it.each(cases)(
    '$name: an error or skip naming the file, and the good file is still checked',
    ({ name, make, code, expected }) => {
      const d = folder(name.replace(/\W+/g, '-'), make);
      const { code: exit, out } = run([d]);
      expect(out).toMatch(expected);
      expect(out).toContain(GOOD_FINDING);
      expect(out).not.toMatch(/\n\s+at /);
      expect(exit).toBe(code);
    },
    20_000,
  );

  it('/dev/zero given as a path is refused without reading it', () => {
    const { code, out } = run(['/dev/zero']);
    expect(out).toContain('error  /dev/zero: not checked: it is a character device, not a regular file');
    expect(code).toBe(1);
  });

  it('reads UTF-16 files with a byte order mark (little and big endian)', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(LIST, 'utf16le')]);
    const be = Buffer.from(le.subarray(2)).swap16();
    const d = folder('utf16-bom', x => {
      fs.writeFileSync(path.join(x, 'le.yaml'), le);
      fs.writeFileSync(path.join(x, 'be.yaml'), Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
    });
    const { out } = run([d]);
    expect(out.match(/DestinationRule shop\/payments sets trafficPolicy.tls mode DISABLE/g)).toHaveLength(2);
    expect(out).not.toContain('not checked');
  });

  it('checks the items of kind: List, of other *List kinds and of top-level sequences', () => {
    const d = folder('lists', x => {
      fs.writeFileSync(path.join(x, 'list.yaml'), LIST);
      fs.writeFileSync(
        path.join(x, 'dr-list.yaml'),
        LIST.replace('kind: List', 'kind: DestinationRuleList')
          .replace('apiVersion: v1', 'apiVersion: networking.istio.io/v1')
          .replace(/payments/g, 'orders'),
      );
      fs.writeFileSync(path.join(x, 'sequence.yaml'), SEQUENCE);
    });
    const { code, out } = run([d]);
    expect(out).toContain('DestinationRule shop/payments sets trafficPolicy.tls mode DISABLE');
    expect(out).toContain('DestinationRule shop/orders sets trafficPolicy.tls mode DISABLE');
    expect(out).toContain('DestinationRule shop/ledger sets trafficPolicy.tls mode DISABLE');
    expect(out).toMatch(/4 errors, \d+ warnings?, 0 silenced; 5 objects checked/);
    expect(code).toBe(1);
  });

  it('follows a symlinked folder once', () => {
    const real = folder('real', () => undefined);
    const d = path.join(dir, 'links');
    fs.mkdirSync(d);
    fs.symlinkSync(real, path.join(d, 'one'));
    fs.symlinkSync(real, path.join(d, 'two'));
    const { out } = run([d]);
    expect(out).toContain(GOOD_FINDING);
    expect(out).toMatch(/0 silenced; 2 objects checked/);
    expect(out).toMatch(/skipped {2}\S*two: folder skipped: it is \S*real, which is checked already/);
  });

  it('a rule that throws becomes an error naming the rule, and the other rules still report', () => {
    const d = folder('throwing-rule', () => undefined);
    const broken: MeshRule = {
      id: 'broken-rule',
      severity: Severity.ERROR,
      title: 't',
      why: 'w',
      fix: 'f',
      check: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'spec')");
      },
    };
    const { code, out } = run([d], [broken, ...ALL_RULES]);
    expect(out).toContain("error  (files): rule broken-rule could not run: Cannot read properties of undefined (reading 'spec')");
    expect(out).toContain(GOOD_FINDING);
    expect(code).toBe(1);
  });

  it('lists skips in the JSON report', () => {
    const d = folder('json-skip', x => fs.symlinkSync('.', path.join(x, 'self')));
    const report = JSON.parse(run([d], undefined, ReportFormat.JSON).out);
    expect(report.skipped).toEqual([expect.stringMatching(/self: folder skipped: it is /)]);
  });
});
