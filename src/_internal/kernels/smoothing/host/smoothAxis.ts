/**
 * `FeatstatsSmoothAxis` on cpu and wasm (contract in `../contract.ts`). x is seen as
 * `[outer, L, inner]` around the axis, so no data moves: each output line
 * `y[o, i, :]` is a weighted sum of the input lines `x[o, j, :]` over the nonzero
 * entries of row i (the contract's sparse rows). The sums run in the compiled module
 * (`../../host/compiled/smoothing.c`: float32 sums in tap order, in tfjs-backend-wasm's
 * memory on wasm, in a staging memory on cpu): the band of rows that share one stencil
 * in one call, every other row one call per run of consecutive columns. Where
 * WebAssembly SIMD cannot run, TypeScript loops sum in float64 and round once into the
 * float32 output.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';
import { smoothing, type Smoothing } from '../../host/compiled/smoothingModule';
import { withArraysInMemory } from '../../host/compiled/memoryModule';
import { compiledBuildMissing } from '../../host/options';

/** The contract's sparse rows: row i's entries are `columns/weights[i·taps + t]` for t < taps until a column −1. */
interface SparseRows {
  readonly columns: Float32Array;
  readonly weights: Float32Array;
  readonly taps: number;
}

/** Rows start…end − 1 are `stencil` on the columns from i + offset (the contract's `band`). */
interface Band {
  readonly start: number;
  readonly end: number;
  readonly offset: number;
  readonly stencil: Float32Array;
}

/** The number of entries of row i. */
function entriesOf({ columns, taps }: SparseRows, i: number): number {
  let n = 0;
  while (n < taps && (columns[i * taps + n] as number) >= 0) n++;
  return n;
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
 * The compiled sums with x, y and `weights` (room for a row's weights) at byte addresses
 * of one memory. The band's rows are one call; every other row is one call per run of
 * consecutive columns (a border row's reflected columns are one run), the first run
 * writing the row and the others adding to it.
 */
function runCompiled(module: Smoothing, rows: SparseRows, band: Band, { outer, length, inner }: AxisView, [x, y, weightsAt]: number[], weights: Float32Array): void {
  const plane = length * inner;
  const { start, end, offset, stencil } = band;
  if (end > start) {
    weights.set(stencil);
    module.shiftedSums(x as number, y as number, outer, plane, start * inner, (end - start) * inner, (start + offset) * inner, inner, weightsAt as number, stencil.length, 0);
  }
  const { columns, taps } = rows;
  for (let i = 0; i < length; i++) {
    if (i === start && end > start) {
      i = end - 1;
      continue;
    }
    const [first, last] = [i * taps, i * taps + entriesOf(rows, i)];
    let run = first;
    // A row without entries is written as zeros (a call with no taps).
    do {
      let runEnd = run + 1;
      while (runEnd < last && (columns[runEnd] as number) === (columns[runEnd - 1] as number) + 1) runEnd++;
      const count = Math.min(runEnd, last) - run;
      weights.set(rows.weights.subarray(run, run + count));
      module.shiftedSums(x as number, y as number, outer, plane, i * inner, inner, count > 0 ? (columns[run] as number) * inner : 0, inner, weightsAt as number, count, run > first ? 1 : 0);
      run = runEnd;
    } while (run < last);
  }
}

/** The TypeScript loops: float64 sums over each row's entries, rounded once into the float32 output. */
function runTypeScript(rows: SparseRows, { outer, length, inner }: AxisView, source: Float32Array, target: Float32Array): void {
  const { columns, weights, taps } = rows;
  const plane = length * inner;
  const line = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * plane;
    for (let i = 0; i < length; i++) {
      line.fill(0);
      for (let t = i * taps, last = t + entriesOf(rows, i); t < last; t++) {
        const w = weights[t] as number;
        const from = base + (columns[t] as number) * inner;
        for (let c = 0; c < inner; c++) line[c] = (line[c] as number) + w * (source[from + c] as number);
      }
      target.set(line, base + i * inner);
    }
  }
}

const SMOOTH_AXIS: HostKernel = {
  outputs: (inputs) => [{ shape: [...requiredInput(inputs, 'x').shape], dtype: 'float32', filled: true }],
  // A row's weights, handed to the compiled sums in tfjs's memory.
  heapScratch: (inputs) => 4 * ((requiredInput(inputs, 'columns').shape[1] as number) + 1),
  run: (inputs, [out], attrs, context) => {
    const x = requiredInput(inputs, 'x');
    const view = axisView(x.shape, attrs.axis as number);
    const columns = requiredInput(inputs, 'columns');
    const rows: SparseRows = { columns: columns.values as Float32Array, weights: requiredInput(inputs, 'weights').values as Float32Array, taps: columns.shape[1] as number };
    const source = x.values as Float32Array;
    const target = out as Float32Array;
    if (context.options.webAssembly !== 'off') {
      const [start, end, offset] = attrs.band as number[];
      const band: Band = { start: start as number, end: end as number, offset: offset as number, stencil: Float32Array.from(attrs.stencil as number[]) };
      const scratch = { array: new Float32Array(rows.taps + 1) };
      const ran = withArraysInMemory(context.heap, smoothing, [{ array: source }, { array: target, written: true }, scratch], (module, addresses, memory) =>
        // Each call's weights are written where the module reads them.
        runCompiled(module, rows, band, view, addresses, new Float32Array(memory.buffer, addresses[2], scratch.array.length)),
      );
      if (ran) return;
      if (context.options.webAssembly === 'required') throw compiledBuildMissing('the smoothing kernel');
    }
    runTypeScript(rows, view, source, target);
  },
};

// Pure annotations: a module-level call that tree-shaking may drop when unused.
export const smoothAxisCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(SMOOTH_AXIS);
export const smoothAxisWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(SMOOTH_AXIS);
