/**
 * Child processes that do not outlive the verify run, even when it is killed with SIGKILL (which
 * runs no exit hook).
 *
 * Two layers:
 * - Each long-lived tool is started through `setpriv --pdeathsig SIGKILL` (util-linux) when it is
 *   installed: the kernel sends SIGKILL to the tool when the process that started it dies
 *   (prctl PR_SET_PDEATHSIG, kept across the exec of the tool).
 * - Each run records its own pid and the pids of its tools in a file in its temporary folder. The
 *   next run reads the records of runs that are gone, kills what is left of their tools and removes
 *   their folders; this also covers machines without setpriv.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let setprivPath: string | null | undefined;

/** Path of a `setpriv` that knows `--pdeathsig`, or undefined. */
function setpriv(): string | undefined {
  if (setprivPath === undefined) {
    setprivPath = null;
    if (process.platform === 'linux') {
      for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
        const candidate = path.join(dir, 'setpriv');
        if (!fs.existsSync(candidate)) continue;
        try {
          if (execFileSync(candidate, ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('--pdeathsig')) setprivPath = candidate;
        } catch {
          // not usable
        }
        break;
      }
    }
  }
  return setprivPath ?? undefined;
}

/**
 * `bin args` as a command that gets SIGKILL when this process dies, where the system allows it.
 *
 * @returns the command and arguments to spawn
 */
export function dieWithParent(bin: string, args: readonly string[]): { command: string; args: string[] } {
  const wrapper = setpriv();
  // A path that does not exist is spawned as is, so the spawn error names it.
  return wrapper && fs.existsSync(bin) ? { command: wrapper, args: ['--pdeathsig', 'SIGKILL', '--', bin, ...args] } : { command: bin, args: [...args] };
}

/** Name of the record file in a run's temporary folder. */
export const OWNER_FILE = 'owner.json';

interface OwnerRecord {
  /** pid of the verify run. */
  readonly pid: number;
  /** Tools it started: pid and binary path (a pid is only killed while it still runs that binary). */
  readonly children: Array<{ pid: number; bin: string }>;
}

/** Record that `dir` belongs to this process and which tools it started. */
export function recordOwner(dir: string, children: Array<{ pid: number; bin: string }>): void {
  const record: OwnerRecord = { pid: process.pid, children };
  const tmp = path.join(dir, `${OWNER_FILE}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(record));
  fs.renameSync(tmp, path.join(dir, OWNER_FILE));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while `pid` runs `bin` (directly or through setpriv, which execs it). */
function runs(pid: number, bin: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(bin);
  } catch {
    return false;
  }
}

/**
 * Kill the tools of earlier runs that died (their record names a pid that is gone) and remove their
 * temporary folders `<tmpdir>/<prefix>*`.
 *
 * @returns one line per folder removed
 */
export function cleanStaleRuns(prefix: string, tmpdir: string = os.tmpdir()): string[] {
  const done: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(tmpdir).filter(n => n.startsWith(prefix)).sort();
  } catch {
    return done;
  }
  for (const name of names) {
    const dir = path.join(tmpdir, name);
    let record: OwnerRecord;
    try {
      record = JSON.parse(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8')) as OwnerRecord;
    } catch {
      continue; // no record (yet): not ours to judge
    }
    if (record.pid === process.pid || alive(record.pid)) continue;
    let killed = 0;
    for (const child of record.children ?? []) {
      if (Number.isInteger(child.pid) && child.pid > 1 && runs(child.pid, child.bin)) {
        try {
          process.kill(child.pid, 'SIGKILL');
          killed += 1;
        } catch {
          // already gone
        }
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    done.push(`removed ${dir} of a verify run that was killed${killed > 0 ? ` (and stopped ${killed} of its processes)` : ''}`);
  }
  return done;
}
