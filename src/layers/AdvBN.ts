import * as tf from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';

import { opError } from '../_internal/errors';
import { checkFlag, checkLayerArgs, checkRange, resolveDataFormat, type KerasDataFormat } from '../_internal/layers/kerasConfig';
import { oneFloatInput } from '../_internal/layers/layerInput';
import type { LayerArgs } from '../_internal/layers/tfjsLayersTypes';

/** AdvBN's attack settings; defaults are the reference implementation's. */
export interface AdvBNSettings {
  /** Sign-gradient ascent steps of the attack, an integer ≥ 0. Default 6. */
  steps?: number;
  /** Step size of each scale update, ≥ 0. Default 0.2. */
  stepSize?: number;
  /** The scales stay in [1 − ε, 1 + ε], ε ≥ 0. Default 1.1. */
  epsilon?: number;
  /** Apply max(·, 0) after the perturbation (the reference perturbs before a ReLU). Default false. */
  relu?: boolean;
  /** `'channelsLast'` (default) or `'channelsFirst'`. */
  dataFormat?: KerasDataFormat;
}

/** Per-channel factors found by an AdvBN attack. */
export interface AdvBNScales {
  /** Mean factors, one per channel. */
  meanScale: number[];
  /** Spread (standard deviation) factors, one per channel. */
  stdScale: number[];
}

/** Constructor arguments (and config keys) of {@link AdvBN}. */
export interface AdvBNArgs extends LayerArgs, AdvBNSettings {}

/** The attack settings as resolved, with defaults, and the ops' layout name for `dataFormat`. */
export type ResolvedAdvBNSettings = Required<Omit<AdvBNSettings, 'dataFormat'>> & {
  /** Keras's name of the layout. */
  dataFormat: KerasDataFormat;
  /** The ops' name of the same layout. */
  layout: 'NHWC' | 'NCHW';
};

/** Checks AdvBN settings (a layer's config or a step's options) and fills in the defaults. */
export function resolveAdvBNSettings(given: AdvBNSettings, caller: string): ResolvedAdvBNSettings {
  const steps = checkRange(given.steps, 6, 'steps', caller, { min: 0 });
  if (!Number.isInteger(steps)) throw opError(caller, `steps must be an integer >= 0 but got ${steps}`);
  return {
    steps,
    stepSize: checkRange(given.stepSize, 0.2, 'stepSize', caller, { min: 0 }),
    epsilon: checkRange(given.epsilon, 1.1, 'epsilon', caller, { min: 0 }),
    relu: checkFlag(given.relu, false, 'relu', caller),
    ...resolveDataFormat(given.dataFormat, caller),
  };
}

/**
 * The AdvBN module (Shu et al.) as a layer: the point of a network where
 * {@link advbnTrainStep} perturbs each channel's mean and spread adversarially, with its
 * attack settings in the layer's config (`steps`, `stepSize`, `epsilon`, `relu`,
 * `dataFormat`; serialised as `featstats>AdvBN`). On its own — `predict`, `evaluate`,
 * and `model.fit`, which has no loss closure to attack with — it passes its input
 * through unchanged, as the reference module does outside adversarial training. No
 * weights. The scales of the latest attack are kept in {@link AdvBN.lastScales}.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [
 *   tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu' }),
 *   new AdvBN({ name: 'advbn' }),
 *   tf.layers.flatten(),
 *   tf.layers.dense({ units: 10, activation: 'softmax' }),
 * ] });
 * ```
 * @see M. Shu, Z. Wu, M. Goldblum, T. Goldstein, "Encoding Robustness to Image Style via
 *   Adversarial Feature Perturbations", NeurIPS 2021.
 */
export class AdvBN extends layers.Layer {
  /** The class name tfjs-layers serializes and looks up (Keras's `package>Name` form). */
  static className = 'featstats>AdvBN';
  /** The attack settings, defaults filled in. */
  readonly settings: ResolvedAdvBNSettings;
  /** The latest attack's factors through this layer (see {@link AdvBNScales}), or null. */
  lastScales: AdvBNScales | null = null;

  constructor(args?: AdvBNArgs) {
    const layerName = (new.target as unknown as { className: string }).className;
    const given = checkLayerArgs(args, ['steps', 'stepSize', 'epsilon', 'relu', 'dataFormat'], layerName);
    super(given);
    this.settings = resolveAdvBNSettings(given, layerName);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return oneFloatInput(inputs, this.getClassName());
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { steps, stepSize, epsilon, relu, dataFormat } = this.settings;
    return { ...super.getConfig(), steps, stepSize, epsilon, relu, dataFormat };
  }
}
