import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { formatShape, opError } from '../_internal/errors';
import { columnSums } from '../_internal/kernels/product/contract';
import { flattenSamples, normalizeRows, normalizeRowsGrad } from '../_internal/rowNormalize';
import { checkMinRank, floatTensor, type TensorInput } from '../_internal/validate';

const OP = 'activationSimilarity';

/**
 * Mean cosine similarity between the activations of different samples, the probe of
 * "Beyond BatchNorm": the signed mean of cos(xᵢ, xⱼ) over ordered pairs i ≠ j,
 *
 * `(ΣG − tr G)/(N(N − 1))`, G the Gram matrix of the unit-length flattened samples.
 *
 * Values near 1 mean every sample looks alike to the next layer (the collapse that deep
 * nets without normalisation, or with large-group normalisation, drift towards).
 * Computed in O(N·D) as (‖Σx̂ᵢ‖² − Σ‖x̂ᵢ‖²)/(N(N − 1)), never forming G; the gradient is
 * dx̂ᵢ = 2·(Σⱼx̂ⱼ − x̂ᵢ)·dy/(N(N − 1)), then through the safe normalisation (a zero sample
 * contributes 0 and gets a finite gradient).
 *
 * @param x Activations `[N, ...]`, N ≥ 2, float32 or int32.
 * @returns A scalar in [−1/(N − 1), 1].
 * @throws If x is not a float32 or int32 tensor of rank ≥ 2 with N ≥ 2 and non-empty samples.
 *
 * @example
 * ```ts
 * activationSimilarity(tf.tensor2d([[1, 0], [2, 0], [0, 3]])); // 0.3333333432674408
 * ```
 * @see E. S. Lubana, R. P. Dick, H. Tanaka, "Beyond BatchNorm: Towards a Unified
 *   Understanding of Normalization in Deep Learning", NeurIPS 2021.
 */
export function activationSimilarity(x: TensorInput): tf.Scalar {
  return tf.tidy(`featstats.${OP}`, () => {
    const input = floatTensor(x, 'x', OP);
    checkMinRank(input, 2, 'x', OP, ' ([N, ...])');
    if ((input.shape[0] ?? 0) < 2 || input.size === 0) {
      throw opError(OP, `x must have at least 2 non-empty samples but got shape ${formatShape(input.shape)}`);
    }
    const n = input.shape[0] as number;
    const pairs = n * (n - 1);
    const similarity = customGrad<[tf.Tensor]>(([value], save) => {
      const rows = normalizeRows(flattenSamples(value));
      const total = columnSums(rows.normalized);
      // Σᵢ‖x̂ᵢ‖² from the rows' norms, ‖xᵢ‖²/max(‖xᵢ‖, ε)², not from another pass over x̂.
      const diagonal = tf.sum(tf.mul(rows.squaredNorm, tf.square(rows.inverseNorm)));
      const offDiagonal = tf.sub(tf.sum(tf.square(total)), diagonal);
      // Saved for the backward instead of x, which it would normalise again.
      save([rows.normalized, rows.inverseNorm, rows.squaredNorm]);
      return {
        value: tf.div(offDiagonal, pairs),
        gradFunc: (dy, saved) => {
          const [normalized, inverseNorm, squaredNorm] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
          const dNormalized = tf.mul(tf.sub(columnSums(normalized), normalized), tf.div(tf.mul(dy, 2), pairs)) as tf.Tensor2D;
          return [tf.reshape(normalizeRowsGrad(dNormalized, { normalized, inverseNorm, squaredNorm }), value.shape)];
        },
      };
    });
    return similarity(input) as tf.Scalar;
  });
}
