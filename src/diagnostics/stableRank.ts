import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { multiplyMatrices } from '../_internal/kernels/product/contract';
import { seededUniform } from '../_internal/random';
import { flattenSamples, normalizeRows, normalizeRowsGrad } from '../_internal/rowNormalize';
import { checkMinRank, checkNonEmpty, floatTensor, type TensorInput } from '../_internal/validate';

const OP = 'stableRank';

/** Squarings of the normalised Gram matrix: the power method's 2¹²-th power, no readback. */
const SQUARINGS = 12;

/**
 * Stable rank of the activations, `tr(G)/λ_max(G)` with G the Gram matrix of the
 * unit-length flattened samples (so tr G = N, less any zero sample): N when the samples
 * are orthogonal, 1 when they all point the same way — the rank-collapse probe of
 * "Beyond BatchNorm".
 *
 * λ_max comes from the power method run on the device without a single readback: G is
 * scaled to unit trace and squared 12 times (the 4096-th power, renormalised after each
 * squaring), applied to a fixed pseudo-random vector, polished by two plain power steps,
 * and read off by the Rayleigh quotient. Tolerance: the relative error of λ_max is at
 * float32 level when λ₂/λ₁ ≤ 0.998, and never more than (λ₁ − λ₂)/λ₁ (the quotient lies
 * between the top eigenvalues when they are nearly equal).
 *
 * Everything is computed on G scaled to unit trace, G' = G/tr(G), whose top eigenvalue is
 * λ' = λ/tr(G): the result is 1/λ', and no step depends on the samples' scale (samples
 * shorter than the normalisation's ε = 1e-12 are scaled, not normalised, so G can be
 * tiny; on G itself the power steps' floor on a vector's norm once gave 9999.999 for a
 * single sample of 1e-20).
 *
 * Gradient (λ_max simple, unit eigenvector v): with s = tr(G)/λ the result,
 * dG = dy·(I/λ − tr(G)·vvᵀ/λ²) = dy·(s/tr(G))·(I − s·vvᵀ), then dX̂ = 2·dG·X̂ and
 * through the safe normalisation. All-zero activations give 0.
 *
 * @param x Activations `[N, ...]`, rank ≥ 2, float32 or int32.
 * @returns A scalar in [1, N] (0 for all-zero activations).
 * @throws If x is not a non-empty float32 or int32 tensor of rank ≥ 2.
 *
 * @example
 * ```ts
 * stableRank(tf.tensor2d([[1, 0], [0, 1]])); // ≈ 2 (orthogonal samples)
 * stableRank(tf.tensor2d([[1, 1], [2, 2]])); // ≈ 1 (parallel samples)
 * ```
 * @see E. S. Lubana, R. P. Dick, H. Tanaka, "Beyond BatchNorm", NeurIPS 2021.
 */
export function stableRank(x: TensorInput): tf.Scalar {
  return tf.tidy(`featstats.${OP}`, () => {
    const input = floatTensor(x, 'x', OP);
    checkMinRank(input, 2, 'x', OP, ' ([N, ...])');
    checkNonEmpty(input, 'x', OP);
    const n = input.shape[0] as number;
    const rank = customGrad<[tf.Tensor]>(([value], save) => {
      const { normalized } = normalizeRows(flattenSamples(value));
      const gram = multiplyMatrices(normalized, normalized, { transposeB: true });
      const trace = tf.sum(tf.mul(gram, tf.eye(n)));
      const unitTraceGram = tf.divNoNan(gram, trace) as tf.Tensor2D;
      const { eigenvalue, eigenvector } = topEigenpair(unitTraceGram, n);
      const result = tf.divNoNan(tf.onesLike(eigenvalue), eigenvalue);
      save([value, eigenvector, result, trace]);
      return {
        value: result,
        gradFunc: (dy, saved) => {
          const [savedX, v, savedResult, savedTrace] = saved as [tf.Tensor, tf.Tensor2D, tf.Tensor, tf.Tensor];
          const rows = normalizeRows(flattenSamples(savedX));
          const bracket = tf.sub(tf.eye(n), tf.mul(multiplyMatrices(v, v, { transposeB: true }), savedResult));
          const dGram = tf.mul(tf.mul(dy, tf.divNoNan(savedResult, savedTrace)), bracket);
          const dNormalized = tf.mul(multiplyMatrices(dGram as tf.Tensor2D, rows.normalized), 2) as tf.Tensor2D;
          return [tf.reshape(normalizeRowsGrad(dNormalized, rows), savedX.shape)];
        },
      };
    });
    return rank(input) as tf.Scalar;
  });
}

/**
 * λ_max and a unit eigenvector `[N, 1]` of a symmetric PSD matrix of unit trace (or
 * zero), by repeated squaring: λ_max is in [1/N, 1], so the vectors' norms stay far above
 * the floor that guards the all-zero matrix.
 */
function topEigenpair(gram: tf.Tensor2D, n: number): { eigenvalue: tf.Scalar; eigenvector: tf.Tensor2D } {
  const unitTrace = (m: tf.Tensor2D) => tf.divNoNan(m, tf.sum(tf.mul(m, tf.eye(n)))) as tf.Tensor2D;
  let power = gram;
  for (let i = 0; i < SQUARINGS; i++) power = unitTrace(multiplyMatrices(power, power));
  const uniform = seededUniform(0x5eed);
  const start = tf.tensor2d(Float32Array.from({ length: n }, () => uniform() + 0.5), [n, 1]);
  const unit = (v: tf.Tensor2D) => tf.mul(v, tf.rsqrt(tf.maximum(tf.sum(tf.square(v)), 1e-30))) as tf.Tensor2D;
  let vector = unit(multiplyMatrices(power, start));
  for (let i = 0; i < 2; i++) vector = unit(multiplyMatrices(gram, vector));
  return { eigenvalue: tf.sum(tf.mul(vector, multiplyMatrices(gram, vector))), eigenvector: vector };
}
