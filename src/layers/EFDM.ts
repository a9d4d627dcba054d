import * as tf from '@tensorflow/tfjs-core';

import { checkLayerArgs } from '../_internal/layers/kerasConfig';
import { StyleLayer, type StyleLayerArgs } from '../_internal/layers/styleLayer';
import { dataFormatForRank } from '../_internal/layout';
import { efdm } from '../ops/efdm';

/** Constructor arguments (and config keys) of {@link EFDM}. */
export type EFDMArgs = StyleLayerArgs;

/**
 * The `efdm` op as a layer of two inputs `[content, style]`: each content channel
 * takes the style channel's sorted values at its own (stable) ranks — exact histogram
 * matching — blended `α·t + (1 − α)·c`. The gradient is EFDM's: identity to the content,
 * α·dy routed to the style values used. No weights; serialised as `featstats>EFDM` with
 * keys `alpha`, `dataFormat`.
 *
 * @example
 * ```ts
 * const content = tf.input({ shape: [16, 16, 8] });
 * const style = tf.input({ shape: [16, 16, 8] });
 * const matched = new EFDM().apply([content, style]);
 * ```
 * @see Y. Zhang, M. Li, R. Li, K. Jia, L. Zhang, "Exact Feature Distribution Matching for
 *   Arbitrary Style Transfer and Domain Generalization", CVPR 2022.
 */
export class EFDM extends StyleLayer {
  /** The class name tfjs-layers serializes and looks up (Keras's `package>Name` form). */
  static className = 'featstats>EFDM';

  constructor(args?: EFDMArgs) {
    const layerName = (new.target as unknown as { className: string }).className;
    super(checkLayerArgs(args, ['alpha', 'dataFormat'], layerName), layerName);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [content, style] = this.contentAndStyle(inputs);
      return efdm(content, style, { alpha: this.alpha, dataFormat: dataFormatForRank(this.layout, content.rank) });
    });
  }
}
