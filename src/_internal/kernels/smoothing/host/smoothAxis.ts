/**
 * `FeatstatsSmoothAxis` on cpu and wasm (contract in `../contract.ts`). x is seen as
 * `[outer, L, inner]` around the axis, so no data moves: each output line
 * `y[o, i, :]` is a weighted sum of the input lines `x[o, j, :]` over the nonzero
 * entries M[i, j] of row i (column i when transposed), gathered once per call from the
 * matrix. Sums run in float64 and round once into the float32 output.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';

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
 * element by element over the row's entries, which saves the per-entry loop overhead.
 */
const LINE_LOOP = 16;

const SMOOTH_AXIS: HostKernel = {
  outputs: (inputs) => [{ shape: [...requiredInput(inputs, 'x').shape], dtype: 'float32', filled: true }],
  run: (inputs, [out], attrs) => {
    const x = requiredInput(inputs, 'x');
    const axis = attrs.axis as number;
    const length = x.shape[axis] as number;
    const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const { starts, columns, weights } = sparseRows(requiredInput(inputs, 'matrix').values, length, attrs.transpose === true);
    const source = x.values;
    const target = out as Float32Array;
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
    for (let o = 0; o < outer; o++) {
      const base = o * plane;
      for (let i = 0; i < length; i++) {
        const first = starts[i] as number;
        const last = starts[i + 1] as number;
        for (let c = 0; c < inner; c++) {
          let sum = 0;
          for (let t = first; t < last; t++) sum += (weights[t] as number) * (source[base + (columns[t] as number) * inner + c] as number);
          target[base + i * inner + c] = sum;
        }
      }
    }
  },
};

// Pure annotations: a module-level call that tree-shaking may drop when unused.
export const smoothAxisCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(SMOOTH_AXIS);
export const smoothAxisWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(SMOOTH_AXIS);
