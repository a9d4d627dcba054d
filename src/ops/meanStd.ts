import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { opError, formatShape } from '../_internal/errors';
import { moments, scaleShift } from '../_internal/kernels/statistics/contract';
import { instanceNormView, reducedSize, statisticsShape } from '../_internal/kernels/statistics/view';
import { channelLayout } from '../_internal/layout';
import {
  checkBoolean,
  checkDataFormat,
  checkFeatures,
  checkNumber,
  checkOptions,
  floatTensor,
  type DataFormat,
  type TensorInput,
} from '../_internal/validate';

const OP = 'meanStd';

/** Default `epsilon` of {@link meanStd}, {@link adain}: 1e-5, as the public AdaIN/EFDM code's `calc_mean_std`. */
export const MEAN_STD_EPSILON = 1e-5;

/** Options of {@link meanStd}. */
export interface MeanStdOptions {
  /** Layout of x: `'NHWC'` (`[N, ...S, C]`, default) or `'NCHW'` (`[N, C, ...S]`). */
  dataFormat?: DataFormat;
  /** Added to the variance inside the square root; ≥ 0. Default {@link MEAN_STD_EPSILON}. */
  epsilon?: number;
  /**
   * Divide the squared deviations by L − 1 (true, default: PyTorch's `Tensor.var()` and
   * the AdaIN/EFDM reference code) or by L (false: `tf.moments`, the biased variance).
   */
  unbiased?: boolean;
}

/** Per-(n, c) statistics returned by {@link meanStd}, shaped to broadcast against x. */
export type MeanStd = {
  /** `[N, 1, …, 1, C]` (NHWC) or `[N, C, 1, …, 1]` (NCHW). */
  mean: tf.Tensor;
  /** Same shape as `mean`. */
  std: tf.Tensor;
};

/** Resolved, validated options shared with adain. */
export interface ResolvedMeanStdOptions {
  readonly dataFormat: DataFormat;
  readonly epsilon: number;
  /** 1 for the unbiased variance, 0 for the biased one. */
  readonly ddof: number;
}

/** Validates the options common to meanStd and adain. */
export function resolveMeanStdOptions(
  options: { dataFormat?: DataFormat; epsilon?: number; unbiased?: boolean },
  op: string,
): ResolvedMeanStdOptions {
  return {
    dataFormat: checkDataFormat(options.dataFormat, op),
    epsilon: checkNumber(options.epsilon ?? MEAN_STD_EPSILON, 'epsilon', op, { min: 0 }),
    ddof: checkBoolean(options.unbiased ?? true, 'unbiased', op) ? 1 : 0,
  };
}

/** Throws unless x has the rank, size and spatial extent that per-(n, c) statistics need. */
export function checkChannelInput(x: tf.Tensor, arg: string, op: string, resolved: ResolvedMeanStdOptions): void {
  if (resolved.ddof === 1 && channelLayout(x.shape, checkFeatures(x, arg, op, resolved.dataFormat)).positions < 2) {
    throw opError(
      op,
      `${arg} must have at least 2 spatial positions for the unbiased variance (or pass unbiased: false) but got shape ${formatShape(x.shape)}`,
    );
  }
}

/**
 * Per-sample, per-channel mean and standard deviation over the spatial positions:
 *
 * `μ[n,c] = (1/L)·Σᵢ x[n,i,c]`, `σ[n,c] = sqrt(Σᵢ (x[n,i,c] − μ[n,c])² / (L − 1) + ε)`
 *
 * (divide by L with `unbiased: false`). Epsilon sits inside the square root, so σ > 0
 * and the statistics stay differentiable for a constant channel. The variance is
 * accurate for values far from zero (float64 shifted sums in the fused kernels, two-pass
 * with a correction term in the composite).
 *
 * Both outputs carry closed-form gradients: ∂μ/∂xᵢ = 1/L and
 * ∂σ/∂xᵢ = (xᵢ − μ)/((L − ddof)·σ).
 *
 * @param x Features `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), rank ≥ 4, or 3 (`[N, L, C]`/`[N, C, L]`) for 'NWC'/'NCW', float32 or int32.
 * @param options See {@link MeanStdOptions}.
 * @returns `{ mean, std }`, each `[N, 1, …, 1, C]` (NHWC) or `[N, C, 1, …, 1]` (NCHW).
 * @throws If x is not a float32 or int32 tensor of rank ≥ 4 ('NHWC'/'NCHW') or 3 ('NWC'/'NCW') with no empty dimension.
 * @throws If `unbiased` is true and x has fewer than 2 spatial positions.
 * @throws If `epsilon` is negative or not finite, or `dataFormat` is not NHWC/NCHW.
 *
 * @example
 * ```ts
 * const x = tf.randomNormal([2, 8, 8, 3]);
 * const { mean, std } = meanStd(x); // mean, std: [2, 1, 1, 3]
 * ```
 * @see Huang & Belongie, "Arbitrary Style Transfer in Real-time with Adaptive Instance
 *   Normalization", ICCV 2017 (the `calc_mean_std` convention).
 */
export function meanStd(x: TensorInput, options?: MeanStdOptions): MeanStd {
  const resolved = resolveMeanStdOptions(checkOptions(options, ['dataFormat', 'epsilon', 'unbiased'], OP), OP);
  return tf.tidy(`featstats.${OP}`, () => {
    const input = floatTensor(x, 'x', OP);
    checkChannelInput(input, 'x', OP, resolved);
    return channelMeanStd(input, resolved);
  });
}

/**
 * meanStd on a validated input. One customGrad computes both statistics, stacked as
 * `[2·N, 1, C, 1]` (μ then σ), so the forward is one moments pass and the backward one
 * scale-shift pass whatever outputs the loss uses; two small customGrads pick μ and σ out
 * of the stack (their gradients place dμ, dσ back into it).
 */
export function channelMeanStd(x: tf.Tensor, { dataFormat, epsilon, ddof }: ResolvedMeanStdOptions): MeanStd {
  const layout = channelLayout(x.shape, dataFormat);
  const view = instanceNormView(layout);
  const size = reducedSize(view);
  const statsView = statisticsShape(view);

  // μ = Σx/L and σ = sqrt(v + ε), v = Σ(x − μ)²/(L − ddof). ∂μ/∂xᵢ = 1/L and
  // ∂v/∂xᵢ = 2(xᵢ − μ)/(L − ddof) (the term through μ vanishes because Σ(x − μ) = 0), so
  // dx = dσ·(x − μ)/((L − ddof)·σ) + dμ/L: one scale-shift of x about μ with scale
  // dσ/((L − ddof)·σ) and shift dμ/L. divNoNan keeps a zero σ (ε = 0, constant channel)
  // from turning 0/0 into NaN.
  const stacked = customGrad<[tf.Tensor]>(([input], save) => {
    const statistics = moments(input, { view, ddof });
    const std = tf.sqrt(tf.add(statistics.variance, epsilon));
    save([input, statistics.mean, std]);
    return {
      value: tf.concat([statistics.mean, std], 0),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedX, savedMean, savedStd] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const [dMean, dStd] = tf.split(dy, 2, 0) as [tf.Tensor, tf.Tensor];
        const scale = tf.divNoNan(dStd, tf.mul(savedStd, size - ddof));
        return [scaleShift(savedX, { view, mean: savedMean, scale, shift: tf.div(dMean, size) })];
      },
    };
  })(x);

  /** Statistic `index` (0: μ, 1: σ) of the stack, shaped to broadcast against x. */
  const pick = (index: number) =>
    customGrad<[tf.Tensor]>(([both]) => ({
      value: tf.reshape(tf.slice(both, [index * view.outer, 0, 0, 0], statsView), layout.statsShape),
      gradFunc: (dy: tf.Tensor) => {
        const grad = tf.reshape(dy, statsView);
        const zeros = tf.zerosLike(grad);
        return [tf.concat(index === 0 ? [grad, zeros] : [zeros, grad], 0)];
      },
    }))(stacked);
  const mean = pick(0);
  const std = pick(1);

  return { mean, std };
}
