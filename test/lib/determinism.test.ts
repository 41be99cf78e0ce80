/**
 * Output does not depend on the machine's locale or time zone. Node's ICU takes its default locale
 * from LC_ALL / LANG, and `localeCompare` follows it: under cs_CZ "ch" sorts after "h". Each run
 * below is a child process with its own environment, synthesizing Services named so that Czech and
 * code-point order differ; the cs_CZ run first proves that the locale is in effect there.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../util';

const run = promisify(execFile);

async function childOutput(env: Record<string, string>): Promise<any> {
  const { stdout } = await run(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'locale-child.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout);
}

describe('determinism across locales and time zones', () => {
  it('sorts and synthesizes the same bytes under C, cs_CZ, tr_TR and Pacific/Kiritimati', async () => {
    const [c, cs, tr, kiritimati] = await Promise.all([
      childOutput({ LC_ALL: 'C', LANG: 'C', TZ: 'UTC' }),
      childOutput({ LC_ALL: 'cs_CZ.UTF-8', LANG: 'cs_CZ.UTF-8', TZ: 'Europe/Prague' }),
      childOutput({ LC_ALL: 'tr_TR.UTF-8', LANG: 'tr_TR.UTF-8', TZ: 'Europe/Istanbul' }),
      childOutput({ LC_ALL: 'en_US.UTF-8', TZ: 'Pacific/Kiritimati' }),
    ]);
    // The Czech locale is in effect in its child: a localeCompare sort would differ there.
    expect(cs.locale).toBe('cs-CZ');
    expect(cs.localeCompareOrder).toEqual(['hotel', 'chat']);
    expect(c.localeCompareOrder).toEqual(['chat', 'hotel']);

    expect(c.helpers).toEqual(['Zeta', 'a-b', 'a_b', 'alpha', 'chat', 'feed', 'hotel']);
    expect(c.comparator).toEqual(['chat', 'cherry', 'feed', 'hotel', 'hub']);
    const policies = (out: any) => (out.files.find((f: any) => f.name === 'namespaces/40-chat.yaml').content as string).match(/name: allow-[a-z]+$/gm);
    expect(policies(c)).toEqual(['name: allow-chat', 'name: allow-cherry', 'name: allow-feed', 'name: allow-hotel', 'name: allow-hub', 'name: allow-dns']);
    for (const other of [cs, tr, kiritimati]) {
      expect(other.helpers).toEqual(c.helpers);
      expect(other.comparator).toEqual(c.comparator);
      expect(other.files).toEqual(c.files);
    }
  }, 120_000);
});
