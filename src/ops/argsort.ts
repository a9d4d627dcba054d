import * as tf from '@tensorflow/tfjs-core';

import { argsortRows, lastAxisRows } from '../_internal/kernels/sort/contract';
import { checkBoolean, checkOptions, sortableTensor } from '../_internal/validate';
import type { SortOptions } from './sort';

const OP = 'argsort';

/**
 * Indices that sort `x` along its last axis, stably: among equal values the lower index
 * comes first (in both directions), so every backend returns the same indices.
 * `gather(x, argsort(x), -1, rank − 1)` equals {@link sort}(x).
 *
 * @param x Tensor of rank ≥ 1, float32 or int32.
 * @param options See {@link SortOptions}.
 * @returns int32 indices into the last axis, shaped like `x`. Not differentiable (integer).
 * @throws If x is not a float32 or int32 tensor of rank ≥ 1 with no empty dimension.
 *
 * @example
 * ```ts
 * argsort(tf.tensor1d([2, 1, 2, 0])); // [3, 1, 0, 2]
 * argsort(tf.tensor1d([2, 1, 2, 0]), { descending: true }); // [0, 2, 1, 3]
 * ```
 */
export function argsort<T extends tf.Tensor>(x: T | tf.TensorLike, options?: SortOptions): T {
  const descending = checkBoolean(checkOptions(options, ['descending'], OP).descending ?? false, 'descending', OP);
  return tf.tidy(`featstats.${OP}`, () => {
    const input = sortableTensor(x, 'x', OP);
    return tf.reshape(argsortRows(lastAxisRows(input), descending), input.shape);
  }) as T;
}
