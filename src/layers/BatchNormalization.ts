import * as tf from '@tensorflow/tfjs-core';
import { InputSpec, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';

import { opError } from '../_internal/errors';
import { AFFINE_KEYS, AffineNormalization, type AffineArgs } from '../_internal/layers/AffineNormalization';
import { batchChannelAxisView, channelAxisFeatures } from '../_internal/layers/channelViews';
import {
  checkAxisArgument,
  checkFlag,
  checkLayerArgs,
  checkRange,
  resolveChannelAxis,
  resolveInitializer,
  serializeKerasObject,
  type Initializer,
  type KerasObjectIdentifier,
} from '../_internal/layers/kerasConfig';
import { definedDim, inputShapes, oneFloatInput } from '../_internal/layers/layerInput';
import { normalize, type NormStatistics } from '../_internal/normalize';
import { KERAS_NORMALIZATION_EPSILON } from './GroupNormalization';
import type { Kwargs, LayerArgs } from '../_internal/layers/tfjsLayersTypes';

/** Keras's momentum of the moving statistics, 0.99 (the weight of the old value). */
export const KERAS_BATCH_NORMALIZATION_MOMENTUM = 0.99;

/** Constructor arguments (and config keys) of {@link BatchNormalization}: tfjs-layers' and Keras's. */
export interface BatchNormalizationArgs extends LayerArgs, AffineArgs {
  /** The channel axis (not the batch axis 0). Default −1. */
  axis?: number;
  /** Weight of the old value in the moving average, in [0, 1]. Default 0.99. */
  momentum?: number;
  /** Added to the variance inside the square root; > 0. Default 1e-3. */
  epsilon?: number;
  /** Initializer of the moving mean. Default `'zeros'`. */
  movingMeanInitializer?: KerasObjectIdentifier<Initializer>;
  /** Initializer of the moving variance. Default `'ones'`. */
  movingVarianceInitializer?: KerasObjectIdentifier<Initializer>;
  /** Keras 3's cross-replica statistics; accepted and ignored (one device). */
  synchronized?: boolean;
  /** Keras's batch renormalization: only false is supported. */
  renorm?: boolean;
  /** Keras's renorm settings; accepted only with renorm off, and ignored. */
  renormClipping?: unknown;
  /** Keras's renorm settings; accepted only with renorm off, and ignored. */
  renormMomentum?: number;
}

/** The config keys a batch normalization layer understands. */
export const BATCH_NORMALIZATION_KEYS = [
  'axis',
  'momentum',
  'epsilon',
  'movingMeanInitializer',
  'movingVarianceInitializer',
  'synchronized',
  'renorm',
  'renormClipping',
  'renormMomentum',
  ...AFFINE_KEYS,
] as const;

/**
 * Keras's `BatchNormalization` on featstats' kernels, a drop-in for tfjs-layers' own
 * (same class name, config keys and weight names `gamma`, `beta`, `moving_mean`,
 * `moving_variance`), so a saved model loads into either.
 *
 * While training (`model.fit`, or `apply(x, { training: true })`) on a trainable layer,
 * each channel is normalised with the batch statistics over every axis but `axis`,
 *
 * `y = (x − μ_B)·rsqrt(σ²_B + ε)·γ + β`   (biased σ²_B, ε inside the square root),
 *
 * and the moving statistics are updated once per call by Keras's rule
 * `moving = momentum·moving + (1 − momentum)·batch` with the **biased** batch variance
 * (Keras 3 and tfjs-layers). Otherwise — inference, or `trainable = false` as in Keras's
 * fine-tuning convention — the moving statistics normalise. The `batchNorm` op
 * keeps PyTorch's convention instead (momentum 0.1 is the weight of the batch, unbiased
 * moving variance, ε 1e-5).
 *
 * Unlike tfjs-layers' layer, the values are right for every axis on every backend
 * (`tf.batchNorm`, which it calls, is wrong on cpu and wasm for channels-first inputs),
 * `scale: false` or `center: false` work while training, and γ, β and x get closed-form
 * gradients.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [
 *   tf.layers.dense({ inputShape: [16], units: 8 }),
 *   new BatchNormalization({ momentum: 0.9 }),
 * ] });
 * model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
 * await model.fit(tf.randomNormal([32, 16]), tf.randomNormal([32, 8]), { epochs: 1, verbose: 0 }); // updates the moving statistics
 * model.dispose(); // its weights and optimizer
 * ```
 * @see S. Ioffe, C. Szegedy, "Batch Normalization: Accelerating Deep Network Training by
 *   Reducing Internal Covariate Shift", ICML 2015.
 */
export class BatchNormalization extends AffineNormalization {
  /** The class name tfjs-layers serializes and looks up: Keras's (and tfjs-layers' own). */
  static className = 'BatchNormalization';
  /** The channel axis, as configured (negative from the end). */
  readonly axis: number;
  /** Weight of the old value in the moving average. */
  readonly momentum: number;
  /** Added to the variance inside the square root. */
  readonly epsilon: number;
  protected readonly movingMeanInitializer: Initializer;
  protected readonly movingVarianceInitializer: Initializer;
  protected movingMean: LayerVariable | null = null;
  protected movingVariance: LayerVariable | null = null;

  constructor(args?: BatchNormalizationArgs) {
    const layerName = (new.target as unknown as { className: string }).className;
    const given = checkLayerArgs(args, BATCH_NORMALIZATION_KEYS, layerName);
    super(given, layerName);
    this.axis = checkAxisArgument(given.axis === undefined ? -1 : given.axis, layerName);
    this.momentum = checkRange(given.momentum, KERAS_BATCH_NORMALIZATION_MOMENTUM, 'momentum', layerName, { min: 0, max: 1 });
    this.epsilon = checkRange(given.epsilon, KERAS_NORMALIZATION_EPSILON, 'epsilon', layerName, { min: 0, minExclusive: true });
    this.movingMeanInitializer = resolveInitializer(given.movingMeanInitializer, 'zeros', 'movingMeanInitializer', layerName);
    this.movingVarianceInitializer = resolveInitializer(given.movingVarianceInitializer, 'ones', 'movingVarianceInitializer', layerName);
    checkFlag(given.synchronized, false, 'synchronized', layerName);
    if (checkFlag(given.renorm, false, 'renorm', layerName)) {
      throw opError(layerName, 'renorm must be false (batch renormalization is not supported) but got true');
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const layerName = this.getClassName();
    const [shape] = inputShapes(inputShape, 1, layerName) as [Shape];
    const axis = resolveChannelAxis(this.axis, shape.length, layerName);
    const channels = definedDim(shape, axis, layerName);
    this.inputSpec = [new InputSpec({ ndim: shape.length, axes: { [axis]: channels } })];
    this.addAffineWeights([channels]);
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', this.movingMeanInitializer, undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [channels], 'float32', this.movingVarianceInitializer, undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const layerName = this.getClassName();
      const x = oneFloatInput(inputs, layerName);
      const axis = resolveChannelAxis(this.axis, x.rank, layerName);
      const channels = x.shape[axis] as number;
      const movingMean = this.movingMean as LayerVariable;
      const movingVariance = this.movingVariance as LayerVariable;
      const { gamma, beta } = this.affineTensors();
      const spec = { view: batchChannelAxisView(x.shape, axis), features: channelAxisFeatures(x.shape, axis), epsilon: this.epsilon };
      if (kwargs['training'] !== true || !this.trainable) {
        return normalize(x, gamma, beta, { ...spec, statistics: { mean: movingMean.read(), variance: movingVariance.read() } }).y;
      }
      // One pure normalisation that hands back the batch statistics (biased variance,
      // [1, 1, C, 1], no gradient); the moving ones are updated here by Keras's rule.
      const { y, batchStatistics } = normalize(x, gamma, beta, { ...spec, returnBatchStatistics: true });
      const { mean, variance } = batchStatistics as NormStatistics;
      const blend = (moving: LayerVariable, batch: tf.Tensor) =>
        moving.write(tf.add(tf.mul(moving.read(), this.momentum), tf.mul(tf.reshape(batch, [channels]), 1 - this.momentum)));
      blend(movingMean, mean);
      blend(movingVariance, variance);
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      ...this.affineConfig(),
      movingMeanInitializer: serializeKerasObject(this.movingMeanInitializer),
      movingVarianceInitializer: serializeKerasObject(this.movingVarianceInitializer),
    };
  }
}
