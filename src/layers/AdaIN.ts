import * as tf from '@tensorflow/tfjs-core';

import { checkFlag, checkLayerArgs, checkRange } from '../_internal/layers/kerasConfig';
import { StyleLayer, type StyleLayerArgs } from '../_internal/layers/styleLayer';
import { dataFormatForRank } from '../_internal/layout';
import { MEAN_STD_EPSILON } from '../ops/meanStd';
import { adain } from '../ops/adain';

/** Constructor arguments (and config keys) of {@link AdaIN}. */
export interface AdaINArgs extends StyleLayerArgs {
  /** Added to each variance inside the square root; ≥ 0. Default 1e-5 (the reference code's). */
  epsilon?: number;
  /** Unbiased variance (default, as the reference code) or biased. */
  unbiased?: boolean;
}

/**
 * The `adain` op as a layer of two inputs `[content, style]`: each content channel
 * gets the mean and standard deviation of the matching style channel,
 * `α·(σ_s·(c − μ_c)/σ_c + μ_s) + (1 − α)·c`, statistics per (sample, channel) over the
 * spatial positions (a style batch of 1 broadcasts). No weights; serialised as
 * `featstats>AdaIN` with keys `alpha`, `epsilon`, `unbiased`, `dataFormat`.
 *
 * @example
 * ```ts
 * const content = tf.input({ shape: [16, 16, 8] });
 * const style = tf.input({ shape: [12, 12, 8] });
 * const stylised = new AdaIN({ alpha: 0.8 }).apply([content, style]);
 * const model = tf.model({ inputs: [content, style], outputs: stylised as tf.SymbolicTensor });
 * ```
 * @see X. Huang, S. Belongie, "Arbitrary Style Transfer in Real-time with Adaptive
 *   Instance Normalization", ICCV 2017.
 */
export class AdaIN extends StyleLayer {
  /** The class name tfjs-layers serializes and looks up (Keras's `package>Name` form). */
  static className = 'featstats>AdaIN';
  /** Added to each variance inside the square root. */
  readonly epsilon: number;
  /** Whether the variance is unbiased (÷(L − 1)). */
  readonly unbiased: boolean;

  constructor(args?: AdaINArgs) {
    const layerName = (new.target as unknown as { className: string }).className;
    const given = checkLayerArgs(args, ['alpha', 'dataFormat', 'epsilon', 'unbiased'], layerName);
    super(given, layerName);
    this.epsilon = checkRange(given.epsilon, MEAN_STD_EPSILON, 'epsilon', layerName, { min: 0 });
    this.unbiased = checkFlag(given.unbiased, true, 'unbiased', layerName);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [content, style] = this.contentAndStyle(inputs);
      return adain(content, style, { alpha: this.alpha, epsilon: this.epsilon, unbiased: this.unbiased, dataFormat: dataFormatForRank(this.layout, content.rank) });
    });
  }

  /** Keras's config: `alpha`, `epsilon`, `unbiased`, `dataFormat` and the base-layer keys. */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon, unbiased: this.unbiased };
  }
}
