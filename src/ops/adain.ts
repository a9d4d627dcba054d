import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { channelLayout } from '../_internal/layout';
import { centeredVariance4, mean4, reducedSize, sum4 } from '../_internal/moments';
import { checkNumber, checkOptions, checkStylePair, floatTensor, type DataFormat, type TensorInput } from '../_internal/validate';
import { checkChannelInput, resolveMeanStdOptions, type MEAN_STD_EPSILON } from './meanStd';

const OP = 'adain';

/** Options of {@link adain}. */
export interface AdainOptions {
  /** Layout of both inputs: `'NHWC'` (default) or `'NCHW'`. */
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
 * g = α·dy and k = L − ddof, the derivative of x̂ through μ_c and σ_c gives
 * `dc = (1 − α)·dy + (σ_s/σ_c)·(g − mean(g) − x̂·Σ(g·x̂)/k)`;
 * the style sees `dμ_s = Σg` and `dσ_s = Σ(g·x̂)`, hence
 * `ds = dμ_s/L' + dσ_s·(s − μ_s)/(σ_s·k')` (summed over n when the style batch is 1).
 *
 * @param content Content features `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), float32.
 * @param style Style features of the same rank and C; batch N or 1 (broadcast); its
 *   spatial size may differ from the content's.
 * @param options See {@link AdainOptions}.
 * @returns The stylised features, shaped like `content`.
 * @throws If an input is not a float32 tensor of rank ≥ 3 with no empty dimension, or has
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
export function adain(content: TensorInput, style: TensorInput, options?: AdainOptions): tf.Tensor {
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
    const contentSize = reducedSize(contentLayout.view);
    const styleSize = reducedSize(styleLayout.view);

    /** x̂, σ_c, μ_s, σ_s of a content view and a style view. */
    const statistics = (c4: tf.Tensor4D, s4: tf.Tensor4D) => {
      const contentMean = mean4(c4);
      const contentStd = tf.sqrt(tf.add(centeredVariance4(c4, contentMean, ddof), epsilon));
      const styleMean = mean4(s4);
      const styleStd = tf.sqrt(tf.add(centeredVariance4(s4, styleMean, ddof), epsilon));
      // divNoNan: with ε = 0 a constant channel has σ = 0; x̂ = 0 there is the limit of x̂ as ε → 0.
      const normalized = tf.divNoNan(tf.sub(c4, contentMean), contentStd);
      return { normalized, contentStd, styleMean, styleStd };
    };

    const stylize = customGrad<[tf.Tensor, tf.Tensor]>(([contentInput, styleInput], save) => {
      const c4 = tf.reshape(contentInput, contentLayout.view) as tf.Tensor4D;
      const s4 = tf.reshape(styleInput, styleLayout.view) as tf.Tensor4D;
      const { normalized, styleMean, styleStd } = statistics(c4, s4);
      const target = tf.add(tf.mul(normalized, styleStd), styleMean);
      const blended = alpha === 1 ? target : tf.add(tf.mul(target, alpha), tf.mul(c4, 1 - alpha));
      // Save the inputs, not x̂ (as large as the content): the backward recomputes it.
      save([contentInput, styleInput]);
      return {
        value: tf.reshape(blended, c.shape),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [savedContent, savedStyle] = saved as [tf.Tensor, tf.Tensor];
          const cs = tf.reshape(savedContent, contentLayout.view) as tf.Tensor4D;
          const ss = tf.reshape(savedStyle, styleLayout.view) as tf.Tensor4D;
          const stats = statistics(cs, ss);
          const dy4 = tf.reshape(dy, contentLayout.view);
          const g = alpha === 1 ? dy4 : tf.mul(dy4, alpha);
          const sumG = sum4(g);
          const sumGNormalized = sum4(tf.mul(g, stats.normalized));
          const inner = tf.sub(
            tf.sub(g, tf.div(sumG, contentSize)),
            tf.mul(stats.normalized, tf.div(sumGNormalized, contentSize - ddof)),
          );
          let dContent = tf.mul(inner, tf.divNoNan(stats.styleStd, stats.contentStd));
          if (alpha !== 1) dContent = tf.add(dContent, tf.mul(dy4, 1 - alpha));

          // A broadcast style (batch 1) collects the statistics' gradients of every sample.
          const batchSum = (t: tf.Tensor) => (styleLayout.batch === contentLayout.batch ? t : tf.sum(t, 0, true));
          const dStyleMean = batchSum(sumG);
          const dStyleStd = batchSum(sumGNormalized);
          const dStyle = tf.add(
            tf.div(dStyleMean, styleSize),
            tf.mul(tf.sub(ss, stats.styleMean), tf.divNoNan(dStyleStd, tf.mul(stats.styleStd, styleSize - ddof))),
          );
          return [tf.reshape(dContent, savedContent.shape), tf.reshape(dStyle, savedStyle.shape)];
        },
      };
    });
    return stylize(c, s);
  });
}
