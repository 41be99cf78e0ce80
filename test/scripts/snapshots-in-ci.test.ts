/**
 * In CI (CI set, as .ci/run runs) a file snapshot that does not exist yet fails the run instead of
 * being written: a new output file is reviewed, never committed silently.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../util';

const dir = fs.mkdtempSync(path.join(ROOT, '.snapshot-ci-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
fs.mkdirSync(path.join(dir, 'test'));
fs.writeFileSync(
  path.join(dir, 'test', 'new.test.ts'),
  "import { expect, it } from 'vitest';\nit('new', async () => { await expect('x').toMatchFileSnapshot('./__snapshots__/new.txt'); });\n",
);

function vitest(ci: boolean): number | null {
  const env = { ...process.env };
  delete env.CI;
  if (ci) env.CI = 'true';
  return spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', dir, '--config', path.join(ROOT, 'vitest.config.mts')],
    { env, stdio: 'pipe' },
  ).status;
}

describe('file snapshots in CI', () => {
  it('fails on a missing snapshot and writes nothing when CI is set; writes it otherwise', () => {
    const snapshot = path.join(dir, 'test', '__snapshots__', 'new.txt');
    expect(vitest(true)).toBe(1);
    expect(fs.existsSync(snapshot)).toBe(false);
    expect(vitest(false)).toBe(0);
    expect(fs.readFileSync(snapshot, 'utf8')).toBe('x');
  });
});
