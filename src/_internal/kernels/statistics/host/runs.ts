/**
 * How the run loops (runs over {@link PLANE_MAX_ROW}) reach their WebAssembly build
 * (`../../host/compiled/runSweeps.c`):
 *
 * - wasm backend (`heap` given, every array of the call in its memory): in place, on the
 *   tensors where they are, the call's float64 arrays (statistics, γ/β, sums) in the heap
 *   scratch that {@link statisticsScratch} asked for.
 * - otherwise (the cpu backend): staged, the call's float64 arrays then its float32
 *   ones in a staging memory of the module's own, the inputs copied in before and the
 *   outputs copied out after. Whole arrays, not chunks: a run loop's arrays are read once
 *   (moments, scale-shift, input gradient) or twice, and the block copies cost less than
 *   the V8 loops they replace, for every one of the four kernels (bench/README.md,
 *   "Design measurements").
 *
 * Otherwise the TypeScript run loops run. Every way gives the same values bit for bit.
 */
import type { HostContext, HostKernel } from '../../host/adapter';
import { memoryOfAtLeast } from '../../host/compiled/memoryModule';
import { runSweeps, type RunSweeps } from '../../host/compiled/runSweepsModule';
import { compiledBuildMissing } from '../../host/options';
import { featureLayoutOf, statisticsViewOf } from '../view';
import { columnsOf, PLANE_MAX_ROW } from './common';

/** A call's run loops with its arrays in the memory they work in. */
export interface CompiledRuns {
  readonly sweeps: RunSweeps;
  /** Byte address of each float32 array of the call, inputs then outputs, as given. */
  readonly at: number[];
  /** The call's float64 arrays, of the lengths asked, in that memory (not zeroed). */
  readonly doubles: Float64Array[];
  /** Copies the outputs back where they were staged (nothing in place). */
  finish(): void;
}

/** A run call: its float32 inputs and outputs, and the lengths of the float64 arrays it needs. */
export interface RunCall {
  readonly inputs: Float32Array[];
  readonly outputs: Float32Array[];
  readonly doubles: readonly number[];
}

/**
 * The compiled run loops for a call, or undefined where the TypeScript loops run
 * (WebAssembly off or unavailable; under `webAssembly: 'required'` unavailable throws).
 */
export function compiledRuns({ heap, options }: HostContext, call: RunCall): CompiledRuns | undefined {
  if (options.webAssembly === 'off') return undefined;
  const arrays = [...call.inputs, ...call.outputs];
  const doubleBytes = 8 * call.doubles.reduce((a, b) => a + b, 0);
  let compiled: CompiledRuns | undefined;
  if (heap !== undefined && heap.scratchBytes >= doubleBytes && arrays.every((a) => a.buffer === heap.memory.buffer)) {
    const sweeps = runSweeps(heap.memory);
    if (sweeps !== undefined) compiled = { sweeps, at: arrays.map((a) => a.byteOffset), doubles: doublesAt(heap.memory.buffer as ArrayBuffer, heap.scratch, call.doubles), finish: () => {} };
  } else {
    compiled = stagedRuns(call, arrays, doubleBytes);
  }
  if (compiled === undefined && options.webAssembly === 'required') throw compiledBuildMissing('a statistics kernel');
  return compiled;
}

function doublesAt(buffer: ArrayBuffer, address: number, lengths: readonly number[]): Float64Array[] {
  let next = address;
  return lengths.map((length) => {
    const array = new Float64Array(buffer, next, length);
    next += 8 * length;
    return array;
  });
}

/** The staging memory of the run loops on cpu, made on first use and grown as needed. */
let staging: WebAssembly.Memory | undefined;

function stagedRuns(call: RunCall, arrays: Float32Array[], doubleBytes: number): CompiledRuns | undefined {
  staging = memoryOfAtLeast(staging, doubleBytes + 4 * arrays.reduce((total, a) => total + a.length, 0));
  const sweeps = staging === undefined ? undefined : runSweeps(staging);
  if (staging === undefined || sweeps === undefined) return undefined;
  const buffer = staging.buffer as ArrayBuffer;
  let next = doubleBytes;
  const placed = arrays.map((a) => {
    const view = new Float32Array(buffer, next, a.length);
    next += 4 * a.length;
    return view;
  });
  call.inputs.forEach((a, i) => (placed[i] as Float32Array).set(a));
  return {
    sweeps,
    at: placed.map((a) => a.byteOffset),
    doubles: doublesAt(buffer, 0, call.doubles),
    finish: () => call.outputs.forEach((a, i) => a.set(placed[call.inputs.length + i] as Float32Array)),
  };
}

/**
 * `heapScratch` of a statistics kernel: `planes` per-column float64 arrays on the plane
 * path, `runs(statistics, features)` float64 values on the run path.
 */
export function statisticsScratch(planes: number, runs: (statistics: number, features: number) => number): NonNullable<HostKernel['heapScratch']> {
  return (inputs, attrs) => {
    const x = inputs.x;
    if (x === undefined) return 0;
    const view = statisticsViewOf(attrs, x);
    if (view.reducedInner <= PLANE_MAX_ROW) return planes * columnsOf(view) * 8;
    return 8 * Math.max(1, runs(view.outer * view.kept, featureLayoutOf(attrs).size));
  };
}
