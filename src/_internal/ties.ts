/**
 * EFDM's tie policy (`efdm`, `efdmix`): how equal content values within a channel share
 * out the style's sorted values.
 *
 * `'stable'` ranks ties by position (the lower index first), bit-identical on every
 * backend; a channel with many equal values (25 % of a photo's red channel is exactly 0)
 * then takes the style's values in raster order, a ramp. `'random'` ranks ties in the
 * order of a seeded random permutation of the channel's positions: the stable sort runs
 * on the permuted row, so ties fall in the permutation's order and distinct values keep
 * their ranks. The permutations are drawn on the host (`seededUniform`, Fisher–Yates), so
 * a seed gives the same ranks on every backend, and the kernels are unchanged: the op
 * permutes its input, runs them, and maps the result and the order back. The order it
 * saves is in the input's own positions, so the gradients keep their form.
 */
import * as tf from '@tensorflow/tfjs-core';

import { fromChannelRows, gatherRows, channelRows, scatterRows } from './kernels/sort/contract';
import type { ChannelLayout } from './layout';
import { permutation, seededUniform } from './random';

/** How ties among equal content values are ranked. */
export type TiePolicy = 'stable' | 'random';

/**
 * One permutation of the positions per channel row `[N·C, L]`, drawn from `seed` row by
 * row (a host array, so that the backward, which may run after the call's tidy, can
 * rebuild it).
 */
export function drawTiePermutations(rows: number, positions: number, seed: number): Int32Array {
  const uniform = seededUniform(seed);
  const out = new Int32Array(rows * positions);
  for (let r = 0; r < rows; r++) out.set(permutation(positions, uniform), r * positions);
  return out;
}

/** The permutations as an int32 `[N·C, L]` tensor. */
export function tieTensor(permutations: Int32Array, layout: ChannelLayout): tf.Tensor2D {
  return tf.tensor2d(permutations, [layout.batch * layout.channels, layout.positions], 'int32');
}

/** `x` with each channel row reordered, `permuted[r, j] = x[r, perm[r, j]]`, in x's layout. */
export function permutePositions(x: tf.Tensor, layout: ChannelLayout, perm: tf.Tensor2D): tf.Tensor {
  return fromChannelRows(gatherRows(channelRows(x, layout), perm), layout);
}

/** The inverse of {@link permutePositions}: `out[r, perm[r, j]] = y[r, j]`. */
export function unpermutePositions(y: tf.Tensor, layout: ChannelLayout, perm: tf.Tensor2D): tf.Tensor {
  return fromChannelRows(scatterRows(channelRows(y, layout), perm), layout);
}

/**
 * An ascending order of the permuted rows (`order[r, k]` = the permuted position of rank
 * k) in the input's own positions: `perm[r, order[r, k]]`.
 */
export function unpermuteOrder(order: tf.Tensor2D, perm: tf.Tensor2D): tf.Tensor2D {
  return gatherRows(perm, order);
}
