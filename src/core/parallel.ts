/**
 * Run independent units of work (one per environment) on every core, synchronously.
 *
 * A worker thread runs the same program again: the launcher that started this process (
 * `scripts/run.js`, the package's bin) says how with {@link setRelaunch}. When that program reaches
 * the call that asked for workers (`runSynth`), it finds itself in a worker ({@link workerSide})
 * and serves units instead of doing the rest of its job. The main thread claims units from the same
 * shared counter as the workers and does them itself; then it blocks until the workers' results
 * have arrived (`Atomics.wait` and `receiveMessageOnPort`, so the caller stays synchronous).
 *
 * Every unit gives the same result on any thread: the main thread does again, itself, any unit a
 * worker could not finish (the worker threw, exited, or showed no progress for `stallMs`), so that
 * a failure is reported exactly as without workers.
 */
import * as os from 'node:os';
import { isMainThread, MessageChannel, MessagePort, receiveMessageOnPort, Worker, workerData } from 'node:worker_threads';

/** How to start this program again: the script node runs and its arguments. */
export interface Relaunch {
  readonly script: string;
  readonly argv: readonly string[];
}

const RELAUNCH = Symbol.for('eks-istio-mesh.relaunch');
const MARK = 'eksIstioMeshUnits';

/** Say how this program is started again in a worker thread (called by launchers, once). */
export function setRelaunch(relaunch: Relaunch): void {
  (globalThis as Record<symbol, unknown>)[RELAUNCH] = relaunch;
}

function relaunchOf(): Relaunch | undefined {
  const r = (globalThis as Record<symbol, unknown>)[RELAUNCH] as Relaunch | undefined;
  return r && typeof r.script === 'string' && Array.isArray(r.argv) ? r : undefined;
}

/** Slots of the shared array: the next unclaimed unit, a progress counter, then one state per worker and one owner per unit. */
const NEXT = 0;
const TICK = 1;
const FIRST_STATE = 2;
/** A worker's state (0 while it starts). */
const SERVING = 1;
const DONE = 2;
const FAILED = 3;
/** The owner of a unit: 0 none yet, 1 the main thread, 2 + k worker k. */
const MAIN = 1;

interface SharedData {
  readonly script: string;
  readonly argv: readonly string[];
  readonly keys: readonly string[];
  readonly shared: Int32Array;
  readonly worker: number;
  readonly workers: number;
  readonly port: MessagePort;
}

interface UnitMessage {
  readonly index: number;
  readonly value?: unknown;
  readonly failed?: boolean;
}

/**
 * What a worker thread runs: the program again, as its launcher started it. A worker that throws
 * or exits before it has served marks itself failed, which wakes the main thread at once.
 */
const BOOT = `
const { workerData } = require('node:worker_threads');
const d = workerData[${JSON.stringify(MARK)}];
const slot = ${FIRST_STATE} + d.worker;
const fail = () => {
  if (Atomics.load(d.shared, slot) !== ${DONE}) {
    Atomics.store(d.shared, slot, ${FAILED});
    Atomics.add(d.shared, ${TICK}, 1);
    Atomics.notify(d.shared, ${TICK});
  }
};
process.on('exit', fail);
process.on('uncaughtException', () => { fail(); process.exit(1); });
process.argv = [process.execPath, d.script, ...d.argv];
require('node:module')._load(d.script, null, true);
`;

/** Options of {@link mapUnits}. */
export interface MapUnitsOptions {
  /** Threads in all, the main thread included; 1 does every unit on the main thread. */
  readonly threads: number;
  /**
   * A worker that shows no progress for this long is given up: the main thread does its units.
   *
   * @default 60000
   */
  readonly stallMs?: number;
  /**
   * The main thread takes its first unit only once every worker has taken one (or failed, or
   * stalled), so that workers surely take part (for tests; it only costs time otherwise).
   *
   * @default false
   */
  readonly workersFirst?: boolean;
}

/** The cores this process may use. */
export function coreCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** The threads to use by default: one per core, at most one per unit. */
export function defaultThreads(units: number, cores: number = coreCount()): number {
  return Math.max(1, Math.min(cores, units));
}

/** What {@link mapUnits} gives: each unit's result, in the order of the keys. */
export interface MappedUnits<T> {
  readonly results: T[];
  /** How many of the units other threads did. */
  readonly elsewhere: number;
}

/**
 * `keys.map((key, i) => unit(i, tick))`, with the units shared among `threads` threads when this
 * program can be started again ({@link setRelaunch}), else on this thread. The result of a unit must
 * survive structured cloning (no functions, no class instances). `tick` reports progress.
 *
 * In a worker, the same program calls {@link workerSide} instead, with the same keys.
 */
export function mapUnits<T>(keys: readonly string[], unit: (index: number, tick: () => void) => T, options: MapUnitsOptions): MappedUnits<T> {
  const relaunch = relaunchOf();
  const workers = Math.min(options.threads, keys.length) - 1;
  const noop = () => undefined;
  if (!relaunch || !isMainThread || workers < 1) return { results: keys.map((_, i) => unit(i, noop)), elsewhere: 0 };
  const stallMs = options.stallMs ?? 60_000;
  const shared = new Int32Array(new SharedArrayBuffer(4 * (FIRST_STATE + workers + keys.length)));
  const ownerSlot = (index: number) => FIRST_STATE + workers + index;
  const ports: MessagePort[] = [];
  const threads: Worker[] = [];
  for (let k = 0; k < workers; k++) {
    const { port1, port2 } = new MessageChannel();
    const data: SharedData = { script: relaunch.script, argv: relaunch.argv, keys, shared, worker: k, workers, port: port2 };
    // Output of a worker is dropped: any unit it cannot do is done again here, with its messages.
    const worker = new Worker(BOOT, { eval: true, workerData: { [MARK]: data }, transferList: [port2], stdout: true, stderr: true });
    worker.unref();
    ports.push(port1);
    threads.push(worker);
  }
  const results = new Array<T>(keys.length);
  const have = new Array<boolean>(keys.length).fill(false);
  const receive = () => {
    for (const port of ports) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const message = m.message as UnitMessage;
        if (!message.failed && !have[message.index]) {
          results[message.index] = message.value as T;
          have[message.index] = true;
        }
      }
    }
  };
  let here = 0;
  const runHere = (index: number) => {
    results[index] = unit(index, noop);
    have[index] = true;
    here++;
  };
  if (options.workersFirst) {
    const startedAt = Date.now();
    const starting = () => threads.some((_, k) => Atomics.load(shared, FIRST_STATE + k) === 0);
    while (starting() && Date.now() - startedAt < stallMs) Atomics.wait(shared, TICK, Atomics.load(shared, TICK), 100);
  }
  const given = new Set<number>();
  try {
    for (let i = Atomics.add(shared, NEXT, 1); i < keys.length; i = Atomics.add(shared, NEXT, 1)) {
      Atomics.store(shared, ownerSlot(i), MAIN);
      runHere(i);
      receive();
    }
    let tick = Atomics.load(shared, TICK);
    let progressAt = Date.now();
    for (receive(); have.includes(false); receive()) {
      const stalled = Date.now() - progressAt > stallMs;
      for (let k = 0; k < workers; k++) {
        if (stalled || Atomics.load(shared, FIRST_STATE + k) === FAILED) given.add(k);
      }
      for (let i = 0; i < keys.length; i++) {
        if (have[i]) continue;
        const owner = Atomics.load(shared, ownerSlot(i));
        // Unclaimed after a stall: a worker died between taking the unit and saying so.
        if ((owner >= 2 && given.has(owner - 2)) || (owner === 0 && stalled)) runHere(i);
      }
      if (!have.includes(false)) break;
      if (Atomics.wait(shared, TICK, tick, 100) !== 'timed-out' || Atomics.load(shared, TICK) !== tick) {
        tick = Atomics.load(shared, TICK);
        progressAt = Date.now();
      }
    }
  } catch (e) {
    // A unit failed here as it would without workers: theirs are not wanted any more.
    for (const worker of threads) void worker.terminate();
    for (const port of ports) port.close();
    throw e;
  }
  for (const k of given) void threads[k].terminate();
  for (const port of ports) port.close();
  return { results, elsewhere: keys.length - here };
}

/** The worker's side of {@link mapUnits}: present only in a worker thread it started. */
export interface WorkerSide {
  /** Do units until none is left, each result posted to the main thread; then return. */
  serve<T>(keys: readonly string[], unit: (index: number, tick: () => void) => T): void;
}

/** Whether this thread is a worker of {@link mapUnits}, and how it serves. */
export function workerSide(): WorkerSide | undefined {
  if (isMainThread) return undefined;
  const d = (workerData as Record<string, SharedData> | null)?.[MARK];
  if (!d) return undefined;
  const slot = FIRST_STATE + d.worker;
  const tick = () => {
    Atomics.add(d.shared, TICK, 1);
    Atomics.notify(d.shared, TICK);
  };
  const mark = (state: number) => {
    Atomics.store(d.shared, slot, state);
    tick();
  };
  return {
    serve(keys, unit) {
      // The program computed other units than the main thread's: leave them all to it.
      if (keys.length !== d.keys.length || keys.some((k, i) => k !== d.keys[i])) {
        mark(FAILED);
        return;
      }
      const ownerSlot = (index: number) => FIRST_STATE + d.workers + index;
      for (let i = Atomics.add(d.shared, NEXT, 1); i < keys.length; i = Atomics.add(d.shared, NEXT, 1)) {
        Atomics.store(d.shared, ownerSlot(i), 2 + d.worker);
        // Serving from its first unit on (see workersFirst).
        if (Atomics.load(d.shared, slot) === 0) mark(SERVING);
        let value: unknown;
        try {
          value = unit(i, tick);
          d.port.postMessage({ index: i, value } satisfies UnitMessage);
        } catch {
          d.port.postMessage({ index: i, failed: true } satisfies UnitMessage);
          mark(FAILED);
          d.port.close();
          return;
        }
        tick();
      }
      mark(DONE);
      d.port.close();
    },
  };
}
