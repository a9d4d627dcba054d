import { GroupNormalization, type GroupNormalizationArgs } from './GroupNormalization';

/** Constructor arguments of {@link InstanceNormalization}: group normalization's, `groups` ignored. */
export type InstanceNormalizationArgs = Omit<GroupNormalizationArgs, 'groups'> & {
  /** Accepted (tensorflow-addons writes it) and ignored: always one group per channel. */
  groups?: number;
};

/**
 * Instance normalization as a Keras layer: each (sample, channel) normalised over every
 * non-batch axis,
 *
 * `y = (x − μ[n,c])·rsqrt(σ²[n,c] + ε)·γ[c] + β[c]`,
 *
 * i.e. {@link GroupNormalization} with one group per channel, as tensorflow-addons
 * defines `tfa.layers.InstanceNormalization` (a `GroupNormalization` whose `groups` is
 * forced to −1; same config keys, ε 1e-3, weights `gamma`/`beta` of shape `[C]`). A
 * model saved from Keras with `tfa.layers.InstanceNormalization` names the class
 * `Addons>InstanceNormalization`; importing `featstats/layers` registers a subclass of
 * that name, so such a model loads with `tf.loadLayersModel`. Unlike the
 * `instanceNorm` op (PyTorch's defaults), ε defaults to Keras's 1e-3.
 *
 * @example
 * ```ts
 * const layer = new InstanceNormalization({ axis: -1, center: false });
 * const y = layer.apply(tf.randomNormal([2, 8, 8, 3])) as tf.Tensor; // per (n, c): mean 0
 * ```
 * @see D. Ulyanov, A. Vedaldi, V. Lempitsky, "Instance Normalization: The Missing
 *   Ingredient for Fast Stylization", arXiv 2016.
 */
export class InstanceNormalization extends GroupNormalization {
  /** The class name tfjs-layers serializes and looks up. */
  static override className = 'InstanceNormalization';
  protected static override readonly fixedGroups: number | undefined = -1;

  // The constructor only narrows the argument type.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(args?: InstanceNormalizationArgs) {
    super(args);
  }
}

/**
 * tensorflow-addons' `InstanceNormalization` under the name its Keras models carry,
 * `Addons>InstanceNormalization` (tfjs-layers finds a class by its static `className`).
 */
export class AddonsInstanceNormalization extends InstanceNormalization {
  /** tensorflow-addons' registered name. */
  static override className = 'Addons>InstanceNormalization';
}

/**
 * tensorflow-addons' `GroupNormalization`, as its Keras models name it. Its default
 * group count is 2 (`tensorflow_addons/layers/normalizations.py`), not Keras's 32; saved
 * configs always carry `groups`.
 */
export class AddonsGroupNormalization extends GroupNormalization {
  /** tensorflow-addons' registered name. */
  static override className = 'Addons>GroupNormalization';
  protected static override readonly defaultGroups: number = 2;
}
