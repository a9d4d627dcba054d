/**
 * The smoothing kernel, the core of `gaussianBlur` and of IBA's smoothed bottleneck: a
 * linear map along one axis, given as an `[L, L]` matrix built on the host (a separable
 * Gaussian with the reflection folded in, by `../../gaussian.ts`).
 *
 * | kernel | inputs → output |
 * |---|---|
 * | `FeatstatsSmoothAxis` | x (any rank), columns and weights `[L, K]` float32 (row i's nonzero entries of the `[L, L]` matrix M, of Mᵀ when `transpose`, in increasing column order, ended by column −1 when fewer than K; L = x's size along `axis`), attrs `axis`, `transpose`, `band` `[start, end, offset]` and `stencil` (rows start…end − 1 are `stencil` on the columns from i + offset; may be empty) → x's shape: `y[…, i, …] = Σ_j M[i, j]·x[…, j, …]`, Mᵀ when `transpose` |
 *
 * A blur applies it once per spatial axis (two 1-D passes for an image) and its gradient
 * applies it with `transpose`, the exact adjoint of the forward matrix, reflection
 * included. The composite moves the axis last and multiplies by the dense matrix, O(L)
 * per element; the host kernel (cpu and wasm) and the webgl and webgpu kernels visit only the
 * matrix's nonzero entries, the 2r + 1 taps of a row (more at a border, where reflection
 * folds taps onto one column, fewer where it merges them), so they are O(kernel size) per
 * element, and read x where it is, without transposes. Exact zeros are left out, so a
 * non-finite input reaches only the outputs within the kernel's reach of it (the dense
 * composite's 0·∞ makes its whole line NaN).
 *
 * The matrix comes in as host data, and its nonzero entries are gathered here, on the
 * host, into the small `columns` and `weights` inputs (a GPU kernel could only see a
 * matrix tensor by reading it back); the dense `[L, L]` tensor is made only for the
 * composite.
 */
import * as tf from '@tensorflow/tfjs-core';

import { dispatch, runsFused, type FusedKernel } from '../dispatch';
import { smoothAxisCpu, smoothAxisWasm } from './host/smoothAxis';
import { smoothAxisWebgl } from './webgl/smoothAxis';
import { smoothAxisWebgpu } from './webgpu/smoothAxis';

export const SMOOTH_AXIS: FusedKernel = { name: 'FeatstatsSmoothAxis', backends: { cpu: smoothAxisCpu, wasm: smoothAxisWasm, webgl: smoothAxisWebgl, webgpu: smoothAxisWebgpu } };

/**
 * The nonzero entries of each row of M (of Mᵀ when `transpose`) as `[L, K]` columns and
 * weights, K the most entries of any row (at least 1); a shorter row ends at column −1
 * (weight 0).
 */
export function sparseRows(matrix: Float32Array, length: number, transpose: boolean): { columns: Float32Array; weights: Float32Array; taps: number } {
  const rows: Array<Array<[number, number]>> = [];
  for (let i = 0; i < length; i++) {
    const row: Array<[number, number]> = [];
    for (let j = 0; j < length; j++) {
      const w = matrix[transpose ? j * length + i : i * length + j] as number;
      if (w !== 0) row.push([j, w]);
    }
    rows.push(row);
  }
  const taps = rows.reduce((most, row) => Math.max(most, row.length), 1);
  const columns = new Float32Array(length * taps).fill(-1);
  const weights = new Float32Array(length * taps);
  rows.forEach((row, i) =>
    row.forEach(([j, w], t) => {
      columns[i * taps + t] = j;
      weights[i * taps + t] = w;
    }),
  );
  return { columns, weights, taps };
}

/**
 * The longest run of consecutive rows [start, end) with one stencil: the same weights on
 * consecutive columns from i + offset (a Gaussian's rows away from the borders), from
 * {@link sparseRows}' output; an empty run when no row's columns are consecutive.
 */
export function stencilBand(rows: { columns: Float32Array; weights: Float32Array; taps: number }, length: number): { start: number; end: number; offset: number; stencil: number[] } {
  const { columns, weights, taps } = rows;
  const count = (i: number): number => {
    let n = 0;
    while (n < taps && (columns[i * taps + n] as number) >= 0) n++;
    return n;
  };
  const consecutive = (i: number): boolean => {
    for (let t = 1; t < count(i); t++) if ((columns[i * taps + t] as number) !== (columns[i * taps] as number) + t) return false;
    return count(i) > 0;
  };
  const sameStencil = (i: number, j: number): boolean => {
    if (count(i) !== count(j) || (columns[i * taps] as number) - i !== (columns[j * taps] as number) - j) return false;
    for (let t = 0; t < count(i); t++) if (weights[i * taps + t] !== weights[j * taps + t]) return false;
    return true;
  };
  let best = { start: 0, end: 0 };
  for (let start = 0; start < length; ) {
    let end = start + 1;
    if (!consecutive(start)) {
      start = end;
      continue;
    }
    while (end < length && sameStencil(start, end)) end++;
    if (end - start > best.end - best.start) best = { start, end };
    start = end;
  }
  const { start, end } = best;
  if (end === start) return { start: 0, end: 0, offset: 0, stencil: [] };
  return { start, end, offset: (columns[start * taps] as number) - start, stencil: Array.from(weights.subarray(start * taps, start * taps + count(start))) };
}

/** `matrix` (`[L, L]` row-major host data, or its transpose) applied along `axis` of x; x's shape. */
export function smoothAxis(x: tf.Tensor, matrix: Float32Array, axis: number, transpose: boolean): tf.Tensor {
  return tf.tidy(() => {
    const length = x.shape[axis] as number;
    if (matrix.length !== length * length) throw new Error(`featstats: smoothAxis needs a [${length},${length}] matrix but got ${matrix.length} values`);
    const inputs: tf.NamedTensorMap = { x };
    let dense: tf.Tensor2D | undefined;
    const denseMatrix = (): tf.Tensor2D => (dense ??= tf.tensor2d(matrix, [length, length]));
    const attrs: tf.NamedAttrMap = { axis, transpose };
    // Every kernel reads the sparse rows; the composite alone needs the dense matrix.
    if (runsFused(SMOOTH_AXIS)) {
      const rows = sparseRows(matrix, length, transpose);
      inputs['columns'] = tf.tensor2d(rows.columns, [length, rows.taps]);
      inputs['weights'] = tf.tensor2d(rows.weights, [length, rows.taps]);
      const { start, end, offset, stencil } = stencilBand(rows, length);
      attrs['band'] = [start, end, offset];
      attrs['stencil'] = stencil;
    } else {
      inputs['matrix'] = denseMatrix();
    }
    return dispatch(SMOOTH_AXIS, inputs, attrs, () => {
      const rank = x.rank;
      const toLast = [...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis), axis];
      const moved = tf.transpose(x, toLast);
      const rows = tf.reshape(moved, [-1, length]);
      // (M·v) for every row v: rows · Mᵀ; the adjoint uses Mᵀ, i.e. rows · M.
      const smoothed = tf.reshape(tf.matMul(rows, denseMatrix(), false, !transpose), moved.shape);
      const back = new Array<number>(rank);
      toLast.forEach((from, to) => (back[from] = to));
      return tf.transpose(smoothed, back);
    });
  });
}
