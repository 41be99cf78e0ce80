/**
 * A file that the old output tree holds with the same bytes is linked into the new tree instead of
 * written again; anything else at that path is written as a file of its own.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutputError, writeOutput } from '../../src';
import { SynthesizedEnvironment } from '../../src/synth/types';

const FAULT = 'EKS_MESH_WRITE_FAULT';

let work: string;
afterEach(() => {
  delete process.env[FAULT];
  fs.rmSync(work, { recursive: true, force: true });
});

function scratch(): string {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-links-'));
  return path.join(work, 'dist');
}

/** An environment of these files (path to content). */
function environment(name: string, files: Record<string, string>): SynthesizedEnvironment {
  return { env: { name }, files: Object.entries(files).map(([file, content]) => ({ name: file, content })) } as unknown as SynthesizedEnvironment;
}

/** One environment `lab` (in the output folder and in `flux/`) with these files. */
function write(dist: string, files: Record<string, string>): string[] {
  const envs = [environment('lab', files)];
  return writeOutput(dist, [
    { folder: '', envs },
    { folder: 'flux', envs },
  ]);
}

const inode = (file: string) => fs.lstatSync(file).ino;

/** Only these environments, in the output folder alone: the rest of it is kept. */
function writeOnly(dist: string, envs: Record<string, Record<string, string>>): string[] {
  return writeOutput(dist, [{ folder: '', envs: Object.entries(envs).map(([name, files]) => environment(name, files)) }]);
}

describe('a synth over its earlier output', () => {
  it('keeps an unchanged file as the same file, and writes a changed or new one anew', () => {
    const dist = scratch();
    write(dist, { 'kustomization.yaml': 'resources: [a.yaml]\n', 'config/a.yaml': 'a: 1\n', 'b.yaml': 'b: 1\n' });
    const before = { a: inode(path.join(dist, 'lab', 'config', 'a.yaml')), b: inode(path.join(dist, 'lab', 'b.yaml')), fluxA: inode(path.join(dist, 'flux', 'lab', 'config', 'a.yaml')) };

    const written = write(dist, { 'kustomization.yaml': 'resources: [a.yaml]\n', 'config/a.yaml': 'a: 1\n', 'b.yaml': 'b: 2\n', 'c.yaml': 'c: 1\n' });

    expect(written).toContain('lab/config/a.yaml');
    const a = path.join(dist, 'lab', 'config', 'a.yaml');
    expect(inode(a)).toBe(before.a);
    expect(inode(path.join(dist, 'flux', 'lab', 'config', 'a.yaml'))).toBe(before.fluxA);
    // The old tree is gone: the kept file has one name again.
    expect(fs.lstatSync(a).nlink).toBe(1);
    expect(fs.readdirSync(work)).toEqual(['dist']);
    expect(inode(path.join(dist, 'lab', 'b.yaml'))).not.toBe(before.b);
    expect(fs.readFileSync(path.join(dist, 'lab', 'b.yaml'), 'utf8')).toBe('b: 2\n');
    expect(fs.readFileSync(path.join(dist, 'lab', 'c.yaml'), 'utf8')).toBe('c: 1\n');
  });

  it('writes a file anew when the old one has a second name, is a symbolic link, or differs in a byte of the same length', () => {
    const dist = scratch();
    write(dist, { 'a.yaml': 'a: 1\n', 'b.yaml': 'b: 1\n', 'c.yaml': 'c: 1\n' });
    const outside = path.join(work, 'outside.yaml');
    fs.linkSync(path.join(dist, 'lab', 'a.yaml'), outside);
    fs.rmSync(path.join(dist, 'lab', 'b.yaml'));
    fs.writeFileSync(path.join(work, 'b-target.yaml'), 'b: 1\n');
    fs.symlinkSync(path.join(work, 'b-target.yaml'), path.join(dist, 'lab', 'b.yaml'));
    fs.writeFileSync(path.join(dist, 'lab', 'c.yaml'), 'c: 2\n');
    const oldC = inode(path.join(dist, 'lab', 'c.yaml'));

    write(dist, { 'a.yaml': 'a: 1\n', 'b.yaml': 'b: 1\n', 'c.yaml': 'c: 1\n' });

    const a = path.join(dist, 'lab', 'a.yaml');
    expect(inode(a)).not.toBe(inode(outside));
    fs.appendFileSync(outside, 'changed: true\n');
    expect(fs.readFileSync(a, 'utf8')).toBe('a: 1\n');
    const b = path.join(dist, 'lab', 'b.yaml');
    expect(fs.lstatSync(b).isFile()).toBe(true);
    expect(fs.readFileSync(b, 'utf8')).toBe('b: 1\n');
    expect(inode(path.join(dist, 'lab', 'c.yaml'))).not.toBe(oldC);
    expect(fs.readFileSync(path.join(dist, 'lab', 'c.yaml'), 'utf8')).toBe('c: 1\n');
  });

  it('keeps what it does not write now as the same files, folder modes and symbolic links, and copies a file with a second name', () => {
    const dist = scratch();
    writeOnly(dist, { lab: { 'a.yaml': 'lab: 1\n' }, dev: { 'a.yaml': 'dev: 1\n', 'config/b.yaml': 'b: 1\n' } });
    fs.writeFileSync(path.join(dist, 'NOTES.txt'), 'kept\n');
    fs.symlinkSync('dev', path.join(dist, 'latest'));
    fs.chmodSync(path.join(dist, 'dev', 'config'), 0o750);
    const outside = path.join(work, 'outside.txt');
    fs.writeFileSync(path.join(dist, 'shared.txt'), 'shared\n');
    fs.linkSync(path.join(dist, 'shared.txt'), outside);
    const before = ['dev/a.yaml', 'dev/config/b.yaml', 'NOTES.txt'].map(f => inode(path.join(dist, f)));

    writeOnly(dist, { lab: { 'a.yaml': 'lab: 2\n' } });

    expect(['dev/a.yaml', 'dev/config/b.yaml', 'NOTES.txt'].map(f => inode(path.join(dist, f)))).toEqual(before);
    expect(fs.readFileSync(path.join(dist, 'dev', 'config', 'b.yaml'), 'utf8')).toBe('b: 1\n');
    expect(fs.lstatSync(path.join(dist, 'dev', 'config')).mode & 0o777).toBe(0o750);
    expect(fs.readlinkSync(path.join(dist, 'latest'))).toBe('dev');
    expect(fs.readFileSync(path.join(dist, 'lab', 'a.yaml'), 'utf8')).toBe('lab: 2\n');
    // The file with a name outside the output is a copy: a change there does not reach it.
    expect(inode(path.join(dist, 'shared.txt'))).not.toBe(inode(outside));
    fs.appendFileSync(outside, 'changed\n');
    expect(fs.readFileSync(path.join(dist, 'shared.txt'), 'utf8')).toBe('shared\n');
    expect(fs.readdirSync(work).sort()).toEqual(['dist', 'outside.txt']);
  });

  it('writes the file where the file system cannot link it, and reports any other failure of the link naming the staged file', () => {
    const dist = scratch();
    const files = { 'kustomization.yaml': 'resources: [a.yaml]\n', 'a.yaml': 'a: 1\n' };
    const paths = ['lab/kustomization.yaml', 'lab/a.yaml', 'flux/lab/kustomization.yaml', 'flux/lab/a.yaml'];
    const state = () => paths.map(f => ({ f, ino: inode(path.join(dist, f)), text: fs.readFileSync(path.join(dist, f), 'utf8') }));
    write(dist, files);
    // Each file operation in turn fails with EXDEV (60 is past the last one).
    const outcomes: string[] = [];
    for (let n = 1; n <= 60; n++) {
      const before = state();
      process.env[FAULT] = `EXDEV@${n}`;
      let failed = false;
      try {
        write(dist, files);
      } catch (e) {
        expect(e).toBeInstanceOf(OutputError);
        failed = true;
      }
      delete process.env[FAULT];
      const after = state();
      expect(after.map(a => a.text)).toEqual(before.map(b => b.text));
      if (failed) {
        // Any operation but a link: the write fails and dist/ is as it was.
        expect(after, `EXDEV@${n}`).toEqual(before);
        outcomes.push('failed');
      } else {
        // A link: that one file is written instead; every other file is linked.
        const anew = after.filter((a, i) => a.ino !== before[i]!.ino).map(a => a.f);
        expect(anew.length, `EXDEV@${n}: ${anew.join(', ')}`).toBeLessThanOrEqual(1);
        outcomes.push(anew.length === 1 ? `written ${anew[0]}` : 'linked');
      }
    }
    expect(outcomes.filter(o => o.startsWith('written')).sort()).toEqual(paths.map(p => `written ${p}`).sort());
    expect(outcomes).toContain('failed');
    expect(outcomes).toContain('linked');

    // A link that fails for another reason is a failed write, named by the staged file.
    const messages: string[] = [];
    for (let n = 1; n <= 60; n++) {
      const before = state();
      process.env[FAULT] = `ENOSPC@${n}`;
      try {
        write(dist, files);
      } catch (e) {
        messages.push((e as Error).message);
        expect(state(), `ENOSPC@${n}`).toEqual(before);
      }
      delete process.env[FAULT];
    }
    // Unchanged files are only linked, never opened: this message comes from the link.
    expect(messages.some(m => /^cannot write \S+\.dist-staging-\d+\/lab\/kustomization\.yaml: no space left on device \(ENOSPC\)/.test(m))).toBe(true);
  });
});
