/**
 * Row-wise stable sorting, the core under sort, argsort, efdm and efdmix. All functions
 * take 2-D tensors `[R, n]` and work along the last axis; they compute values only
 * (callers wrap them in `tf.customGrad`). The building blocks (argsort, row gather,
 * permutation inverse) are fused kernels with composites, in `kernels/rows.ts`; the ops
 * also use `kernels/layoutRows.ts` (scatter by an order, i.e. gather by its inverse in
 * one pass; the NHWC ↔ channel-rows transpose; per-row blends), which on the tfjs cpu
 * backend cost as much as the sort when left to tfjs's transpose and broadcast ops.
 *
 * Stability is what makes ranks identical on every backend: ties keep the lower index
 * first in both directions.
 */
import * as tf from '@tensorflow/tfjs-core';

import { argsortRows, gatherRows, rankRows } from './kernels/rows';

export { argsortRows, gatherRows, invertPermutationRows, rankRows, rowOffsets } from './kernels/rows';

/** Views a tensor of rank ≥ 1 as rows `[R, n]` along its last axis. */
export function lastAxisRows(x: tf.Tensor): tf.Tensor2D {
  const n = x.shape[x.rank - 1] ?? 1;
  return tf.reshape(x, [x.size / n, n]);
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
  return { values: gatherRows(x, order), order, rank: rankRows(x, order, descending) };
}
