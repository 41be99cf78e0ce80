/**
 * How far V8 lets the heap grow past what survived each full collection, for the processes this
 * package starts (the bin; `scripts/run.js` does the same for this repository's commands).
 *
 * By default the heap may grow up to 4 times the live size while a program allocates fast
 * (`MemoryController::GrowingFactor` in V8's `src/heap/heap-controller.cc`, which reads
 * `--heap-growing-percent` each time it runs): a synth of 5 x 1000 namespaces peaked at about
 * 600 MiB with less than 200 MiB alive. 15% keeps the peak near the live size (see the README's
 * Benchmarks).
 */
import * as v8 from 'node:v8';

/** Percent the heap grows past the live size after a full collection. */
export const HEAP_GROWING_PERCENT = 15;

/** Set `--heap-growing-percent` for this process, unless its command line or NODE_OPTIONS set it. */
export function limitHeapGrowth(): void {
  const given = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (!/--heap[-_]growing[-_]percent/.test(given)) v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
