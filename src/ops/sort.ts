import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { argsortRows, gatherRows, lastAxisRows, scatterRows } from '../_internal/kernels/sort/contract';
import { checkBoolean, checkOptions, sortableTensor } from '../_internal/validate';

const OP = 'sort';

/** Options of {@link sort} and {@link argsort}. */
export interface SortOptions {
  /** Largest first (true) or smallest first (false, default). Either way ties keep their order. */
  descending?: boolean;
}

/**
 * Sorts `x` along its last axis, stably: equal values keep their original order, so the
 * result (and every gradient routed through it) is identical on every backend.
 *
 * Differentiable: sorting is a permutation y = x[order], so its gradient routes dy back
 * through the inverse permutation, `dx[order[k]] = dy[k]`, in O(n) per row. (tfjs's
 * `topk` has no gradient, and gather's built-in one is O(n·rows) on cpu and webgl.)
 *
 * NaN compares unordered, so rows containing NaN have no defined order. On webgl, tfjs
 * stores int32 in float32 textures, so int32 values beyond ±2²⁴ are rounded before sorting.
 *
 * @param x Tensor of rank ≥ 1, float32 or int32 (int32 is not differentiable).
 * @param options See {@link SortOptions}.
 * @returns The sorted values, shaped like `x`.
 * @throws If x is not a float32 or int32 tensor of rank ≥ 1 with no empty dimension.
 *
 * @example
 * ```ts
 * sort(tf.tensor1d([3, 1, 2])); // [1, 2, 3]
 * sort(tf.tensor2d([[1, 5], [4, 2]]), { descending: true }); // [[5, 1], [4, 2]]
 * ```
 */
export function sort<T extends tf.Tensor>(x: T | tf.TensorLike, options?: SortOptions): T {
  const descending = checkBoolean(checkOptions(options, ['descending'], OP).descending ?? false, 'descending', OP);
  return tf.tidy(`featstats.${OP}`, () => {
    const input = sortableTensor(x, 'x', OP);
    const rows = lastAxisRows(input);
    if (input.dtype === 'int32') return tf.reshape(gatherRows(rows, argsortRows(rows, descending)), input.shape);
    const sortValues = customGrad<[tf.Tensor]>(([value], save) => {
      const order = argsortRows(lastAxisRows(value), descending);
      save([order]);
      return {
        value: tf.reshape(gatherRows(lastAxisRows(value), order), value.shape),
        // y[k] = x[order[k]] ⇒ dx[order[k]] = dy[k]: a scatter of a permutation, so
        // every dx is one dy (no sums), equal to gathering dy at rank = order⁻¹.
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
          tf.reshape(scatterRows(lastAxisRows(dy), saved[0] as tf.Tensor2D), value.shape),
        ],
      };
    });
    return sortValues(input);
  }) as T;
}
