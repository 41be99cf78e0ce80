/**
 * Write synthesized environments to disk: the whole output folder switches in one step.
 *
 * The complete new tree (what is kept of the old one plus every environment written now) is built
 * in a staging folder beside the output folder; a file written now that the old tree holds with the
 * same bytes is a hard link to the old one there, not a new copy. A journal file beside it then
 * names the staging folder and where the old tree goes, and two renames swap the trees. A run
 * interrupted at any point (even by SIGKILL) leaves either the old tree, or the new one, or a
 * journal that the next run reads first to finish the swap; staging folders of runs that died
 * before their journal are removed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GENERATED_HEADER } from './render';
import { SynthesizedEnvironment, SynthesizedFile } from './types';

/** Options of {@link writeEnvironments} and {@link writeOutput}. */
export interface WriteOptions {
  /**
   * Remove generated environment folders of environments that no longer exist.
   *
   * @default false
   */
  readonly pruneOtherEnvironments?: boolean;
}

/** Environments written to one folder of the output (`''` is the output folder itself). */
export interface OutputTree {
  /** Folder inside the output folder, e.g. `flux`; `''` for the output folder itself. */
  readonly folder: string;
  readonly envs: readonly WrittenEnvironment[];
}

/** What is written of an environment: its name and its files. */
export interface WrittenEnvironment {
  readonly env: { readonly name: string };
  readonly files: readonly SynthesizedFile[];
}

/** The output could not be written; the output folder is as it was before the run. */
export class OutputError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

/**
 * Test-only fault injection, inert unless `EKS_MESH_WRITE_FAULT` is set: `kill@N` sends SIGKILL to
 * this process before the N-th file operation of the writer, `ENOSPC@N` / `EACCES@N` / `EXDEV@N`
 * make that operation fail with that error, and `count` prints the number of operations to stderr
 * at exit.
 * Operations are counted from the first one after the variable was set or changed.
 */
const FAULT_VARIABLE = 'EKS_MESH_WRITE_FAULT';
let operations = 0;
let lastFault: string | undefined;
let countHookInstalled = false;

function op<T>(syscall: string, target: string, fn: () => T): T {
  const fault = process.env[FAULT_VARIABLE];
  if (fault !== lastFault) {
    // A new setting counts from one again.
    lastFault = fault;
    operations = 0;
  }
  if (fault) {
    operations += 1;
    if (fault === 'count' && !countHookInstalled) {
      countHookInstalled = true;
      process.on('exit', () => process.stderr.write(`write operations: ${operations}\n`));
    }
    const m = /^(kill|ENOSPC|EACCES|EXDEV)@(\d+)$/.exec(fault);
    if (m && Number(m[2]) === operations) {
      if (m[1] === 'kill') process.kill(process.pid, 'SIGKILL');
      const text = m[1] === 'ENOSPC' ? 'no space left on device' : m[1] === 'EXDEV' ? 'cross-device link not permitted' : 'permission denied';
      throw Object.assign(new Error(`${m[1]}: ${text}, ${syscall} '${target}'`), { code: m[1], syscall, path: target });
    }
  }
  return fn();
}

/** Names of the files beside an output folder `<parent>/<base>`. */
function sideFiles(root: string, pid: number = process.pid) {
  const parent = path.dirname(root);
  const base = path.basename(root);
  return {
    parent,
    base,
    journal: path.join(parent, `.${base}-journal`),
    staging: path.join(parent, `.${base}-staging-${pid}`),
    old: path.join(parent, `.${base}-old-${pid}`),
  };
}

interface Journal {
  /** Folder name (beside the output folder) holding the complete new tree. */
  readonly staged: string;
  /** Folder name (beside the output folder) the old tree is renamed to. */
  readonly old: string;
}

function readJournal(file: string): Journal | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const j = JSON.parse(text) as Partial<Journal>;
    // Only names beside the output folder are accepted: a journal never moves anything elsewhere.
    if (typeof j.staged === 'string' && typeof j.old === 'string' && path.basename(j.staged) === j.staged && path.basename(j.old) === j.old)
      return { staged: j.staged, old: j.old };
  } catch {
    // a journal is written to a temporary name and renamed, so it is never half-written by us
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const display = (p: string) => path.relative(process.cwd(), p) || '.';

/**
 * Finish or undo a write of `outdir` that was interrupted, and remove what interrupted runs left
 * beside it (staging folders and old trees of processes that are gone).
 *
 * @returns one line per thing done, for the log
 */
export function recoverOutput(outdir: string): string[] {
  const root = path.resolve(outdir);
  try {
    return recover(root);
  } catch (e) {
    throw writeFailure(e, root, false);
  }
}

function recover(root: string): string[] {
  const { parent, base, journal } = sideFiles(root);
  const done: string[] = [];
  const journalEntry = readJournal(journal);
  if (journalEntry) {
    const staged = path.join(parent, journalEntry.staged);
    const old = path.join(parent, journalEntry.old);
    if (fs.existsSync(staged)) {
      // The new tree was complete when the journal was written: finish the swap.
      if (fs.existsSync(root)) op('rename', root, () => fs.renameSync(root, old));
      op('rename', staged, () => fs.renameSync(staged, root));
      done.push(`completed an interrupted write of ${display(root)}`);
    } else if (!fs.existsSync(root) && fs.existsSync(old)) {
      op('rename', old, () => fs.renameSync(old, root));
      done.push(`restored ${display(root)} from an interrupted write`);
    }
    op('rm', old, () => fs.rmSync(old, { recursive: true, force: true }));
  }
  if (fs.existsSync(journal) || fs.existsSync(`${journal}.tmp`)) {
    op('rm', journal, () => fs.rmSync(journal, { force: true }));
    op('rm', `${journal}.tmp`, () => fs.rmSync(`${journal}.tmp`, { force: true }));
  }
  const leftover = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(staging|old)-(\\d+)$`);
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return done;
  }
  for (const name of entries.sort()) {
    const m = leftover.exec(name);
    if (!m || pidAlive(Number(m[2]))) continue;
    op('rm', path.join(parent, name), () => fs.rmSync(path.join(parent, name), { recursive: true, force: true }));
    done.push(`removed ${display(path.join(parent, name))}, left by an interrupted write`);
  }
  return done;
}

/** An error of a file operation as a message naming the path, ending with what is unchanged. */
function writeFailure(e: unknown, root: string, unchanged: boolean): OutputError {
  const err = e as NodeJS.ErrnoException;
  const where = err.path ? display(err.path) : display(root);
  const reason =
    err.code === 'ENOSPC'
      ? 'no space left on device'
      : err.code === 'EACCES' || err.code === 'EPERM'
        ? 'permission denied'
        : err.code === 'EROFS'
          ? 'read-only file system'
          : err.message;
  const fix =
    err.code === 'ENOSPC'
      ? `free space on the file system of ${display(path.dirname(root))}`
      : err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS'
        ? `make ${display(path.dirname(root))} and everything in ${display(root)} writable`
        : 'fix the cause and synthesize again';
  const state = unchanged ? `${display(root)}/ is unchanged` : `${display(root)}/ is left to the next run, which finishes or undoes the switch first`;
  return new OutputError(`cannot write ${where}: ${reason}${err.code ? ` (${err.code})` : ''}; ${state}. fix: ${fix}`);
}

/** Where an output folder is written: the folder, and the staging folder, journal and old tree beside it. */
export interface OutputPaths {
  readonly root: string;
  readonly staging: string;
  readonly journal: string;
  readonly old: string;
}

/** The paths of writing `outdir` from this process (any thread of it). */
export function outputPaths(outdir: string): OutputPaths {
  const root = path.resolve(outdir);
  const { journal, staging, old } = sideFiles(root);
  return { root, staging, journal, old };
}

/** An environment folder of a tree: `<folder>/<env>`. */
export interface OutputFolder {
  readonly folder: string;
  readonly env: string;
}

/**
 * Start writing `outdir`: finish or undo an interrupted write, then fill a new staging folder with
 * what is kept of the output folder (everything but the environment folders written now). The
 * environments are then written into it with {@link writeStaged}, and the whole folder switched
 * with {@link commitOutput}, or the staging folder removed with {@link abandonOutput}.
 *
 * @throws OutputError naming the path; the output folder is unchanged
 */
export function openOutput(outdir: string, rewritten: readonly OutputFolder[]): OutputPaths {
  const out = outputPaths(outdir);
  const { root, staging } = out;
  recoverOutput(root);
  try {
    op('mkdir', path.dirname(root), () => fs.mkdirSync(path.dirname(root), { recursive: true }));
    op('rm', staging, () => fs.rmSync(staging, { recursive: true, force: true }));
    // Everything not written now (other environments with --env, files of the user) is kept; the
    // folders of the environments written now are not copied only to be removed.
    const skipped = new Set(rewritten.map(r => path.join(root, r.folder, r.env)));
    if (fs.existsSync(root)) op('cp', root, () => keepTree(root, staging, skipped));
    else op('mkdir', staging, () => fs.mkdirSync(staging));
  } catch (e) {
    throw abandonOutput(out, e);
  }
  return out;
}

/**
 * Write one environment's files into the staging folder of {@link openOutput} (from any thread of
 * the process that opened it).
 *
 * @returns the paths written, relative to the output folder
 * @throws the file system's error; the caller gives it to {@link abandonOutput}
 */
export function writeStaged(out: OutputPaths, at: OutputFolder, files: readonly SynthesizedFile[]): string[] {
  const treeDir = path.join(out.staging, at.folder);
  op('mkdir', treeDir, () => fs.mkdirSync(treeDir, { recursive: true }));
  const dir = path.join(treeDir, at.env);
  const previousDir = path.join(out.root, at.folder, at.env);
  op('rm', dir, () => fs.rmSync(dir, { recursive: true, force: true }));
  op('mkdir', dir, () => fs.mkdirSync(dir));
  const made = new Set<string>([dir]);
  const written: string[] = [];
  for (const file of files) {
    const target = path.join(dir, ...file.name.split('/'));
    const folder = path.dirname(target);
    if (!made.has(folder)) {
      op('mkdir', folder, () => fs.mkdirSync(folder, { recursive: true }));
      made.add(folder);
    }
    const previous = path.join(previousDir, ...file.name.split('/'));
    if (!(holds(previous, file.content) && linked(previous, target))) op('open', target, () => fs.writeFileSync(target, file.content));
    written.push(path.posix.join(...[at.folder, at.env, file.name].filter(Boolean)));
  }
  return written;
}

/**
 * True when `file` is a regular file that no other name links to, holding exactly the UTF-8 bytes
 * of `content`: the staging folder may then link to it instead of writing a copy. Creating a file
 * costs far more than reading one or linking to it (on the 2-core machine of the README's
 * Benchmarks, 0.2 to 0.6 ms per new file against 0.015 ms per link), and a synth over its
 * committed output rewrites mostly unchanged files. The old tree is removed once the new one is in
 * place, so the file then has one name again; a file with another name besides is written anew, so
 * that a change through that name never reaches the output.
 */
function holds(file: string, content: string): boolean {
  const stat = soleNamed(file);
  const size = Buffer.byteLength(content, 'utf8');
  if (stat?.size !== size) return false;
  if (compared.old.length < size) compared = { old: Buffer.allocUnsafe(2 * size), now: Buffer.allocUnsafe(2 * size) };
  const { old, now } = compared;
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    for (let at = 0; at < size;) {
      const n = fs.readSync(fd, old, at, size - at, at);
      if (n === 0) return false;
      at += n;
    }
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  now.write(content, 0, 'utf8');
  return old.subarray(0, size).equals(now.subarray(0, size));
}

/** The stat of `file` when it is a regular file that no other name links to: one that may be linked to. */
function soleNamed(file: string): fs.Stats | undefined {
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  return stat?.isFile() && stat.nlink === 1 ? stat : undefined;
}

/** The buffers {@link holds} reads and encodes into, kept from file to file (each thread has its own). */
let compared = { old: Buffer.alloc(0), now: Buffer.alloc(0) };

/**
 * Copy the folder `from` to `to` (which does not exist yet), leaving out the paths in `skipped`, as
 * `fs.cpSync` with `verbatimSymlinks` copies it, except that a regular file no other name links to
 * is linked, not copied (see {@link holds}). The whole copy is one operation of the writer.
 */
function keepTree(from: string, to: string, skipped: ReadonlySet<string>): void {
  fs.mkdirSync(to);
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (skipped.has(source)) continue;
    if (entry.isDirectory()) keepTree(source, target, skipped);
    else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(source), target);
    else if (!(soleNamed(source) && linked(source, target, false))) fs.cpSync(source, target);
  }
  fs.chmodSync(to, fs.statSync(from).mode & 0o7777);
}

/** Errors of `link` that mean the file system cannot link this file: the file is written instead. */
const CANNOT_LINK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Link `target` to `existing` (one operation of the writer, unless `counted` is false); false when
 * the file system cannot, any other failure thrown naming `target`.
 */
function linked(existing: string, target: string, counted = true): boolean {
  try {
    if (counted) op('link', target, () => fs.linkSync(existing, target));
    else fs.linkSync(existing, target);
    return true;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== undefined && CANNOT_LINK.has(err.code)) return false;
    throw Object.assign(err, { path: target });
  }
}

/**
 * Remove the staging folder of {@link openOutput}; the output folder stays as it was.
 *
 * @returns the error, when given, as an {@link OutputError} naming the path
 */
export function abandonOutput(out: OutputPaths, e?: unknown): OutputError {
  cleanUp(out.staging, out.journal);
  return writeFailure(e ?? new Error('abandoned'), out.root, true);
}

/**
 * Switch the output folder to the staging folder, in which the environment folders of each tree
 * are complete: remove generated folders of other environments when asked, write the journal, then
 * swap the two trees.
 *
 * @throws OutputError naming the path; the output folder is unchanged unless the message says otherwise
 */
export function commitOutput(
  out: OutputPaths,
  trees: readonly { readonly folder: string; readonly envs: readonly string[] }[],
  options: WriteOptions = {},
): void {
  const { root, staging, journal, old } = out;
  try {
    for (const tree of trees) {
      const treeDir = path.join(staging, tree.folder);
      op('mkdir', treeDir, () => fs.mkdirSync(treeDir, { recursive: true }));
      if (!options.pruneOtherEnvironments) continue;
      const keep = new Set(tree.envs);
      for (const entry of fs.readdirSync(treeDir, { withFileTypes: true })) {
        const dir = path.join(treeDir, entry.name);
        if (entry.isDirectory() && !keep.has(entry.name) && isGeneratedEnvironment(dir))
          op('rm', dir, () => fs.rmSync(dir, { recursive: true, force: true }));
      }
    }
    const entry: Journal = { staged: path.basename(staging), old: path.basename(old) };
    op('open', `${journal}.tmp`, () => fs.writeFileSync(`${journal}.tmp`, `${JSON.stringify(entry)}\n`));
    op('rename', journal, () => fs.renameSync(`${journal}.tmp`, journal));
  } catch (e) {
    throw abandonOutput(out, e);
  }

  // The switch: once the journal exists, an interrupted run is finished by the next one.
  const hadRoot = fs.existsSync(root);
  try {
    if (hadRoot) op('rename', root, () => fs.renameSync(root, old));
  } catch (e) {
    throw abandonOutput(out, e);
  }
  try {
    op('rename', staging, () => fs.renameSync(staging, root));
  } catch (e) {
    try {
      if (hadRoot) op('rename', old, () => fs.renameSync(old, root));
    } catch {
      throw writeFailure(e, root, false);
    }
    throw abandonOutput(out, e);
  }
  // The new tree is in place; what is left here is removed by the next run if this one fails.
  try {
    op('rm', journal, () => fs.rmSync(journal, { force: true }));
    op('rm', old, () => fs.rmSync(old, { recursive: true, force: true }));
  } catch {
    // harmless: recoverOutput removes both
  }
}

/**
 * Write each tree's environments to `<outdir>/<folder>/<env>/`, switching the whole output folder
 * at once: a reader (or a run killed at any point, once the next run has started) sees either the
 * old output folder or the new one, never a mix.
 *
 * Throws {@link OutputError} naming the path when a file cannot be written; the output folder is
 * then unchanged.
 *
 * @returns the paths written, relative to `outdir`, sorted
 */
export function writeOutput(outdir: string, trees: readonly OutputTree[], options: WriteOptions = {}): string[] {
  const folders = trees.flatMap(t => t.envs.map(e => ({ folder: t.folder, env: e.env.name })));
  const out = openOutput(outdir, folders);
  const written: string[] = [];
  try {
    for (const tree of trees) for (const e of tree.envs) written.push(...writeStaged(out, { folder: tree.folder, env: e.env.name }, e.files));
  } catch (e) {
    throw abandonOutput(out, e);
  }
  commitOutput(
    out,
    trees.map(t => ({ folder: t.folder, envs: t.envs.map(e => e.env.name) })),
    options,
  );
  return written.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Remove the staging folder and the journal, ignoring errors (the next run retries). */
function cleanUp(staging: string, journal: string): void {
  for (const p of [journal, `${journal}.tmp`, staging]) {
    try {
      fs.rmSync(p, { recursive: true, force: true });
    } catch {
      // left for recoverOutput
    }
  }
}

/**
 * Write each environment to `<outdir>/<env>/` (see {@link writeOutput}).
 *
 * @returns the paths written, relative to `outdir`, sorted
 */
export function writeEnvironments(outdir: string, envs: readonly SynthesizedEnvironment[], options: WriteOptions = {}): string[] {
  return writeOutput(outdir, [{ folder: '', envs }], options);
}

/** True for a folder this library wrote (its kustomization.yaml carries the generated header). */
function isGeneratedEnvironment(dir: string): boolean {
  const file = path.join(dir, 'kustomization.yaml');
  return fs.existsSync(file) && fs.readFileSync(file, 'utf8').startsWith(GENERATED_HEADER);
}
