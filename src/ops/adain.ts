import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { gradientSums, inputGradient, moments, scaleShift } from '../_internal/kernels/statistics/contract';
import { instanceNormView, reducedSize, statisticsShape } from '../_internal/kernels/statistics/view';
import { channelLayout } from '../_internal/layout';
import { checkNumber, checkOptions, checkStylePair, floatTensor, type DataFormat, type TensorInput } from '../_internal/validate';
import { checkChannelInput, resolveMeanStdOptions, type MEAN_STD_EPSILON } from './meanStd';

const OP = 'adain';

/** Options of {@link adain}. */
export interface AdainOptions {
  /** Layout of both inputs: `'NHWC'` (default) or `'NCHW'` for images (rank ≥ 4), `'NWC'` or `'NCW'` for sequences (rank 3). */
  dataFormat?: DataFormat;
  /** Added to each variance inside the square root; ≥ 0. Default {@link MEAN_STD_EPSILON} (1e-5). */
  epsilon?: number;
  /** Unbiased variance (÷(L − 1), default, as the reference code) or biased (÷L). */
  unbiased?: boolean;
  /** Blend between the stylised features (1, default) and the content (0); in [0, 1]. */
  alpha?: number;
}

/**
 * Adaptive instance normalization: gives each content channel the mean and standard
 * deviation of the matching style channel,
 *
 * `t = σ_s·(c − μ_c)/σ_c + μ_s`,  output `α·t + (1 − α)·c`,
 *
 * with μ, σ per (n, c) over spatial positions as {@link meanStd} computes them
 * (σ = sqrt(var + ε), unbiased variance by default).
 *
 * The gradient is closed form and flows to both inputs. With x̂ = (c − μ_c)/σ_c,
 * k = σ_s/σ_c, g = α·dy and k' = L − ddof, the derivative of x̂ through μ_c and σ_c
 * gives `dc = (1 − α)·dy + k·(g − mean(g) − x̂·Σ(g·x̂)/k')`; the style sees
 * `dμ_s = Σg` and `dσ_s = Σ(g·x̂)`, hence
 * `ds = dμ_s/L' + dσ_s·(s − μ_s)/(σ_s·k'_s)` (summed over n when the style batch is 1).
 *
 * @param content Content features `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), float32 or int32.
 * @param style Style features of the same rank and C; batch N or 1 (broadcast); its
 *   spatial size may differ from the content's.
 * @param options See {@link AdainOptions}.
 * @returns The stylised features, shaped like `content`.
 * @throws If an input is not a float32 or int32 tensor of rank ≥ 4 ('NHWC'/'NCHW') or 3 ('NWC'/'NCW') with no empty dimension, or has
 *   fewer than 2 spatial positions while `unbiased` is true.
 * @throws If style's rank or channels differ from content's, or its batch is neither N nor 1.
 * @throws If `alpha` is outside [0, 1] or `epsilon` is negative.
 *
 * @example
 * ```ts
 * const content = tf.randomNormal([2, 16, 16, 8]);
 * const style = tf.randomNormal([1, 12, 12, 8], 3, 2);
 * const out = adain(content, style); // [2, 16, 16, 8], per-channel mean ≈ 3, std ≈ 2
 * ```
 * @see Huang & Belongie, "Arbitrary Style Transfer in Real-time with Adaptive Instance
 *   Normalization", ICCV 2017.
 */
export function adain<T extends tf.Tensor>(content: T | tf.TensorLike, style: TensorInput, options?: AdainOptions): T {
  const given = checkOptions(options, ['dataFormat', 'epsilon', 'unbiased', 'alpha'], OP);
  const resolved = resolveMeanStdOptions(given, OP);
  const alpha = checkNumber(given.alpha ?? 1, 'alpha', OP, { min: 0, max: 1 });
  return tf.tidy(`featstats.${OP}`, () => {
    const c = floatTensor(content, 'content', OP);
    const s = floatTensor(style, 'style', OP);
    checkChannelInput(c, 'content', OP, resolved);
    checkChannelInput(s, 'style', OP, resolved);
    checkStylePair(c, s, OP, resolved.dataFormat);

    const { epsilon, ddof, dataFormat } = resolved;
    const contentLayout = channelLayout(c.shape, dataFormat);
    const styleLayout = channelLayout(s.shape, dataFormat);
    const contentView = instanceNormView(contentLayout);
    const styleView = instanceNormView(styleLayout);
    const contentSize = reducedSize(contentView);
    const styleSize = reducedSize(styleView);
    const statsShape = statisticsShape(contentView);
    // A broadcast style (batch 1) has statistics [1, 1, C, 1]; the kernels take [N, 1, C, 1].
    const broadcast = (t: tf.Tensor) => tf.broadcastTo(t, statsShape);

    // The forward is two moments and one scale-shift, t = (c − μ_c)·k + μ_s with
    // k = σ_s/σ_c (divNoNan: with ε = 0 a constant content channel has σ_c = 0 and
    // c − μ_c = 0, and x̂ = 0 is the limit of x̂ as ε → 0). A partial blend α·t + (1 − α)·c
    // stays two tfjs ops: folded into one scale-shift it would cancel (1 − α)·μ_c against
    // (1 − α)·c and lose a small style next to a large content, and α = 0 would not
    // return c exactly.
    const stylize = customGrad<[tf.Tensor, tf.Tensor]>(([contentInput, styleInput], save) => {
      // The kernels read content and style as their views (attr), so no view tensor is made.
      const { mean: contentMean, variance: contentVariance } = moments(contentInput, { view: contentView, ddof });
      const { mean: styleMean, variance: styleVariance } = moments(styleInput, { view: styleView, ddof });
      const contentStd = tf.sqrt(tf.add(contentVariance, epsilon));
      const styleStd = tf.sqrt(tf.add(styleVariance, epsilon));
      const target = scaleShift(contentInput, {
        view: contentView,
        mean: contentMean,
        scale: tf.divNoNan(broadcast(styleStd), contentStd),
        shift: broadcast(styleMean),
      });
      const blended = alpha === 1 ? target : tf.add(tf.mul(target, alpha), tf.mul(contentInput, 1 - alpha));
      // Save the inputs and the [N, 1, C, 1] statistics, not x̂ (as large as the content).
      save([contentInput, styleInput, contentMean, contentStd, styleMean, styleStd]);
      return {
        value: blended,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [savedContent, savedStyle, savedContentMean, savedContentStd, savedStyleMean, savedStyleStd] = saved as [
            tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor,
          ];
          const inverseContentStd = tf.divNoNan(1, savedContentStd);
          // Σdy and Σdy·x̂; Σg = α·Σdy and Σg·x̂ = α·Σdy·x̂.
          const { sumG: sumDy, sumGNormalized: sumDyNormalized } = gradientSums(savedContent, dy, {
            view: contentView,
            mean: savedContentMean,
            scale: inverseContentStd,
            affineGradients: false,
          });
          const sumG = alpha === 1 ? sumDy : tf.mul(sumDy, alpha);
          const sumGNormalized = alpha === 1 ? sumDyNormalized : tf.mul(sumDyNormalized, alpha);
          // dc = o·(dy − a − x̂·b) with o = α·k + 1 − α, a = α·k·Σdy/(L·o) (the centering),
          // b = α·k·Σdy·x̂/(k'·o) (the projection). divNoNan: o = 0 only when α·k = 0 too
          // (α = 1, σ_s = 0), where dc = 0. With α = 1,
          // o = k and a, b reduce to Σdy/L and Σdy·x̂/k' (where k = 0 the factor o = 0
          // zeroes them anyway): two ops instead of a dozen on [N, 1, C, 1], each a
          // fraction of a millisecond on the tfjs cpu backend. k = σ_s·(1/σ_c) reuses the
          // inverse (0 where σ_c = 0, as divNoNan).
          const ratio = tf.mul(broadcast(savedStyleStd), inverseContentStd);
          const weighted = alpha === 1 ? ratio : tf.mul(ratio, alpha);
          const outScale = alpha === 1 ? ratio : tf.add(weighted, 1 - alpha);
          const dContent = inputGradient(savedContent, dy, {
            view: contentView,
            mean: savedContentMean,
            scale: inverseContentStd,
            centering: alpha === 1 ? tf.div(sumDy, contentSize) : tf.divNoNan(tf.mul(weighted, sumDy), tf.mul(outScale, contentSize)),
            projection: alpha === 1 ? tf.div(sumDyNormalized, contentSize - ddof) : tf.divNoNan(tf.mul(weighted, sumDyNormalized), tf.mul(outScale, contentSize - ddof)),
            outScale,
            // The saved content's last use: on wasm dc may take over the engine's copy.
            overwriteX: true,
          });

          // A broadcast style (batch 1) collects the statistics' gradients of every sample.
          const batchSum = (t: tf.Tensor) => (styleLayout.batch === contentLayout.batch ? t : tf.sum(t, 0, true));
          const dStyle = scaleShift(savedStyle, {
            view: styleView,
            mean: savedStyleMean,
            scale: tf.divNoNan(batchSum(sumGNormalized), tf.mul(savedStyleStd, styleSize - ddof)),
            shift: tf.div(batchSum(sumG), styleSize),
            overwriteX: true,
          });
          return [dContent, dStyle];
        },
      };
    });
    return stylize(c, s);
  }) as T;
}
