/**
 * The measurement primitives, the same in Node and in the browser: a tinybench task per
 * measurement (warm-up, then samples until the budget is spent), median and quartiles
 * computed from the retained samples, forward+backward memory from `tf.profile`, and an
 * optional readback counter.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Bench } from 'tinybench';

import { slowSamples, type SamplingBudget } from './config';
import type { Memory, Timing } from './types';

/** Linear interpolation between order statistics of sorted samples (q in [0, 1]). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const lower = sorted[below] as number;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)] as number;
  return lower + (upper - lower) * (position - below);
}

/** Median and spread of raw samples in milliseconds. */
export function summarize(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const deviations = sorted.map((s) => Math.abs(s - median)).sort((a, b) => a - b);
  return {
    medianMs: median,
    p25Ms: quantile(sorted, 0.25),
    p75Ms: quantile(sorted, 0.75),
    madMs: quantile(deviations, 0.5),
    samples: sorted.length,
  };
}

/**
 * A full garbage collection where the runtime exposes one (Node with --expose-gc, as
 * `npm run bench` starts it; Chromium with --js-flags=--expose-gc). Called before each
 * measurement, so that garbage a previous case left behind (the cpu composites allocate
 * gigabytes per call) is not collected, with its arrays' unmapping, inside this case's
 * samples: on the 2-core VM one case's median (adain's node-cpu forward+backward) came
 * out at 236 ms in a full run and 102 ms in a run of four ops minutes later.
 */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Times `fn` (which must await the result's data itself) with tinybench. `firstRunMs`, the
 * duration of an earlier untimed call, decides the policy of {@link SamplingBudget}: a
 * slow case takes the samples that fit its budget with no further warm-up; a fast one its
 * warm-up iterations, then samples until both `minSamples` and `budgetMs` are reached.
 * A first call that was slow but within `slowBudgetMs` is repeated, untimed, and the
 * repeat decides ({@link classifyingRunMs}).
 */
export async function measure(name: string, fn: () => Promise<void>, sampling: SamplingBudget, firstRunMs: number): Promise<Timing> {
  collectGarbage();
  const decidingMs = await classifyingRunMs(fn, sampling, firstRunMs);
  const slow = decidingMs > sampling.slowMs;
  const bench = new Bench({
    name,
    time: slow ? 0 : sampling.budgetMs,
    iterations: slow ? slowSamples(sampling, decidingMs) : sampling.minSamples,
    warmup: !slow,
    warmupIterations: sampling.warmupIterations,
    warmupTime: 0,
    retainSamples: true,
    throws: true,
  });
  bench.add(name, fn, { async: true });
  const [task] = await bench.run();
  const result = task?.result;
  if (result === undefined || !('latency' in result)) throw new Error(`bench: ${name} produced no samples`);
  return summarize(result.latency.samples ?? []);
}

/**
 * The duration that classifies a case as slow or fast. A first call also pays one-off
 * costs (JIT compilation, shader compilation, the wasm heap growing to the tensors'
 * size), which on a noisy 2-core VM pushed cases of ~100 ms over `slowMs` and left them
 * with two samples. So a first call between `slowMs` and `slowBudgetMs` is repeated once
 * and the repeat decides; a longer one (seconds: the tfjs cpu composites) is not, which
 * keeps the full run's length.
 */
async function classifyingRunMs(fn: () => Promise<void>, sampling: SamplingBudget, firstRunMs: number): Promise<number> {
  if (firstRunMs <= sampling.slowMs || firstRunMs > sampling.slowBudgetMs) return firstRunMs;
  return timeOnce(fn);
}

/** The timing of one of `calls` repetitions that each sample made. */
export const perCall = (t: Timing, calls: number): Timing => ({
  medianMs: t.medianMs / calls,
  p25Ms: t.p25Ms / calls,
  p75Ms: t.p75Ms / calls,
  madMs: t.madMs / calls,
  samples: t.samples,
});

/** Milliseconds of one call of `fn`. */
export async function timeOnce(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Waits for `outputs` and disposes them. On webgl and webgpu one element of each is read
 * back, which waits for every GPU program the outputs depend on (the GL command stream and
 * the WebGPU queue run in order). On cpu and wasm the kernels have run when the call returns, so nothing is
 * read: reading every output back whole would time a copy of it into a fresh JavaScript
 * array (on wasm out of the heap; on webgl out of the texture) that is a cost of the
 * benchmark and not of the op, and that neither the floors' loop nor PyTorch's timings
 * pay: at [8,32,32,512] on node-wasm, 5–15 ms per output on the 2-core VM (the fresh
 * array's page faults), as much as a whole fused forward. (A one-element slice would
 * not do there: tfjs-backend-wasm's slice reads its whole input back first.)
 */
export async function settle(outputs: readonly tf.Tensor[]): Promise<void> {
  if (tf.getBackend() === 'webgl' || tf.getBackend() === 'webgpu') {
    const firsts = tf.tidy(() => outputs.map((t) => tf.slice(tf.reshape(t, [-1]), 0, 1)));
    await Promise.all(firsts.map((t) => t.data()));
    tf.dispose(firsts);
  }
  tf.dispose([...outputs]);
}

/** The engine members the memory profile wraps (tfjs-core 4.x). */
interface EngineInternals {
  trackTensor(a: tf.Tensor, backend: unknown): void;
  disposeTensor(a: tf.Tensor): void;
  /** One entry per live data buffer, however many tensors share it (a WeakMap). */
  readonly state: { readonly tensorInfo: { has(dataId: object): boolean } };
}

/**
 * Peak bytes and kernel count of `run` (forward+backward) from `tf.profile`. The outputs
 * stay alive until the profile ends, so `newTensors` counts them (and any leak).
 *
 * The peak counts distinct data buffers allocated during the call: the engine's
 * `trackTensor` and `disposeTensor` are wrapped to follow each buffer from the first
 * tensor that made it to its release. tfjs's own `numBytes` (the profile's
 * `totalBytesSnapshot`) counts a buffer once per tensor that shares it, so the clone
 * the engine keeps of every saved tensor would look like a copy on cpu and webgl, where
 * it is a reference count; on wasm that clone is a real copy and counts as one.
 */
export async function profileMemory(run: () => tf.Tensor[], inputBytes: number): Promise<Memory> {
  const engine = tf.engine() as unknown as EngineInternals;
  const { trackTensor, disposeTensor } = engine;
  const buffers = new Map<object, number>();
  let bytes = 0;
  let peakBytes = 0;
  engine.trackTensor = function (a, backend) {
    const fresh = !engine.state.tensorInfo.has(a.dataId);
    trackTensor.call(engine, a, backend);
    if (!fresh || a.dtype === 'string' || a.dtype === 'complex64') return;
    const size = a.size * tf.util.bytesPerElement(a.dtype);
    buffers.set(a.dataId, size);
    bytes += size;
    peakBytes = Math.max(peakBytes, bytes);
  };
  engine.disposeTensor = function (a) {
    disposeTensor.call(engine, a);
    const size = buffers.get(a.dataId);
    if (size !== undefined && !engine.state.tensorInfo.has(a.dataId)) {
      buffers.delete(a.dataId);
      bytes -= size;
    }
  };
  let outputs: tf.Tensor[] = [];
  try {
    const info = await tf.profile(() => {
      outputs = run();
      return [];
    });
    return { peakBytes, newTensors: info.newTensors, kernels: info.kernels.length, inputBytes, peakMultiple: peakBytes / inputBytes };
  } finally {
    engine.trackTensor = trackTensor;
    engine.disposeTensor = disposeTensor;
    await settle(outputs);
  }
}

/** Counts GPU→CPU reads between start and stop (installed by the page on webgl and webgpu). */
export interface ReadbackCounter {
  start(): void;
  /** Stops counting and returns the reads since start. */
  stop(): number;
}
