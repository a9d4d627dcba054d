import * as tf from '@tensorflow/tfjs-core';

import { opError } from '../_internal/errors';
import { AdaIN } from './AdaIN';
import { AdvBN } from './AdvBN';
import { BatchNormalization } from './BatchNormalization';
import { EFDM } from './EFDM';
import { EFDMix } from './EFDMix';
import { GroupNormalization } from './GroupNormalization';
import { AddonsGroupNormalization, AddonsInstanceNormalization, InstanceNormalization } from './InstanceNormalization';
import { LayerNormalization } from './LayerNormalization';
import { describeValue } from '../_internal/validate';

/** Options of {@link registerLayers}. */
export interface RegisterLayersOptions {
  /**
   * Also load `BatchNormalization` and `LayerNormalization` (tfjs-layers' own class
   * names) as featstats' layers: true opts every model loaded afterwards into featstats'
   * kernels; false gives tfjs-layers' classes back. Absent: leave them as they are.
   */
  replaceBuiltins?: boolean;
}

/** Classes whose names tfjs-layers does not have: registered on import of `featstats/layers`. */
const FEATSTATS_CLASSES = [GroupNormalization, InstanceNormalization, AddonsInstanceNormalization, AddonsGroupNormalization, AdaIN, EFDM, EFDMix, AdvBN];

/** Classes under tfjs-layers' own names: registered only on request. */
const BUILTIN_REPLACEMENTS = [BatchNormalization, LayerNormalization];

type RegistryEntry = [tf.serialization.SerializableConstructor<tf.serialization.Serializable>, tf.serialization.FromConfigMethod<tf.serialization.Serializable>];

/** tfjs-layers' entries for the names replaced, kept to give them back. */
const originals = new Map<string, RegistryEntry | undefined>();

/**
 * Registers featstats' layer classes with tfjs's serialization registry, so
 * `tf.loadLayersModel` finds them by the class names in a model's JSON
 * (`GroupNormalization`, `InstanceNormalization`, `Addons>InstanceNormalization`,
 * `Addons>GroupNormalization`, `featstats>AdaIN`, `featstats>EFDM`, `featstats>EFDMix`,
 * `featstats>AdvBN`). Importing `featstats/layers` calls it once; calling it again is
 * harmless. With `replaceBuiltins: true`, models loaded afterwards also get featstats'
 * `BatchNormalization` and `LayerNormalization` (same config and weights, featstats'
 * kernels); `replaceBuiltins: false` restores tfjs-layers' own.
 *
 * @throws If options is not an object or replaceBuiltins not a boolean.
 *
 * @example
 * ```ts
 * registerLayers({ replaceBuiltins: true }); // models loaded from now on run featstats' BatchNormalization
 * registerLayers({ replaceBuiltins: false }); // and from now on tfjs-layers' own again
 * ```
 */
export function registerLayers(options?: RegisterLayersOptions): void {
  if (options !== undefined && (options === null || typeof options !== 'object' || Object.keys(options).some((key) => key !== 'replaceBuiltins'))) {
    throw opError('registerLayers', `options must be { replaceBuiltins?: boolean } but got ${describeValue(options)}`);
  }
  const replace = options?.replaceBuiltins;
  if (replace !== undefined && typeof replace !== 'boolean') {
    throw opError('registerLayers', `replaceBuiltins must be a boolean but got ${describeValue(replace)}`);
  }
  FEATSTATS_CLASSES.forEach((cls) => tf.serialization.registerClass(cls));
  const registry = tf.serialization.SerializationMap.getMap().classNameMap as Record<string, RegistryEntry | undefined>;
  for (const cls of BUILTIN_REPLACEMENTS) {
    const current = registry[cls.className];
    if (replace === true) {
      if (current?.[0] !== cls && !originals.has(cls.className)) originals.set(cls.className, current);
      tf.serialization.registerClass(cls);
    } else if (replace === false && originals.has(cls.className)) {
      const original = originals.get(cls.className);
      if (original === undefined) delete registry[cls.className];
      else registry[cls.className] = original;
      originals.delete(cls.className);
    }
  }
}
