import * as tf from '@tensorflow/tfjs-core';

import { opError } from '../_internal/errors';
import { checkLayerArgs } from '../_internal/layers/kerasConfig';
import { StyleLayer, type StyleLayerArgs } from '../_internal/layers/styleLayer';
import { checkLayerSeed, checkLayerTies } from '../_internal/layers/ties';
import { dataFormatForRank } from '../_internal/layout';
import type { TiePolicy } from '../_internal/ties';
import { describeValue } from '../_internal/validate';
import { efdm } from '../ops/efdm';

/** Constructor arguments (and config keys) of {@link EFDM}. */
export interface EFDMArgs extends StyleLayerArgs {
  /**
   * How equal content values within a channel are ranked, as `efdm`'s `ties`: `'stable'`
   * (default; by position) or `'random'` (by a permutation drawn from `seed`).
   */
  ties?: TiePolicy;
  /**
   * Seed of the `ties: 'random'` permutations, used by every call, so predictions are
   * repeatable; random per call when null (default). Only with `ties: 'random'`.
   */
  seed?: number | null;
}

/**
 * The `efdm` op as a layer of two inputs `[content, style]`: each content channel
 * takes the style channel's sorted values at its own (stable) ranks — exact histogram
 * matching — blended `α·t + (1 − α)·c`. The gradient is EFDM's: identity to the content,
 * α·dy routed to the style values used. No weights; serialised as `featstats>EFDM` with
 * keys `alpha`, `dataFormat`, `ties`, `seed`.
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
  /** How equal content values are ranked. */
  readonly ties: TiePolicy;
  /** Seed of the random tie permutations, or null for random draws. */
  readonly seed: number | null;

  constructor(args?: EFDMArgs) {
    const layerName = (new.target as unknown as { className: string }).className;
    const given = checkLayerArgs(args, ['alpha', 'dataFormat', 'ties', 'seed'], layerName);
    super(given, layerName);
    this.ties = checkLayerTies(given.ties, layerName);
    this.seed = checkLayerSeed(given.seed, layerName);
    if (this.ties === 'stable' && this.seed !== null) throw opError(layerName, `seed must only be given with ties: 'random' but got ${describeValue(this.seed)}`);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [content, style] = this.contentAndStyle(inputs);
      const ties = this.ties === 'random' ? { ties: this.ties, ...(this.seed === null ? {} : { seed: this.seed }) } : {};
      return efdm(content, style, { alpha: this.alpha, dataFormat: dataFormatForRank(this.layout, content.rank), ...ties });
    });
  }

  /** Keras's config: `alpha`, `dataFormat`, `ties`, `seed` and the base-layer keys. */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ties: this.ties, seed: this.seed };
  }
}
