import * as tf from '@tensorflow/tfjs-core';

import { formatShape, opError } from '../_internal/errors';
import { layerNormView, trailingFeatureLayout } from '../_internal/kernels/statistics/view';
import { normalize } from '../_internal/normalize';
import { affineTensor, NORM_EPSILON } from '../_internal/normOptions';
import { checkMinRank, checkNonEmpty, checkNumber, checkOptions, describeValue, floatTensor, type TensorInput } from '../_internal/validate';

const OP = 'layerNorm';

/** Options of {@link layerNorm}. */
export interface LayerNormOptions {
  /** Axes normalised together, negative from the end; default `[-1]` (Keras's default). */
  axes?: number[];
  /** Added to the variance inside the square root; > 0. Default 1e-5 (PyTorch; Keras 1e-3). */
  epsilon?: number;
  /** Element-wise scale shaped like the normalised dims (PyTorch's LayerNorm weight). */
  gamma?: TensorInput;
  /** Element-wise shift shaped like the normalised dims. */
  beta?: TensorInput;
}

/**
 * Layer normalization: statistics over the given axes, for every index of the others,
 *
 * `y = (x − μ)·rsqrt(σ² + ε)·γ + β`,
 *
 * biased variance, ε inside the square root; γ and β are element-wise over the
 * normalised dims, as PyTorch's `F.layer_norm(x, x.shape[-k:], weight, bias)` when the
 * axes are the last k. Non-trailing axes are allowed (transposed internally).
 *
 * @param x Tensor of rank ≥ 1, float32 or int32.
 * @param options axes (`[-1]`), epsilon (1e-5), gamma/beta shaped like the normalised dims.
 * @returns The normalised tensor, shaped like x.
 * @throws If x is not a non-empty float32 or int32 tensor of rank ≥ 1.
 * @throws If axes is empty, repeats an axis, or names one outside [−rank, rank).
 * @throws If gamma or beta is not shaped like the normalised dims, or epsilon is not > 0.
 *
 * @example
 * ```ts
 * const tokens = tf.randomNormal([4, 10, 32]);
 * const y = layerNorm(tokens, { gamma: tf.ones([32]), beta: tf.zeros([32]) }); // per token
 * ```
 * @see J. L. Ba, J. R. Kiros, G. E. Hinton, "Layer Normalization", arXiv 2016.
 */
export function layerNorm<T extends tf.Tensor>(x: T | tf.TensorLike, options?: LayerNormOptions): T {
  const given = checkOptions(options, ['axes', 'epsilon', 'gamma', 'beta'], OP);
  const epsilon = checkNumber(given.epsilon ?? NORM_EPSILON, 'epsilon', OP, { min: 0, minExclusive: true });
  return tf.tidy(`featstats.${OP}`, () => {
    const input = floatTensor(x, 'x', OP);
    checkMinRank(input, 1, 'x', OP);
    checkNonEmpty(input, 'x', OP);
    const axes = resolveAxes(given.axes ?? [-1], input.shape);
    const kept = input.shape.map((_, axis) => axis).filter((axis) => !axes.includes(axis));
    const permutation = [...kept, ...axes];
    const trailing = permutation.every((axis, i) => axis === i);
    const normalizedDims = axes.map((axis) => input.shape[axis] as number);
    const outer = kept.reduce((a, axis) => a * (input.shape[axis] as number), 1);
    const size = normalizedDims.reduce((a, b) => a * b, 1);
    return normalize(input, affineTensor(given.gamma, 'gamma', normalizedDims, OP), affineTensor(given.beta, 'beta', normalizedDims, OP), {
      view: layerNormView(outer, size),
      features: trailingFeatureLayout(size),
      epsilon,
      ...(trailing ? {} : { permutation }),
    }).y;
  }) as T;
}

/** Non-negative, sorted, unique axes; throws for any axis outside [−rank, rank). */
function resolveAxes(axes: unknown, shape: number[]): number[] {
  const rank = shape.length;
  const valid =
    Array.isArray(axes) &&
    axes.length > 0 &&
    // Array.from: every() skips the holes of a sparse array, which would pass unchecked.
    Array.from(axes as unknown[]).every((axis) => typeof axis === 'number' && Number.isInteger(axis) && axis >= -rank && axis < rank) &&
    new Set(axes.map((axis: number) => (axis + rank) % rank)).size === axes.length;
  if (!valid) {
    throw opError(OP, `axes must be distinct integers in [${-rank}, ${rank}) but got ${describeValue(axes)} (x ${formatShape(shape)})`);
  }
  return (axes as number[]).map((axis) => (axis + rank) % rank).sort((a, b) => a - b);
}
