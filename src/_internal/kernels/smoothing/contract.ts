/**
 * The smoothing kernel, the core of `gaussianBlur` and of IBA's smoothed bottleneck: a
 * linear map along one axis, given as an `[L, L]` matrix (a separable Gaussian with the
 * reflection folded in, built by `../../gaussian.ts`).
 *
 * | kernel | inputs → output |
 * |---|---|
 * | `FeatstatsSmoothAxis` | x (any rank), matrix `[L, L]` (L = x's size along `axis`), attrs `axis`, `transpose` → x's shape: `y[…, i, …] = Σ_j M[i, j]·x[…, j, …]`, Mᵀ when `transpose` |
 *
 * A blur applies it once per spatial axis (two 1-D passes for an image) and its gradient
 * applies it with `transpose`, the exact adjoint of the forward matrix, reflection
 * included. The composite moves the axis last and multiplies by the dense matrix, O(L)
 * per element; the host kernel (cpu and wasm) visits only the matrix's nonzero entries,
 * the 2r + 1 taps of a row (more at a border, where reflection folds taps onto one
 * column, fewer where it merges them), so it is O(kernel size) per element, and reads x
 * where it is, without transposes.
 */
import * as tf from '@tensorflow/tfjs-core';

import { dispatch, type FusedKernel } from '../dispatch';
import { smoothAxisCpu, smoothAxisWasm } from './host/smoothAxis';

export const SMOOTH_AXIS: FusedKernel = { name: 'FeatstatsSmoothAxis', backends: { cpu: smoothAxisCpu, wasm: smoothAxisWasm } };

/** `matrix` (`[L, L]`, or its transpose) applied along `axis` of x; x's shape. */
export function smoothAxis(x: tf.Tensor, matrix: tf.Tensor2D, axis: number, transpose: boolean): tf.Tensor {
  return dispatch(SMOOTH_AXIS, { x, matrix }, { axis, transpose }, () =>
    tf.tidy(() => {
      const length = x.shape[axis] as number;
      const rank = x.rank;
      const toLast = [...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis), axis];
      const moved = tf.transpose(x, toLast);
      const rows = tf.reshape(moved, [-1, length]);
      // (M·v) for every row v: rows · Mᵀ; the adjoint uses Mᵀ, i.e. rows · M.
      const smoothed = tf.reshape(tf.matMul(rows, matrix, false, !transpose), moved.shape);
      const back = new Array<number>(rank);
      toLast.forEach((from, to) => (back[from] = to));
      return tf.transpose(smoothed, back);
    }),
  );
}
