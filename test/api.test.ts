/**
 * The public surface, frozen: removing or renaming an export is a breaking change and
 * must fail here first. Adding one means adding it to this list on purpose (the one list
 * of names kept by hand: scripts/check-treeshake.mjs and bench/ take theirs from the
 * package's exports).
 */
import { expect, it } from 'vitest';

import * as featstats from '../src';

it('exports exactly the documented API', () => {
  expect(Object.keys(featstats).sort()).toEqual([
    'BATCH_NORM_MOMENTUM',
    'MEAN_STD_EPSILON',
    'NORM_EPSILON',
    'WelfordEstimator',
    'activationSimilarity',
    'adain',
    'adversarialMeanStd',
    'adversarialMeanStdAsync',
    'argsort',
    'batchNorm',
    'channelVariance',
    'contentContrastiveLoss',
    'contrastiveDistillation',
    'cosineSimilarityMatrix',
    'efdm',
    'efdmix',
    'gaussianBlur',
    'gaussianNoise',
    'getFastPaths',
    'groupNorm',
    'ibaAttribution',
    'ibaAttributionAsync',
    'ieContraAstIds',
    'infoNCE',
    'informationBottleneck',
    'instanceNorm',
    'layerNorm',
    'meanStd',
    'ntXent',
    'perturbMeanStd',
    'probe',
    'probeAsync',
    'randomMask',
    'setFastPaths',
    'sort',
    'stableRank',
    'styleContrastiveLoss',
    'supCon',
  ]);
  // Everything but the UPPER_CASE constants is an op, a class or a switch: callable.
  for (const [name, value] of Object.entries(featstats)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) expect(typeof value, name).toBe('function');
  }
  expect(featstats.MEAN_STD_EPSILON).toBe(1e-5);
  expect(featstats.NORM_EPSILON).toBe(1e-5);
  expect(featstats.BATCH_NORM_MOMENTUM).toBe(0.1);
});

it('featstats/layers exports exactly the documented API, with Keras defaults', async () => {
  const layers = await import('../src/layers');
  expect(Object.keys(layers).sort()).toEqual([
    'AdaIN',
    'AddonsGroupNormalization',
    'AddonsInstanceNormalization',
    'AdvBN',
    'BatchNormalization',
    'EFDM',
    'EFDMix',
    'GROUP_NORMALIZATION_GROUPS',
    'GroupNormalization',
    'InstanceNormalization',
    'KERAS_BATCH_NORMALIZATION_MOMENTUM',
    'KERAS_NORMALIZATION_EPSILON',
    'LayerNormalization',
    'advbnTrainStep',
    'ibaAttributionForModel',
    'registerLayers',
  ]);
  // The class names tfjs-layers serializes and looks up.
  expect(
    [layers.GroupNormalization, layers.InstanceNormalization, layers.AddonsInstanceNormalization, layers.AddonsGroupNormalization, layers.BatchNormalization,
      layers.LayerNormalization, layers.AdaIN, layers.EFDM, layers.EFDMix, layers.AdvBN].map((cls) => cls.className),
  ).toEqual(['GroupNormalization', 'InstanceNormalization', 'Addons>InstanceNormalization', 'Addons>GroupNormalization', 'BatchNormalization',
    'LayerNormalization', 'featstats>AdaIN', 'featstats>EFDM', 'featstats>EFDMix', 'featstats>AdvBN']);
  // Keras's defaults (keras.layers.GroupNormalization / BatchNormalization).
  expect([layers.GROUP_NORMALIZATION_GROUPS, layers.KERAS_NORMALIZATION_EPSILON, layers.KERAS_BATCH_NORMALIZATION_MOMENTUM]).toEqual([32, 1e-3, 0.99]);
});
