import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { gradientSums, recenter, scaleShift } from '../_internal/kernels/statistics/contract';
import { batchNormView, reducedSize } from '../_internal/kernels/statistics/view';
import { channelLayout } from '../_internal/layout';
import { checkBoolean, checkDataFormat, checkFeatures, checkOptions, checkShape, floatTensor, type DataFormat, type TensorInput } from '../_internal/validate';

const OP = 'perturbMeanStd';

/** Options of {@link perturbMeanStd}. */
export interface PerturbMeanStdOptions {
  /** Layout of x: `'NHWC'` (default) or `'NCHW'` for images (rank ≥ 4), `'NWC'` or `'NCW'` for sequences (rank 3). */
  dataFormat?: DataFormat;
  /** Apply max(·, 0) to the output, as the reference does after a ReLU layer. Default false. */
  relu?: boolean;
}

/**
 * Scales each channel's mean and spread: with μ_c the mean over the batch and positions
 * (one statistic for the whole batch, as the AdvBN reference),
 *
 * `y = (x − μ_c)·stdScale_c + μ_c·meanScale_c`   (then max(y, 0) if `relu`),
 *
 * so the channel mean becomes meanScale·μ and its standard deviation stdScale·σ.
 *
 * Gradients (closed form; μ depends on x): with g = dy (masked by y > 0 under relu), M
 * the elements per channel, s = stdScale, m = meanScale:
 * `dx = s·g + (m − s)·Σg/M`, `dmeanScale = μ·Σg`, `dstdScale = Σ g·(x − μ)`.
 *
 * @param x Features `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), float32 or int32.
 * @param meanScale Per-channel mean factor `[C]`.
 * @param stdScale Per-channel spread factor `[C]`.
 * @param options See {@link PerturbMeanStdOptions}.
 * @returns The perturbed features, shaped like x.
 * @throws If x is not a non-empty float32 or int32 tensor of rank ≥ 4 ('NHWC'/'NCHW') or 3 ('NWC'/'NCW'), or a scale is not `[C]`.
 *
 * @example
 * ```ts
 * const x = tf.randomNormal([4, 8, 8, 3], 1, 2);
 * const y = perturbMeanStd(x, tf.tensor1d([1.1, 1, 0.9]), tf.tensor1d([0.8, 1, 1.2]));
 * ```
 * @see M. Shu, Z. Wu, M. Goldblum, T. Goldstein, "Encoding Robustness to Image Style via
 *   Adversarial Feature Perturbations", NeurIPS 2021.
 */
export function perturbMeanStd<T extends tf.Tensor>(x: T | tf.TensorLike, meanScale: TensorInput, stdScale: TensorInput, options?: PerturbMeanStdOptions): T {
  const given = checkOptions(options, ['dataFormat', 'relu'], OP);
  const dataFormat = checkDataFormat(given.dataFormat, OP);
  const relu = checkBoolean(given.relu ?? false, 'relu', OP);
  return tf.tidy(`featstats.${OP}`, () => {
    const input = floatTensor(x, 'x', OP);
    const layout = channelLayout(input.shape, checkFeatures(input, 'x', OP, dataFormat));
    const { channels } = layout;
    // Required, unlike the norms' optional γ and β: undefined is an error, not "none".
    const [m, s] = ([[meanScale, 'meanScale'], [stdScale, 'stdScale']] as const).map(([value, arg]) => {
      const t = floatTensor(value, arg, OP);
      checkShape(t, [channels], arg, OP);
      return t;
    }) as [tf.Tensor, tf.Tensor];
    const view = batchNormView(layout);
    const size = reducedSize(view);
    const scaleShape = [1, 1, channels, 1];

    // Forward: y = x recentred about μ with scale s and shift μ·m. Backward: Σg and
    // Σg·(x − μ) from one gradient-sums pass, then dx = s·g + (m − s)·Σg/M as a
    // scale-shift of g about 0.
    const perturb = customGrad<[tf.Tensor, tf.Tensor, tf.Tensor]>(([value, meanFactor, stdFactor], save) => {
      const [m4, s4] = [tf.reshape(meanFactor, scaleShape), tf.reshape(stdFactor, scaleShape)];
      const { y: recentered, mean } = recenter(value, { view, scale: s4, meanScale: m4 });
      const y = relu ? tf.relu(recentered) : recentered;
      save([value, mean, meanFactor, stdFactor, ...(relu ? [y] : [])]);
      return {
        value: y,
        gradFunc: (dy, saved) => {
          const [savedX, savedMean, savedM, savedS, savedY] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
          const [mFactor, sFactor] = [tf.reshape(savedM, scaleShape), tf.reshape(savedS, scaleShape)];
          const g = savedY === undefined ? dy : tf.mul(dy, tf.cast(tf.greater(savedY, 0), 'float32'));
          const { sumG, sumGNormalized: sumGCentered } = gradientSums(savedX, g, { view, mean: savedMean, affineGradients: false });
          const dx = scaleShift(g, { view, mean: tf.zeros(scaleShape), scale: sFactor, shift: tf.mul(tf.sub(mFactor, sFactor), tf.div(sumG, size)) });
          return [
            dx,
            tf.reshape(tf.mul(savedMean, sumG), [channels]),
            tf.reshape(sumGCentered, [channels]),
          ];
        },
      };
    });
    return perturb(input, m, s);
  }) as T;
}
