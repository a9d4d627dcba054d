/**
 * featstats/layers: featstats' ops as tfjs-layers Layers, with Keras's config keys,
 * defaults and weight names, so they train in `model.fit` and load from Keras models.
 *
 * Importing this entry registers the layer classes with tfjs's serialization registry
 * (a deliberate side effect, declared in package.json's `sideEffects`): after
 * `import 'featstats/layers'`, `tf.loadLayersModel` understands `GroupNormalization`,
 * `Addons>InstanceNormalization` and the other names {@link registerLayers} lists.
 * `@tensorflow/tfjs-layers` is an optional peer dependency needed only here; the main
 * `featstats` entry never imports it.
 *
 * @module featstats/layers
 */
import { registerLayers } from './registerLayers';

export { AdaIN, type AdaINArgs } from './AdaIN';
export { AdvBN, type AdvBNArgs, type AdvBNScales, type AdvBNSettings, type ResolvedAdvBNSettings } from './AdvBN';
export { advbnTrainStep, type AdvbnTrainStep, type AdvbnTrainStepOptions, type LossFunction } from './advbnTrainStep';
export { BatchNormalization, KERAS_BATCH_NORMALIZATION_MOMENTUM, type BatchNormalizationArgs } from './BatchNormalization';
export { EFDM, type EFDMArgs } from './EFDM';
export { EFDMix, type EFDMixArgs } from './EFDMix';
export { GROUP_NORMALIZATION_GROUPS, GroupNormalization, KERAS_NORMALIZATION_EPSILON, type GroupNormalizationArgs } from './GroupNormalization';
export { ibaAttributionForModel, type IbaAttributionForModel, type IbaAttributionForModelOptions } from './ibaAttributionForModel';
export { AddonsGroupNormalization, AddonsInstanceNormalization, InstanceNormalization, type InstanceNormalizationArgs } from './InstanceNormalization';
export { LayerNormalization, type LayerNormalizationArgs } from './LayerNormalization';
export { registerLayers, type RegisterLayersOptions } from './registerLayers';
export type { KerasDataFormat, KerasObjectIdentifier } from '../_internal/layers/kerasConfig';
export type { StyleLayerArgs } from '../_internal/layers/styleLayer';

registerLayers();
