/**
 * A verify run killed with SIGKILL leaves no etcd or kube-apiserver running and no data folder
 * after the next start. Needs the built tools; skipped (and says why) without them, unless
 * EKS_MESH_VERIFY_REQUIRED=1.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanStaleRuns, OWNER_FILE } from '../../verify/lib/supervise';
import { findTools } from '../../verify/tools';

const ROOT = path.resolve(__dirname, '..', '..');
const { paths, missing } = findTools();
const needed = missing.filter(t => t.name === 'etcd' || t.name === 'kube-apiserver');
const skipReason =
  needed.length > 0 ? `tools not built: ${needed.map(t => `${t.name} ${t.version}`).join(', ')}; run \`npm run verify:tools\`` : undefined;
const required = process.env.EKS_MESH_VERIFY_REQUIRED === '1';
if (skipReason && !required) console.warn(`verify orphan test skipped: ${skipReason}`);

/** True while `pid` exists and is not a zombie (an exited process nobody has reaped yet). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** A node process that starts the control plane with the project's code, prints its pids and waits. */
const CHILD = `
const { ControlPlane } = require(${JSON.stringify(path.join(ROOT, 'verify', 'lib', 'apiserver.ts'))});
ControlPlane.start({ etcd: process.env.ETCD, kubeApiserver: process.env.APISERVER }).then(plane => {
  process.stdout.write(JSON.stringify({ pids: plane.pids, work: plane.work }) + '\\n');
  setInterval(() => undefined, 1000);
}, e => { console.error(e.message); process.exit(3); });
`;

describe.skipIf(!!skipReason && !required)('verify killed with SIGKILL', () => {
  it('takes etcd and kube-apiserver with it, and the next start removes its data folder', async () => {
    if (skipReason) throw new Error(`EKS_MESH_VERIFY_REQUIRED=1 but ${skipReason}`);
    // GIVEN a process running the loopback control plane
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', CHILD], {
      cwd: ROOT,
      env: { ...process.env, ETCD: paths.etcd, APISERVER: paths['kube-apiserver'] },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const started = await new Promise<{ pids: number[]; work: string }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
      });
      child.on('exit', code => reject(new Error(`control plane child exited with ${code}`)));
    });
    expect(started.pids).toHaveLength(2);
    expect(started.pids.every(alive)).toBe(true);
    expect(fs.existsSync(path.join(started.work, OWNER_FILE))).toBe(true);
    // WHEN it is killed with SIGKILL (no exit hook runs)
    child.kill('SIGKILL');
    await new Promise(resolve => child.once('close', resolve));
    // THEN etcd and kube-apiserver are gone within a few seconds
    for (let i = 0; i < 50 && started.pids.some(alive); i++) await sleep(100);
    expect(started.pids.filter(alive)).toEqual([]);
    // AND the next run removes the data folder left behind
    expect(fs.existsSync(started.work)).toBe(true);
    const lines = cleanStaleRuns('eks-istio-mesh-apiserver-');
    expect(lines).toContain(`removed ${started.work} of a verify run that was killed`);
    expect(fs.existsSync(started.work)).toBe(false);
  }, 180_000);
});

/** pids whose parent is `ppid`. */
function childrenOf(ppid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter(n => /^\d+$/.test(n))
    .flatMap(n => {
      try {
        const stat = fs.readFileSync(`/proc/${n}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid ? [Number(n)] : [];
      } catch {
        return [];
      }
    });
}

describe.skipIf(!fs.existsSync('/usr/bin/setpriv') && !fs.existsSync('/bin/setpriv'))('a stage tool of a killed verify run', () => {
  it('is killed with it (run() starts tools with a parent-death signal)', async () => {
    // GIVEN a process running a long tool through the stages' run()
    const script = `require(${JSON.stringify(path.join(ROOT, 'verify', 'lib', 'exec.ts'))}).run('/bin/sleep', ['300']); setInterval(() => undefined, 1000);`;
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: ROOT, stdio: 'ignore' });
    let tools: number[] = [];
    for (let i = 0; i < 100 && tools.length === 0; i++) {
      await sleep(100);
      tools = childrenOf(child.pid!).filter(pid => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').startsWith('/bin/sleep 300');
        } catch {
          return false;
        }
      });
    }
    expect(tools).toHaveLength(1);
    // WHEN the process is killed with SIGKILL
    child.kill('SIGKILL');
    await new Promise(resolve => child.once('close', resolve));
    // THEN the tool is gone within a few seconds
    for (let i = 0; i < 50 && alive(tools[0]); i++) await sleep(100);
    expect(alive(tools[0])).toBe(false);
  }, 30_000);
});

describe('cleanStaleRuns', () => {
  it('kills the recorded processes of a dead run and removes its folder, and leaves live runs alone', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-stale-'));
    try {
      // GIVEN a run that is gone but whose tool still runs, and a live run (this process)
      const orphan = spawn('/bin/sleep', ['300'], { stdio: 'ignore', detached: true });
      orphan.unref();
      const dead = path.join(tmp, 'run-dead');
      const live = path.join(tmp, 'run-live');
      fs.mkdirSync(dead);
      fs.mkdirSync(live);
      fs.writeFileSync(path.join(dead, OWNER_FILE), JSON.stringify({ pid: 2 ** 22 + 1, children: [{ pid: orphan.pid, bin: '/bin/sleep' }] }));
      fs.writeFileSync(path.join(live, OWNER_FILE), JSON.stringify({ pid: process.ppid, children: [{ pid: orphan.pid, bin: '/bin/sleep' }] }));
      // WHEN
      const lines = cleanStaleRuns('run-', tmp);
      // THEN
      expect(lines).toEqual([`removed ${dead} of a verify run that was killed (and stopped 1 of its processes)`]);
      for (let i = 0; i < 50 && alive(orphan.pid!); i++) await sleep(100);
      expect(alive(orphan.pid!)).toBe(false);
      expect(fs.readdirSync(tmp)).toEqual(['run-live']);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
