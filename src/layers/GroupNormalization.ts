import * as tf from '@tensorflow/tfjs-core';
import { InputSpec, type Shape } from '@tensorflow/tfjs-layers';

import { opError } from '../_internal/errors';
import { AFFINE_KEYS, AffineNormalization, type AffineArgs } from '../_internal/layers/AffineNormalization';
import { channelAxisFeatures, groupChannelView } from '../_internal/layers/channelViews';
import { checkAxisArgument, checkLayerArgs, checkRange, resolveChannelAxis } from '../_internal/layers/kerasConfig';
import { definedDim, inputShapes, oneFloatInput } from '../_internal/layers/layerInput';
import { normalize } from '../_internal/normalize';
import type { LayerArgs } from '../_internal/layers/tfjsLayersTypes';
import { describeValue } from '../_internal/validate';

/** Keras's default group count, 32 (`keras.layers.GroupNormalization`). */
export const GROUP_NORMALIZATION_GROUPS = 32;

/** Keras's epsilon of every normalization layer, 1e-3 (featstats' ops take PyTorch's 1e-5). */
export const KERAS_NORMALIZATION_EPSILON = 1e-3;

/** Constructor arguments (and config keys) of {@link GroupNormalization}: Keras 3's. */
export interface GroupNormalizationArgs extends LayerArgs, AffineArgs {
  /** Number of groups G, dividing the channel count; −1 means one group per channel. Default 32. */
  groups?: number;
  /** The channel axis (not the batch axis 0). Default −1. */
  axis?: number;
  /** Added to the variance inside the square root; > 0. Default 1e-3. */
  epsilon?: number;
}

/** The config keys a group normalization layer understands. */
export const GROUP_NORMALIZATION_KEYS = ['groups', 'axis', 'epsilon', ...AFFINE_KEYS] as const;

/**
 * Keras 3's `GroupNormalization` layer on featstats' kernels: channels (along `axis`)
 * split into G consecutive groups, each (sample, group) normalised over its channels and
 * every non-batch axis,
 *
 * `y = (x − μ[n,g])·rsqrt(σ²[n,g] + ε)·γ[c] + β[c]`,
 *
 * biased variance, ε inside the square root — Keras's formula and config keys
 * (`groups`, `axis`, `epsilon`, `center`, `scale`, initializers, regularizers,
 * constraints), weights `gamma` and `beta` of shape `[C]`, so a model converted from
 * Keras loads with `tf.loadLayersModel` once `featstats/layers` is imported. Unlike
 * the `groupNorm` op (PyTorch's defaults), ε defaults to Keras's 1e-3. Inputs of
 * any rank ≥ 2: `[N, C]` dense features, `[N, L, C]` sequences, images in either layout.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [
 *   tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 16, kernelSize: 3 }),
 *   new GroupNormalization({ groups: 4 }), // 4 groups of 4 channels
 * ] });
 * const y = model.predict(tf.randomNormal([2, 8, 8, 1])) as tf.Tensor;
 * y.shape; // [2, 6, 6, 16]
 * ```
 * @see Y. Wu, K. He, "Group Normalization", ECCV 2018.
 */
export class GroupNormalization extends AffineNormalization {
  /** The class name tfjs-layers serializes and looks up: Keras's. */
  static className = 'GroupNormalization';
  /** G; −1 until built, then the channel count (Keras writes the resolved value). */
  groups: number;
  /** The channel axis, as configured (negative from the end). */
  readonly axis: number;
  /** Added to the variance inside the square root. */
  readonly epsilon: number;

  /**
   * Set by a subclass whose group count is not configurable (instance normalization:
   * −1), as tensorflow-addons' `InstanceNormalization` overrides the `groups` it is given.
   */
  protected static readonly fixedGroups: number | undefined = undefined;
  /** The group count when the config gives none. */
  protected static readonly defaultGroups: number = GROUP_NORMALIZATION_GROUPS;

  constructor(args?: GroupNormalizationArgs) {
    const cls = new.target as unknown as { className: string; fixedGroups: number | undefined; defaultGroups: number };
    const layerName = cls.className;
    const given = checkLayerArgs(args, GROUP_NORMALIZATION_KEYS, layerName);
    super(given, layerName);
    this.groups = cls.fixedGroups ?? checkGroups(given.groups === undefined ? cls.defaultGroups : given.groups, layerName);
    this.axis = checkAxisArgument(given.axis === undefined ? -1 : given.axis, layerName);
    this.epsilon = checkRange(given.epsilon, KERAS_NORMALIZATION_EPSILON, 'epsilon', layerName, { min: 0, minExclusive: true });
  }

  override build(inputShape: Shape | Shape[]): void {
    const layerName = this.getClassName();
    const [shape] = inputShapes(inputShape, 1, layerName) as [Shape];
    const axis = resolveChannelAxis(this.axis, shape.length, layerName);
    const channels = definedDim(shape, axis, layerName);
    const groups = this.groups === -1 ? channels : this.groups;
    if (groups > channels || channels % groups !== 0) {
      throw opError(layerName, `groups must divide the ${channels} channels of axis ${axis} but got ${groups}`);
    }
    this.groups = groups;
    this.inputSpec = [new InputSpec({ ndim: shape.length, axes: { [axis]: channels } })];
    this.addAffineWeights([channels]);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const layerName = this.getClassName();
      const x = oneFloatInput(inputs, layerName);
      const axis = resolveChannelAxis(this.axis, x.rank, layerName);
      const { gamma, beta } = this.affineTensors();
      return normalize(x, gamma, beta, {
        view: groupChannelView(x.shape, axis, this.groups),
        features: channelAxisFeatures(x.shape, axis),
        epsilon: this.epsilon,
      }).y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), groups: this.groups, axis: this.axis, epsilon: this.epsilon, ...this.affineConfig() };
  }
}

function checkGroups(groups: unknown, layerName: string): number {
  if (typeof groups !== 'number' || !Number.isInteger(groups) || (groups < 1 && groups !== -1)) {
    throw opError(layerName, `groups must be a positive integer or -1 (one group per channel) but got ${describeValue(groups)}`);
  }
  return groups;
}
