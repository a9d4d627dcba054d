/**
 * The statistics core shared by every op that needs means and variances (meanStd, adain,
 * and the norms). It works on a 4-D view `[outer, reduceA, keep, reduceB]` (see
 * `layout.ts`) and reduces axes 1 and 3, keeping dims, so results broadcast against the
 * view. These are the composites (tfjs-core ops) behind the fused `moments4` of
 * `kernels/stats4.ts`, which every op calls; they compute values only: callers wrap them
 * in `tf.customGrad`.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { View4 } from './layout';

const REDUCED_AXES = [1, 3];

/** Number of elements each statistic of a view summarises. */
export function reducedSize(view: View4): number {
  return view[1] * view[3];
}

/**
 * Mean of a `[P, A, Q, B]` view over axes 1 and 3: shape `[P, 1, Q, 1]`.
 *
 * One step of iterative refinement, μ = μ̃ + mean(x − μ̃), makes the float32 mean
 * correctly rounded in practice (exactly the value for a constant channel). Without it
 * the residual x − μ̃ of a constant channel near 3e3 is ~2e-4, and every consumer that
 * divides deviations by σ = sqrt(ε) (normalisation, the std gradient) turns that
 * rounding into an O(0.1) error.
 */
export function mean4Composite(x4: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const rough = tf.mean(x4, REDUCED_AXES, true);
    return tf.add(rough, tf.mean(tf.sub(x4, rough), REDUCED_AXES, true));
  });
}

/**
 * Variance of a `[P, A, Q, B]` view about a precomputed `mean` `[P, 1, Q, 1]`, divided by
 * `M − ddof` (M = A·B; ddof 1 is the unbiased estimate, 0 the biased one).
 *
 * Two-pass with Chan–Golub–LeVeque's correction: with d = x − mean,
 * `var = (Σd² − (Σd)²/M) / (M − ddof)`. The second term cancels the first-order error
 * of a mean rounded in float32, so values near 1e4 with a spread of 1e-2 keep their
 * variance, which the one-pass E[x²] − E[x]² loses entirely. The result is clamped at 0
 * because rounding may leave the difference a hair below it for a constant channel.
 */
export function centeredVariance4Composite(x4: tf.Tensor4D, mean: tf.Tensor4D, ddof: number): tf.Tensor4D {
  return tf.tidy(() => {
    const size = reducedSize(x4.shape);
    const centered = tf.sub(x4, mean);
    const sumSquares = tf.sum(tf.square(centered), REDUCED_AXES, true);
    const sumCentered = tf.sum(centered, REDUCED_AXES, true);
    const correction = tf.div(tf.square(sumCentered), size);
    return tf.div(tf.relu(tf.sub(sumSquares, correction)), size - ddof);
  });
}

