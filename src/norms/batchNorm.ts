import * as tf from '@tensorflow/tfjs-core';

import { formatShape, opError } from '../_internal/errors';
import { batchNormView, channelFeatureLayout } from '../_internal/kernels/statistics/view';
import { channelLayout } from '../_internal/layout';
import { normalize, type NormStatistics } from '../_internal/normalize';
import { affineTensor, NORM_OPTION_KEYS, resolveNormScalars, type NormOptions } from '../_internal/normOptions';
import { checkBoolean, checkFeatures, checkNumber, checkOptions, floatTensor } from '../_internal/validate';

const OP = 'batchNorm';

/** Default momentum of the moving statistics: 0.1, PyTorch's (Keras's 0.99 is 1 − 0.01 in this convention). */
export const BATCH_NORM_MOMENTUM = 0.1;

/** Options of {@link batchNorm}. */
export interface BatchNormOptions extends NormOptions {
  /**
   * Normalise with the batch statistics (true) or the moving ones (false). Default: true
   * when no moving statistics are given, false when they are — passing moving statistics
   * without saying `training` is taken as inference, the common case.
   */
  training?: boolean;
  /** Moving mean `[C]`; a `tf.Variable` is updated in place while training. */
  movingMean?: tf.Tensor;
  /** Moving (unbiased) variance `[C]`; a `tf.Variable` is updated in place while training. */
  movingVariance?: tf.Tensor;
  /** Weight of the batch in the moving-average update, in [0, 1]. Default {@link BATCH_NORM_MOMENTUM}. */
  momentum?: number;
}

/**
 * Batch normalization: each channel normalised over the batch and spatial positions,
 *
 * `y = (x − μ[c])·rsqrt(σ²[c] + ε)·γ[c] + β[c]`,
 *
 * biased variance in the normalisation, ε inside the square root, as PyTorch's
 * `F.batch_norm`. While training with `tf.Variable` moving statistics they are updated in
 * place, outside the gradient tape, by PyTorch's rule `new = (1 − m)·old + m·batch`, the
 * moving variance taking the **unbiased** batch variance. In inference the moving
 * statistics are constants and the gradient is `dx = γ·dy·rsqrt(σ² + ε)`.
 * Unlike `tf.batchNorm`, it is right for any rank and layout on every backend.
 *
 * @param x Features `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), rank 2 (`[N, C]`) or ≥ 4, or 3 for 'NWC'/'NCW' (`[N, C]`:
 *   dense features, as PyTorch's `BatchNorm1d`), float32 or int32.
 * @param options See {@link BatchNormOptions}.
 * @returns The normalised features, shaped like x.
 * @throws If x is not a non-empty float32 or int32 tensor of rank 2 or ≥ 4 ('NHWC'/'NCHW') or 3 ('NWC'/'NCW').
 * @throws If training is false and a moving statistic is missing, or only one is given.
 * @throws If training with one value per channel (N·L = 1), or with moving statistics
 *   that are not two distinct `tf.Variable`s (they could not be updated).
 * @throws Before any update: a call that throws leaves the moving statistics untouched.
 * @throws If a moving statistic, gamma or beta is not shaped `[C]`; momentum is outside
 *   [0, 1]; epsilon is not > 0.
 *
 * @example
 * ```ts
 * const movingMean = tf.variable(tf.zeros([8]), false);
 * const movingVariance = tf.variable(tf.ones([8]), false);
 * const x = tf.randomNormal([16, 4, 4, 8], 2, 3);
 * const y = batchNorm(x, { training: true, movingMean, movingVariance }); // updates both
 * const z = batchNorm(x, { movingMean, movingVariance }); // inference
 * ```
 * @see S. Ioffe, C. Szegedy, "Batch Normalization: Accelerating Deep Network Training by
 *   Reducing Internal Covariate Shift", ICML 2015.
 */
export function batchNorm<T extends tf.Tensor>(x: T | tf.TensorLike, options?: BatchNormOptions): T {
  const given = checkOptions(options, [...NORM_OPTION_KEYS, 'training', 'movingMean', 'movingVariance', 'momentum'], OP);
  const { epsilon, dataFormat } = resolveNormScalars(given, OP);
  const momentum = checkNumber(given.momentum ?? BATCH_NORM_MOMENTUM, 'momentum', OP, { min: 0, max: 1 });
  const { movingMean, movingVariance } = given;
  if ((movingMean === undefined) !== (movingVariance === undefined)) {
    throw opError(OP, `movingMean and movingVariance must be given together but got only ${movingMean === undefined ? 'movingVariance' : 'movingMean'}`);
  }
  const training = checkBoolean(given.training ?? movingMean === undefined, 'training', OP);
  if (training && movingMean !== undefined && movingMean === movingVariance) {
    throw opError(OP, 'movingVariance must be a different tf.Variable from movingMean (both are updated) but got the same one');
  }
  if (!training && movingMean === undefined) {
    throw opError(OP, 'movingMean and movingVariance must be given when training is false but got neither');
  }
  return tf.tidy(`featstats.${OP}`, () => {
    const input = floatTensor(x, 'x', OP);
    const layout = channelLayout(input.shape, checkFeatures(input, 'x', OP, dataFormat, { dense: true }));
    const { batch, positions, channels } = layout;
    const moving = movingMean === undefined || movingVariance === undefined ? undefined : {
      mean: movingStatistic(movingMean, 'movingMean', channels, training),
      variance: movingStatistic(movingVariance, 'movingVariance', channels, training),
    };
    const count = batch * positions;
    if (training && count < 2) {
      throw opError(OP, `x must have more than one value per channel when training but got shape ${formatShape(input.shape)}`);
    }
    // One pure normalisation: in inference the moving statistics are injected as
    // constants; in training the batch's are computed (with their gradient) and handed
    // back, and the moving statistics are updated here, outside the gradient.
    const { y, batchStatistics } = normalize(input, affineTensor(given.gamma, 'gamma', [channels], OP), affineTensor(given.beta, 'beta', [channels], OP), {
      view: batchNormView(layout),
      features: channelFeatureLayout(layout),
      epsilon,
      ...(training ? { returnBatchStatistics: moving !== undefined } : { statistics: moving as NormStatistics }),
    });
    if (moving !== undefined && batchStatistics !== undefined) {
      updateMovingStatistics({ mean: movingMean as tf.Variable, variance: movingVariance as tf.Variable }, batchStatistics, { momentum, count });
    }
    return y;
  }) as T;
}

/**
 * PyTorch's rule, `new = (1 − m)·old + m·batch`, the moving variance taking the unbiased
 * batch variance (count/(count − 1) times the biased one `normalize` returns).
 */
function updateMovingStatistics(
  moving: { readonly mean: tf.Variable; readonly variance: tf.Variable },
  batchStatistics: NormStatistics,
  { momentum, count }: { readonly momentum: number; readonly count: number },
): void {
  const channels = moving.mean.size;
  const blend = (old: tf.Tensor, batchValue: tf.Tensor) => tf.add(tf.mul(old, 1 - momentum), tf.mul(tf.reshape(batchValue, [channels]), momentum));
  moving.mean.assign(blend(moving.mean, batchStatistics.mean));
  moving.variance.assign(blend(moving.variance, tf.mul(batchStatistics.variance, count / (count - 1))));
}

/** Checks a moving statistic: a float32 `[C]` tensor, and a Variable if it is to be updated. */
function movingStatistic(value: tf.Tensor, arg: string, channels: number, training: boolean): tf.Tensor {
  const t = affineTensor(value, arg, [channels], OP) as tf.Tensor;
  if (training && !(value instanceof tf.Variable)) {
    throw opError(OP, `${arg} must be a tf.Variable to be updated while training but got a constant tensor`);
  }
  return t;
}
