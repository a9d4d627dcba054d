import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { multiplyMatrices } from '../_internal/kernels/product/contract';
import { flattenSamples, normalizeRows, normalizeRowsGrad } from '../_internal/rowNormalize';
import { checkMinRank, checkNonEmpty, floatTensor, type TensorInput } from '../_internal/validate';

const OP = 'cosineSimilarityMatrix';

/**
 * Cosine similarity of every pair of samples: with x̂ₙ the flattened sample n scaled to
 * unit length (safely: x·rsqrt(max(‖x‖², ε²)), ε = 1e-12), `G = X̂·X̂ᵀ`. A zero sample
 * has similarity 0 with everything, itself included, and a finite gradient.
 *
 * Gradient: dX̂ = (dG + dGᵀ)·X̂, then through the normalisation
 * (dx = (dx̂ − x̂⟨dx̂, x̂⟩)/‖x‖).
 *
 * @param x Activations `[N, ...]`, rank ≥ 2, float32 or int32.
 * @returns `[N, N]`, symmetric, entries in [−1, 1], diagonal 1 (0 for zero samples).
 * @throws If x is not a non-empty float32 or int32 tensor of rank ≥ 2.
 *
 * @example
 * ```ts
 * cosineSimilarityMatrix(tf.tensor2d([[1, 0], [0, 2], [3, 0]])); // [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
 * ```
 * @see E. S. Lubana, R. P. Dick, H. Tanaka, "Beyond BatchNorm: Towards a Unified
 *   Understanding of Normalization in Deep Learning", NeurIPS 2021.
 */
export function cosineSimilarityMatrix(x: TensorInput): tf.Tensor2D {
  return tf.tidy(`featstats.${OP}`, () => {
    const input = floatTensor(x, 'x', OP);
    checkMinRank(input, 2, 'x', OP, ' ([N, ...])');
    checkNonEmpty(input, 'x', OP);
    const gram = customGrad<[tf.Tensor]>(([value], save) => {
      const rows = normalizeRows(flattenSamples(value));
      save([value]);
      return {
        value: multiplyMatrices(rows.normalized, rows.normalized, { transposeB: true }),
        gradFunc: (dy, [savedX]) => {
          const recomputed = normalizeRows(flattenSamples(savedX as tf.Tensor));
          const dNormalized = multiplyMatrices(tf.add(dy, tf.transpose(dy)) as tf.Tensor2D, recomputed.normalized);
          return [tf.reshape(normalizeRowsGrad(dNormalized, recomputed), (savedX as tf.Tensor).shape)];
        },
      };
    });
    return gram(input) as tf.Tensor2D;
  });
}
