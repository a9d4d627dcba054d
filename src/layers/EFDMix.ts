import * as tf from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';

import { opError } from '../_internal/errors';
import { checkLayerArgs, checkRange, resolveDataFormat, type KerasDataFormat } from '../_internal/layers/kerasConfig';
import { oneFloatInput } from '../_internal/layers/layerInput';
import { dataFormatForRank } from '../_internal/layout';
import { efdmix, type EfdmixMode } from '../ops/efdmix';
import { checkLayerSeed, checkLayerTies } from '../_internal/layers/ties';
import type { Kwargs, LayerArgs } from '../_internal/layers/tfjsLayersTypes';
import type { TiePolicy } from '../_internal/ties';
import { describeValue } from '../_internal/validate';

/** Constructor arguments (and config keys) of {@link EFDMix}; defaults are the reference's. */
export interface EFDMixArgs extends LayerArgs {
  /** Probability that a training call mixes the batch; in [0, 1]. Default 0.5. */
  p?: number;
  /** Parameter of the Beta(α, α) mixing weight; > 0. Default 0.1. */
  alpha?: number;
  /** `'random'` partners (default) or `'crossdomain'` (two halves of the batch). */
  mode?: EfdmixMode;
  /**
   * Seed of the draws: the k-th training call of the layer uses seed + k, so a run is
   * reproducible and calls differ. Random per call when omitted.
   */
  seed?: number | null;
  /** `'channelsLast'` (default) or `'channelsFirst'`. */
  dataFormat?: KerasDataFormat;
  /**
   * How equal values within a channel are ranked, as `efdmix`'s `ties`: `'stable'`
   * (default) or `'random'` (a permutation drawn from the call's seed).
   */
  ties?: TiePolicy;
}

/**
 * The `efdmix` op as a training-time augmentation layer: while training
 * (`model.fit`, or `apply(x, { training: true })`) it mixes each sample's per-channel
 * feature distribution with a partner's, with probability p per call; at inference it
 * returns its input unchanged, as the reference module does in `eval()` mode. No
 * weights; serialised as `featstats>EFDMix` with keys `p`, `alpha`, `mode`, `seed`,
 * `dataFormat`, `ties`.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [
 *   tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 8, kernelSize: 3 }),
 *   new EFDMix({ p: 0.5, seed: 1 }), // active in model.fit only
 * ] });
 * ```
 * @see Y. Zhang, M. Li, R. Li, K. Jia, L. Zhang, "Exact Feature Distribution Matching for
 *   Arbitrary Style Transfer and Domain Generalization", CVPR 2022.
 */
export class EFDMix extends layers.Layer {
  /** The class name tfjs-layers serializes and looks up (Keras's `package>Name` form). */
  static className = 'featstats>EFDMix';
  /** Probability that a training call mixes the batch. */
  readonly p: number;
  /** Parameter of the Beta(α, α) mixing weight. */
  readonly alpha: number;
  /** How partners are drawn. */
  readonly mode: EfdmixMode;
  /** Seed of the first training call's draws, or null for random draws. */
  readonly seed: number | null;
  /** Layout of the input. */
  readonly dataFormat: KerasDataFormat;
  /** How equal values within a channel are ranked. */
  readonly ties: TiePolicy;
  private readonly layout: 'NHWC' | 'NCHW';
  /** Training calls so far: the next one draws from seed + trainingCalls. */
  private trainingCalls = 0;

  constructor(args?: EFDMixArgs) {
    const layerName = (new.target as unknown as { className: string }).className;
    const given = checkLayerArgs(args, ['p', 'alpha', 'mode', 'seed', 'dataFormat', 'ties'], layerName);
    super(given);
    this.p = checkRange(given.p, 0.5, 'p', layerName, { min: 0, max: 1 });
    this.alpha = checkRange(given.alpha, 0.1, 'alpha', layerName, { min: 0, minExclusive: true });
    const mode = given.mode === undefined ? 'random' : given.mode;
    if (mode !== 'random' && mode !== 'crossdomain') throw opError(layerName, `mode must be 'random' or 'crossdomain' but got ${describeValue(mode)}`);
    this.mode = mode;
    this.seed = checkLayerSeed(given.seed, layerName);
    this.ties = checkLayerTies(given.ties, layerName);
    ({ dataFormat: this.dataFormat, layout: this.layout } = resolveDataFormat(given.dataFormat, layerName));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = oneFloatInput(inputs, this.getClassName());
    if (kwargs['training'] !== true) return x;
    const seed = this.seed === null ? {} : { seed: this.seed + this.trainingCalls };
    this.trainingCalls++;
    return tf.tidy(() => efdmix(x, { p: this.p, alpha: this.alpha, mode: this.mode, ties: this.ties, dataFormat: dataFormatForRank(this.layout, x.rank), ...seed }));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), p: this.p, alpha: this.alpha, mode: this.mode, seed: this.seed, dataFormat: this.dataFormat, ties: this.ties };
  }
}
