import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';

import { opError } from '../_internal/errors';
import { AFFINE_KEYS, AffineNormalization, type AffineArgs } from '../_internal/layers/AffineNormalization';
import { checkFlag, checkLayerArgs, checkRange } from '../_internal/layers/kerasConfig';
import { definedDim, inputShapes, oneFloatInput } from '../_internal/layers/layerInput';
import { layerNorm } from '../norms/layerNorm';
import { KERAS_NORMALIZATION_EPSILON } from './GroupNormalization';
import type { LayerArgs } from '../_internal/layers/tfjsLayersTypes';
import { describeValue } from '../_internal/validate';

/** Constructor arguments (and config keys) of {@link LayerNormalization}: tfjs-layers' and Keras's. */
export interface LayerNormalizationArgs extends LayerArgs, AffineArgs {
  /** The axis or axes normalised together (not the batch axis 0). Default −1. */
  axis?: number | number[];
  /** Added to the variance inside the square root; > 0. Default 1e-3. */
  epsilon?: number;
  /** Keras 3's RMS variant: only false is supported. */
  rmsScaling?: boolean;
}

/** The config keys a layer normalization layer understands. */
export const LAYER_NORMALIZATION_KEYS = ['axis', 'epsilon', 'rmsScaling', ...AFFINE_KEYS] as const;

/**
 * Keras's `LayerNormalization` on featstats' kernels, a drop-in for tfjs-layers' own
 * (same class name, config keys and weight names): each sample normalised over `axis`,
 *
 * `y = (x − μ)·rsqrt(σ² + ε)·γ + β`,
 *
 * biased variance, ε inside the square root, γ and β of shape
 * `[x.shape[a] for a in axis]` (Keras's parameter shape, in the order `axis` lists),
 * broadcast over the normalised axes. It is the `layerNorm` op with Keras's ε
 * 1e-3 default.
 *
 * @example
 * ```ts
 * const tokens = tf.input({ shape: [10, 32] });
 * const normed = new LayerNormalization().apply(tokens); // per token, over 32 features
 * ```
 * @see J. L. Ba, J. R. Kiros, G. E. Hinton, "Layer Normalization", arXiv 2016.
 */
export class LayerNormalization extends AffineNormalization {
  /** The class name tfjs-layers serializes and looks up: Keras's (and tfjs-layers' own). */
  static className = 'LayerNormalization';
  /** As configured: one axis or a list (tfjs-layers' own layer writes the resolved list). */
  readonly axis: number | number[];
  /** Added to the variance inside the square root. */
  readonly epsilon: number;

  constructor(args?: LayerNormalizationArgs) {
    const layerName = (new.target as unknown as { className: string }).className;
    const given = checkLayerArgs(args, LAYER_NORMALIZATION_KEYS, layerName);
    super(given, layerName);
    const axis = given.axis === undefined ? -1 : given.axis;
    const axes = Array.isArray(axis) ? axis : [axis];
    if (axes.length === 0 || !axes.every((a) => typeof a === 'number' && Number.isInteger(a))) {
      throw opError(layerName, `axis must be an integer or a non-empty list of integers but got ${describeValue(axis)}`);
    }
    this.axis = Array.isArray(axis) ? [...axis] : axis;
    this.epsilon = checkRange(given.epsilon, KERAS_NORMALIZATION_EPSILON, 'epsilon', layerName, { min: 0, minExclusive: true });
    if (checkFlag(given.rmsScaling, false, 'rmsScaling', layerName)) {
      throw opError(layerName, 'rmsScaling must be false (RMS normalization is not supported) but got true');
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const layerName = this.getClassName();
    const [shape] = inputShapes(inputShape, 1, layerName) as [Shape];
    const axes = this.resolveAxes(shape.length);
    this.addAffineWeights(axes.map((axis) => definedDim(shape, axis, layerName)));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = oneFloatInput(inputs, this.getClassName());
      const axes = this.resolveAxes(x.rank);
      // Keras reshapes γ/β from the listed order to the axes' order in x (a reshape, not a
      // transpose); layerNorm takes them shaped like the normalised dims in x's order.
      const normalizedDims = [...axes].sort((a, b) => a - b).map((axis) => x.shape[axis] as number);
      const { gamma, beta } = this.affineTensors();
      const inAxisOrder = (t: tf.Tensor) => (t.shape.every((d, i) => d === normalizedDims[i]) ? t : tf.reshape(t, normalizedDims));
      return layerNorm(x, {
        axes,
        epsilon: this.epsilon,
        ...(gamma === undefined ? {} : { gamma: inAxisOrder(gamma) }),
        ...(beta === undefined ? {} : { beta: inAxisOrder(beta) }),
      });
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), axis: this.axis, epsilon: this.epsilon, ...this.affineConfig() };
  }

  /** The axes in [1, rank), distinct, in the order configured. */
  private resolveAxes(rank: number): number[] {
    const layerName = this.getClassName();
    const axes = (Array.isArray(this.axis) ? this.axis : [this.axis]).map((axis) => {
      if (axis < -rank || axis >= rank) throw opError(layerName, `axis must lie in [${-rank}, ${rank}) for an input of rank ${rank} but got ${describeValue(this.axis)}`);
      return (axis + rank) % rank;
    });
    if (axes.includes(0) || new Set(axes).size !== axes.length) {
      throw opError(layerName, `axis must name distinct non-batch axes but got ${describeValue(this.axis)} (rank ${rank})`);
    }
    return axes;
  }
}
