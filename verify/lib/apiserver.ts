/**
 * A throwaway Kubernetes control plane on loopback: etcd and kube-apiserver, no nodes, no
 * controllers. Good for what the API server itself decides: schema and CEL validation of custom
 * resources, core validation, admission that needs no controller, and the OpenAPI of core kinds.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanStaleRuns, dieWithParent, recordOwner } from './supervise';

/** A response of the API server. */
export interface ApiResponse {
  readonly status: number;
  readonly body: string;
  /** The body parsed as JSON, when it is JSON. */
  readonly json?: any;
  /** Texts of the `Warning` headers the server sent (deprecations, ignored fields, ...). */
  readonly warnings: string[];
}

/** Paths of the binaries {@link ControlPlane.start} runs. */
export interface ControlPlaneBinaries {
  readonly etcd: string;
  readonly kubeApiserver: string;
}

/** A free TCP port on 127.0.0.1 (the OS picks one; it is released before the caller binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** The texts of `Warning: 299 - "text"` headers. */
function warningTexts(header: string | string[] | undefined): string[] {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return values.flatMap(v => [...v.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)].map(m => m[1].replace(/\\(.)/g, '$1')));
}

/** Prefix of the data folders in the temporary folder. */
export const WORK_PREFIX = 'eks-istio-mesh-apiserver-';

/**
 * Running processes and their data folders, stopped and removed on a normal exit, SIGINT or SIGTERM.
 * On SIGKILL no hook runs: the processes get SIGKILL from the kernel (see supervise.ts) and the next
 * start removes the folder.
 */
const running = new Set<ChildProcess>();
const workDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const child of running) child.kill('SIGKILL');
    for (const dir of workDirs) fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Last lines of a log file, for error messages. */
function tail(file: string, lines = 15): string {
  if (!fs.existsSync(file)) return '(no output)';
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n    ');
}

/** etcd and kube-apiserver on loopback, with a bearer token and a throwaway data folder. */
export class ControlPlane {
  /**
   * Start etcd, then kube-apiserver, and wait until the API server is ready.
   *
   * Throws with the log of the process that failed; everything started is stopped first.
   */
  public static async start(bins: ControlPlaneBinaries, options: { readyTimeoutMs?: number; log?: (line: string) => void } = {}): Promise<ControlPlane> {
    installExitHook();
    // What a killed run left: its processes (if still there) and its data folder.
    for (const line of cleanStaleRuns(WORK_PREFIX)) options.log?.(line);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), WORK_PREFIX));
    workDirs.add(work);
    recordOwner(work, []);
    const plane = new ControlPlane(work);
    try {
      await plane.startEtcd(bins.etcd);
      await plane.startApiserver(bins.kubeApiserver, options.readyTimeoutMs ?? 120_000);
      return plane;
    } catch (e) {
      await plane.stop();
      throw e;
    }
  }

  private readonly processes: Array<{ name: string; child: ChildProcess; log: string; bin: string }> = [];
  private readonly token = randomBytes(24).toString('hex');
  private etcdUrl = '';
  private port = 0;
  private ca: Buffer | undefined;

  /** @param work the data folder (logs, etcd data, certificates), removed by {@link stop} */
  private constructor(public readonly work: string) {}

  /** `https://127.0.0.1:<port>` */
  public get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** pids of the processes this plane started, for tests. */
  public get pids(): number[] {
    return this.processes.flatMap(p => (p.child.pid === undefined ? [] : [p.child.pid]));
  }

  private spawn(name: string, bin: string, args: string[]): ChildProcess {
    const log = path.join(this.work, `${name}.log`);
    const fd = fs.openSync(log, 'a');
    const command = dieWithParent(bin, args);
    const child = spawn(command.command, command.args, { stdio: ['ignore', fd, fd], cwd: this.work });
    fs.closeSync(fd);
    running.add(child);
    child.on('exit', () => running.delete(child));
    this.processes.push({ name, child, log, bin });
    recordOwner(this.work, this.processes.flatMap(p => (p.child.pid === undefined ? [] : [{ pid: p.child.pid, bin: p.bin }])));
    return child;
  }

  private async startEtcd(bin: string): Promise<void> {
    const [client, peer] = [await freePort(), await freePort()];
    this.etcdUrl = `http://127.0.0.1:${client}`;
    const peerUrl = `http://127.0.0.1:${peer}`;
    const child = this.spawn('etcd', bin, [
      '--name=verify',
      `--data-dir=${path.join(this.work, 'etcd')}`,
      `--listen-client-urls=${this.etcdUrl}`,
      `--advertise-client-urls=${this.etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=verify=${peerUrl}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`etcd exited with code ${child.exitCode}:\n    ${tail(this.processes[0].log)}`);
      try {
        const res = await fetch(`${this.etcdUrl}/health`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`etcd did not become healthy within 30s:\n    ${tail(this.processes[0].log)}`);
  }

  private async startApiserver(bin: string, readyTimeoutMs: number): Promise<void> {
    this.port = await freePort();
    const certDir = path.join(this.work, 'certs');
    fs.mkdirSync(certDir);
    const saKey = path.join(this.work, 'sa.key');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const tokens = path.join(this.work, 'tokens.csv');
    fs.writeFileSync(tokens, `${this.token},verify,verify,"system:masters"\n`, { mode: 0o600 });
    const child = this.spawn('kube-apiserver', bin, [
      `--etcd-servers=${this.etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${this.port}`,
      `--cert-dir=${certDir}`,
      `--token-auth-file=${tokens}`,
      '--anonymous-auth=false',
      '--authorization-mode=AlwaysAllow',
      `--service-account-key-file=${saKey}`,
      `--service-account-signing-key-file=${saKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.96.0.0/16',
      '--endpoint-reconciler-type=none',
      '--enable-priority-and-fairness=false',
      '--v=0',
    ]);
    const crt = path.join(certDir, 'apiserver.crt');
    const deadline = Date.now() + readyTimeoutMs;
    const log = this.processes[this.processes.length - 1].log;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`kube-apiserver exited with code ${child.exitCode}:\n    ${tail(log)}`);
      if (!this.ca && fs.existsSync(crt)) this.ca = fs.readFileSync(crt);
      if (this.ca) {
        try {
          const res = await this.request('GET', '/readyz');
          if (res.status === 200) return;
          last = `GET /readyz: HTTP ${res.status}: ${res.body.trim().split('\n').filter(l => l.includes('failed')).join('; ')}`;
        } catch (e) {
          last = `GET /readyz: ${(e as Error).message}`;
        }
      }
      await sleep(300);
    }
    throw new Error(`kube-apiserver was not ready within ${readyTimeoutMs / 1000}s (${last}):\n    ${tail(log)}`);
  }

  /**
   * One request to the API server.
   *
   * @param body sent as is when a string, else as JSON
   */
  public request(method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path: urlPath,
          ca: this.ca,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            ...(payload === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) }),
          },
          timeout: 60_000,
        },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: text, json, warnings: warningTexts(res.headers.warning) });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: no answer within 60s`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** `/version` of the running server, e.g. `v1.35.4`. */
  public async version(): Promise<string> {
    const res = await this.request('GET', '/version');
    return (res.json?.gitVersion as string | undefined) ?? 'unknown';
  }

  /** Stop kube-apiserver, then etcd (SIGTERM, SIGKILL after 10s), and remove the data folder. */
  public async stop(): Promise<void> {
    for (const { child } of [...this.processes].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.work, { recursive: true, force: true });
    workDirs.delete(this.work);
  }
}
