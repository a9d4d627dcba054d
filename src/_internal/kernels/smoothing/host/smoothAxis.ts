/**
 * `FeatstatsSmoothAxis` on cpu and wasm (contract in `../contract.ts`). x is seen as
 * `[outer, L, inner]` around the axis, so no data moves: each output line
 * `y[o, i, :]` is a weighted sum of the input lines `x[o, j, :]` over the nonzero
 * entries M[i, j] of row i (column i when transposed), gathered once per call from the
 * matrix. The sums run in the compiled module (`../../host/compiled/smoothing.c`: float32
 * sums in tap order, in tfjs-backend-wasm's memory on wasm, in a staging memory on cpu);
 * where WebAssembly SIMD cannot run, in TypeScript loops in float64, rounded once into the
 * float32 output.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostContext, type HostKernel } from '../../host/adapter';
import { memoryOfAtLeast } from '../../host/compiled/memoryModule';
import { smoothing, type Smoothing } from '../../host/compiled/smoothingModule';
import { compiledBuildMissing } from '../../host/options';

/** The nonzero entries of each row of M (or Mᵀ): row i's are `columns/weights[starts[i] … starts[i + 1])`. */
interface SparseRows {
  readonly starts: Int32Array;
  readonly columns: Int32Array;
  readonly weights: Float64Array;
}

/**
 * Exact zeros are left out: they add nothing to a finite sum (a non-finite input then
 * reaches only the outputs within a kernel's reach of it, where the dense composite's
 * 0·∞ would make its whole line NaN).
 */
function sparseRows(matrix: ArrayLike<number>, length: number, transpose: boolean): SparseRows {
  const starts = new Int32Array(length + 1);
  const columns: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < length; i++) {
    for (let j = 0; j < length; j++) {
      const w = matrix[transpose ? j * length + i : i * length + j] as number;
      if (w !== 0) {
        columns.push(j);
        weights.push(w);
      }
    }
    starts[i + 1] = columns.length;
  }
  return { starts, columns: Int32Array.from(columns), weights: Float64Array.from(weights) };
}

/**
 * Lines at least this long are accumulated a whole line per entry (contiguous runs);
 * shorter ones (an image's last spatial axis in NHWC, where a line is its C channels)
 * take the band below where they can, element by element over the row's entries elsewhere.
 */
const LINE_LOOP = 16;

/**
 * The longest run of consecutive rows [start, end) with one stencil: the same weights on
 * consecutive columns starting at i + offset (a Gaussian's rows away from the borders).
 * Their sums can run tap by tap over the whole run, a contiguous stretch of the line
 * (`(end − start)·inner` elements per tap), which V8 runs much faster than a short sum
 * per element; the additions come in the same order, so the values are the same.
 */
function band(rows: SparseRows, length: number): { start: number; end: number; offset: number } {
  const { starts, columns, weights } = rows;
  const sameStencil = (i: number, j: number): boolean => {
    const [a, b] = [starts[i] as number, starts[j] as number];
    const count = (starts[i + 1] as number) - a;
    if ((starts[j + 1] as number) - b !== count || (columns[a] as number) - i !== (columns[b] as number) - j) return false;
    for (let t = 0; t < count; t++) {
      if (weights[a + t] !== weights[b + t] || (columns[b + t] as number) !== (columns[b] as number) + t) return false;
    }
    return true;
  };
  let best = { start: 0, end: 0, offset: 0 };
  for (let start = 0; start < length; ) {
    let end = start + 1;
    while (end < length && sameStencil(start, end)) end++;
    const consecutive = (columns[(starts[start + 1] as number) - 1] as number) - (columns[starts[start] as number] as number) === (starts[start + 1] as number) - (starts[start] as number) - 1;
    if (end - start > best.end - best.start && consecutive) best = { start, end, offset: (columns[starts[start] as number] as number) - start };
    start = end;
  }
  return best;
}

/** x as `[outer, L, inner]` around the smoothed axis. */
interface AxisView {
  readonly outer: number;
  readonly length: number;
  readonly inner: number;
}

function axisView(shape: readonly number[], axis: number): AxisView {
  const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  return { outer: size(shape.slice(0, axis)), length: shape[axis] as number, inner: size(shape.slice(axis + 1)) };
}

/**
 * The compiled sums (`../../host/compiled/smoothing.c`) with x, y and a weights buffer
 * of L + 1 floats at byte addresses of one memory. The band's rows are one call; every
 * other row is one call per run of consecutive columns (a border row's reflected columns
 * are one run), the first run writing the row and the others adding to it.
 */
function runCompiled(module: Smoothing, rows: SparseRows, { outer, length, inner }: AxisView, x: number, y: number, weightsAt: number, weights: Float32Array): void {
  const plane = length * inner;
  const { start, end, offset } = band(rows, length);
  const { starts, columns } = rows;
  if (end > start) {
    const first = starts[start] as number;
    const taps = (starts[start + 1] as number) - first;
    weights.set(rows.weights.subarray(first, first + taps));
    module.shiftedSums(x, y, outer, plane, start * inner, (end - start) * inner, (start + offset) * inner, inner, weightsAt, taps, 0);
  }
  for (let i = 0; i < length; i++) {
    if (i === start && end > start) {
      i = end - 1;
      continue;
    }
    const last = starts[i + 1] as number;
    let run = starts[i] as number;
    // A row without entries is written as zeros (a call with no taps).
    do {
      let runEnd = run + 1;
      while (runEnd < last && (columns[runEnd] as number) === (columns[runEnd - 1] as number) + 1) runEnd++;
      const taps = Math.min(runEnd, last) - run;
      weights.set(rows.weights.subarray(run, run + taps));
      module.shiftedSums(x, y, outer, plane, i * inner, inner, taps > 0 ? (columns[run] as number) * inner : 0, inner, weightsAt, taps, run > (starts[i] as number) ? 1 : 0);
      run = runEnd;
    } while (run < last);
  }
}

/** The compiled sums' own memory on cpu, made on first use and grown as needed. */
let staging: WebAssembly.Memory | undefined;

/** Whether the compiled sums ran (in place on wasm, else staged). */
function tryCompiled(rows: SparseRows, view: AxisView, source: Float32Array, target: Float32Array, { heap }: HostContext): boolean {
  const weightBytes = 4 * (view.length + 1);
  if (heap !== undefined && heap.scratchBytes >= weightBytes && source.buffer === heap.memory.buffer && target.buffer === heap.memory.buffer) {
    const module = smoothing(heap.memory);
    if (module === undefined) return false;
    const weights = new Float32Array(heap.memory.buffer, heap.scratch, view.length + 1);
    runCompiled(module, rows, view, source.byteOffset, target.byteOffset, heap.scratch, weights);
    return true;
  }
  staging = memoryOfAtLeast(staging, 8 * source.length + weightBytes);
  const module = staging === undefined ? undefined : smoothing(staging);
  if (staging === undefined || module === undefined) return false;
  const buffer = staging.buffer as ArrayBuffer;
  const [atX, atY, atWeights] = [0, 4 * source.length, 8 * source.length];
  new Float32Array(buffer, atX, source.length).set(source);
  runCompiled(module, rows, view, atX, atY, atWeights, new Float32Array(buffer, atWeights, view.length + 1));
  target.set(new Float32Array(buffer, atY, source.length));
  return true;
}

/** The TypeScript loops: float64 sums, rounded once into the float32 output. */
function runTypeScript(rows: SparseRows, { outer, length, inner }: AxisView, source: Float32Array, target: Float32Array): void {
  const { starts, columns, weights } = rows;
  const plane = length * inner;
  if (inner >= LINE_LOOP) {
    const line = new Float64Array(inner);
    for (let o = 0; o < outer; o++) {
      const base = o * plane;
      for (let i = 0; i < length; i++) {
        line.fill(0);
        for (let t = starts[i] as number; t < (starts[i + 1] as number); t++) {
          const w = weights[t] as number;
          const from = base + (columns[t] as number) * inner;
          for (let c = 0; c < inner; c++) line[c] = (line[c] as number) + w * (source[from + c] as number);
        }
        target.set(line, base + i * inner);
      }
    }
    return;
  }
  const { start, end, offset } = band(rows, length);
  const stencil = weights.subarray(starts[start] as number, starts[start + 1] as number);
  const sums = new Float64Array((end - start) * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * plane;
    for (let i = 0; i < length; i++) {
      if (i === start && end > start) {
        sums.fill(0);
        for (let t = 0; t < stencil.length; t++) {
          const w = stencil[t] as number;
          const from = base + (start + offset + t) * inner;
          for (let k = 0; k < sums.length; k++) sums[k] = (sums[k] as number) + w * (source[from + k] as number);
        }
        target.set(sums, base + start * inner);
        i = end - 1;
        continue;
      }
      const first = starts[i] as number;
      const last = starts[i + 1] as number;
      for (let c = 0; c < inner; c++) {
        let sum = 0;
        for (let t = first; t < last; t++) sum += (weights[t] as number) * (source[base + (columns[t] as number) * inner + c] as number);
        target[base + i * inner + c] = sum;
      }
    }
  }
}

const SMOOTH_AXIS: HostKernel = {
  outputs: (inputs) => [{ shape: [...requiredInput(inputs, 'x').shape], dtype: 'float32', filled: true }],
  // A row's weights, handed to the compiled sums in tfjs's memory.
  heapScratch: (inputs, attrs) => 4 * ((requiredInput(inputs, 'x').shape[attrs.axis as number] as number) + 1),
  run: (inputs, [out], attrs, context) => {
    const x = requiredInput(inputs, 'x');
    const view = axisView(x.shape, attrs.axis as number);
    const rows = sparseRows(requiredInput(inputs, 'matrix').values, view.length, attrs.transpose === true);
    const source = x.values as Float32Array;
    const target = out as Float32Array;
    if (context.options.webAssembly !== 'off' && tryCompiled(rows, view, source, target, context)) return;
    if (context.options.webAssembly === 'required') throw compiledBuildMissing('the smoothing kernel');
    runTypeScript(rows, view, source, target);
  },
};

// Pure annotations: a module-level call that tree-shaking may drop when unused.
export const smoothAxisCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(SMOOTH_AXIS);
export const smoothAxisWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(SMOOTH_AXIS);
