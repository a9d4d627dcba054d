/**
 * What Keras's normalization layers share: the `center`/`scale` flags and the γ/β
 * weights with their initializers, regularizers and constraints, under Keras's config
 * keys and weight names (`gamma`, `beta`; none created when the flag is off).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { layers, type LayerVariable } from '@tensorflow/tfjs-layers';

import type { LayerArgs } from './tfjsLayersTypes';
import {
  checkFlag,
  resolveConstraint,
  resolveInitializer,
  resolveRegularizer,
  serializeKerasObject,
  type Constraint,
  type Initializer,
  type KerasObjectIdentifier,
  type Regularizer,
} from './kerasConfig';

/** Keras's affine arguments of every normalization layer. */
export interface AffineArgs {
  /** Add the learned offset β. Default true. */
  center?: boolean;
  /** Multiply by the learned scale γ. Default true. */
  scale?: boolean;
  /** Initializer of β. Default `'zeros'`. */
  betaInitializer?: KerasObjectIdentifier<Initializer>;
  /** Initializer of γ. Default `'ones'`. */
  gammaInitializer?: KerasObjectIdentifier<Initializer>;
  /** Regularizer of β. Default none. */
  betaRegularizer?: KerasObjectIdentifier<Regularizer> | null;
  /** Regularizer of γ. Default none. */
  gammaRegularizer?: KerasObjectIdentifier<Regularizer> | null;
  /** Constraint on β. Default none. */
  betaConstraint?: KerasObjectIdentifier<Constraint> | null;
  /** Constraint on γ. Default none. */
  gammaConstraint?: KerasObjectIdentifier<Constraint> | null;
}

/** The config keys of {@link AffineArgs}. */
export const AFFINE_KEYS = [
  'center',
  'scale',
  'betaInitializer',
  'gammaInitializer',
  'betaRegularizer',
  'gammaRegularizer',
  'betaConstraint',
  'gammaConstraint',
] as const;

/** A tfjs-layers Layer with Keras's γ/β handling; subclasses add the statistics. */
export abstract class AffineNormalization extends layers.Layer {
  /** Whether β is added (Keras's `center`). */
  readonly center: boolean;
  /** Whether γ multiplies (Keras's `scale`). */
  readonly scale: boolean;
  protected readonly betaInitializer: Initializer;
  protected readonly gammaInitializer: Initializer;
  protected readonly betaRegularizer: Regularizer | null;
  protected readonly gammaRegularizer: Regularizer | null;
  protected readonly betaConstraint: Constraint | null;
  protected readonly gammaConstraint: Constraint | null;
  protected gamma: LayerVariable | null = null;
  protected beta: LayerVariable | null = null;

  /** `args` must already have passed `checkLayerArgs` under the layer's name. */
  constructor(args: LayerArgs & AffineArgs, layerName: string) {
    super(args);
    this.supportsMasking = true;
    this.center = checkFlag(args.center, true, 'center', layerName);
    this.scale = checkFlag(args.scale, true, 'scale', layerName);
    this.betaInitializer = resolveInitializer(args.betaInitializer, 'zeros', 'betaInitializer', layerName);
    this.gammaInitializer = resolveInitializer(args.gammaInitializer, 'ones', 'gammaInitializer', layerName);
    this.betaRegularizer = resolveRegularizer(args.betaRegularizer, 'betaRegularizer', layerName);
    this.gammaRegularizer = resolveRegularizer(args.gammaRegularizer, 'gammaRegularizer', layerName);
    this.betaConstraint = resolveConstraint(args.betaConstraint, 'betaConstraint', layerName);
    this.gammaConstraint = resolveConstraint(args.gammaConstraint, 'gammaConstraint', layerName);
  }

  /** Creates γ and β of `shape` (those whose flag is on), named as Keras names them. */
  protected addAffineWeights(shape: number[]): void {
    if (this.scale) {
      this.gamma = this.addWeight('gamma', shape, 'float32', this.gammaInitializer, this.gammaRegularizer ?? undefined, true, this.gammaConstraint ?? undefined);
    }
    if (this.center) {
      this.beta = this.addWeight('beta', shape, 'float32', this.betaInitializer, this.betaRegularizer ?? undefined, true, this.betaConstraint ?? undefined);
    }
  }

  /** γ and β as tensors for the ops (undefined when off). */
  protected affineTensors(): { gamma: tf.Tensor | undefined; beta: tf.Tensor | undefined } {
    return { gamma: this.gamma?.read(), beta: this.beta?.read() };
  }

  /** The affine part of the config, as Keras's `get_config` writes it. */
  protected affineConfig(): tf.serialization.ConfigDict {
    return {
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeKerasObject(this.betaInitializer),
      gammaInitializer: serializeKerasObject(this.gammaInitializer),
      betaRegularizer: serializeKerasObject(this.betaRegularizer),
      gammaRegularizer: serializeKerasObject(this.gammaRegularizer),
      betaConstraint: serializeKerasObject(this.betaConstraint),
      gammaConstraint: serializeKerasObject(this.gammaConstraint),
    };
  }
}
