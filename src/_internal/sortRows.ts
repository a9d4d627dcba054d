/**
 * Row-wise stable sorting, the core under sort, argsort, efdm and efdmix. All functions
 * take 2-D tensors `[R, n]` and work along the last axis; they compute values only
 * (callers wrap them in `tf.customGrad`).
 *
 * Stability is what makes ranks identical on every backend: ties keep the lower index
 * first in both directions. tfjs has no sort, but `tf.topk` (k = n, sorted) orders
 * descending with ties to the lower index on every backend, which is the stable
 * descending sort. The stable ascending sort is not `topk(−x)` reversed (that would put
 * ties in the wrong order) but `topk` of the reversed row, read back to front: a tie
 * first met at the higher reversed index (= lower original index) ends up first.
 * This avoids negating x, which would map −2³¹ onto itself for int32.
 */
import * as tf from '@tensorflow/tfjs-core';

import { dispatch, type FusedKernel } from './dispatch';

/** Fused implementations arrive per backend with the kernels issue; the composite runs until then. */
const ARGSORT_KERNEL: FusedKernel = { name: 'FeatstatsArgsortRows', backends: {} };

/** Views a tensor of rank ≥ 1 as rows `[R, n]` along its last axis. */
export function lastAxisRows(x: tf.Tensor): tf.Tensor2D {
  const n = x.shape[x.rank - 1] ?? 1;
  return tf.reshape(x, [x.size / n, n]);
}

/** Stable argsort of each row: int32 `[R, n]` indices into the row. */
export function argsortRows(x: tf.Tensor, descending: boolean): tf.Tensor2D {
  return dispatch(ARGSORT_KERNEL, { x }, { descending }, () =>
    tf.tidy((): tf.Tensor2D => {
      const n = x.shape[1] ?? 1;
      if (descending) return tf.topk(x, n, true).indices as tf.Tensor2D;
      const reversedOrder = tf.topk(tf.reverse(x, 1), n, true).indices;
      // Reversed index j is original index n − 1 − j; reading back to front turns the
      // descending order into the ascending one.
      return tf.reverse(tf.sub(tf.scalar(n - 1, 'int32'), reversedOrder), 1) as tf.Tensor2D;
    }),
  );
}

/**
 * Gathers each row of `x` `[R, n]` at that row's `indices` `[R, m]`: `[R, m]`.
 *
 * A flat gather at `r·n + indices[r, j]` rather than `tf.gather(x, indices, 1, 1)`:
 * tfjs-backend-wasm 4.22 ignores `batchDims` and reads every row's indices from row 0.
 */
export function gatherRows(x: tf.Tensor, indices: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows = 1, n = 1] = x.shape;
    const [, m = 1] = indices.shape;
    const flatIndices = tf.add(indices, rowOffsets(rows, n));
    return tf.reshape(tf.gather(tf.reshape(x, [rows * n]), tf.reshape(flatIndices, [rows * m])), [rows, m]);
  });
}

/** `[R, 1]` int32 offsets r·n of each row's start in flat `[R·n]` data. */
export function rowOffsets(rows: number, n: number): tf.Tensor2D {
  return tf.reshape(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(n, 'int32')), [rows, 1]);
}

/**
 * Inverse of each row's permutation: `inverse[r, perm[r, j]] = j`. For an argsort order
 * this is the rank of every element. O(R·n) through one scatter, not a second sort.
 */
export function invertPermutationRows(perm: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows = 1, n = 1] = perm.shape;
    const flatTargets = tf.reshape(tf.add(perm, rowOffsets(rows, n)), [rows * n, 1]);
    const positions = tf.tile(tf.range(0, n, 1, 'int32'), [rows]);
    return tf.reshape(tf.scatterND(flatTargets, positions, [rows * n]), [rows, n]);
  });
}

/** A row-wise sort with what its gradient needs: order (argsort) and rank (its inverse). */
export interface SortedRows {
  /** Sorted values `[R, n]`. */
  readonly values: tf.Tensor2D;
  /** `order[r, k]`: index of the k-th smallest (or largest) element of row r. */
  readonly order: tf.Tensor2D;
  /** `rank[r, i]`: position of element i in the sorted row (the inverse of `order`). */
  readonly rank: tf.Tensor2D;
}

/** Sorts each row of `x` stably, returning values, order and rank. */
export function sortRowsWithRank(x: tf.Tensor, descending = false): SortedRows {
  const order = argsortRows(x, descending);
  return { values: gatherRows(x, order), order, rank: invertPermutationRows(order) };
}
