/** Entries of src/attribution: the bottleneck, IBA attribution and the Welford estimator. */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { channelsLast } from '../../reference/layout';

import { ibaAttribution, informationBottleneck, WelfordEstimator } from '../../../src';
import { dataFormatSlot, featureKind, features, imageDataFormatSlot, layoutOf, special, tensorOf, withArg, withOptions, type AnyEntry, type Features, type Slot } from './types';

const sampleSlot = (name: string, at: number | { option: string }, sample: number[], required: boolean): Slot => ({
  name,
  at,
  kind: { type: 'tensor', validShape: sample, exactShape: true },
  required,
});
const positiveSlot = (name: string): Slot => ({ name, at: { option: name }, kind: { type: 'number', min: 0, minExclusive: true }, required: false });
const nonNegativeSlot = (name: string): Slot => ({ name, at: { option: name }, kind: { type: 'number', min: 0 }, required: false });
const seedSlot: Slot = { name: 'seed', at: { option: 'seed' }, kind: { type: 'seed' }, required: false };

/** One image's features `[1, H, W, C]`/`[1, C, H, W]` for IBA. */
const imageFeatures = features({ minRank: 4, maxRank: 4, maxSize: 36 }).map((f) => ({ ...f, shape: [1, ...f.shape.slice(1)] }));

/** logits [B, C] from features: the spatial mean per channel (C classes). */
const meanHead = (f: Features) => (x: tf.Tensor) => {
  const { channels } = layoutOf(f);
  return tf.reshape(tf.mean(x, channelsLast(f.dataFormat) ? [1, 2] : [2, 3]), [-1, channels]);
};

/** An estimator that has seen `samples` samples of shape `sample` (0: a fresh one). */
async function estimator(sample: number[], samples: number, seed: number): Promise<WelfordEstimator> {
  const estimate = new WelfordEstimator();
  if (samples > 0) await estimate.update(tensorOf([samples, ...sample], seed));
  return estimate;
}

/** Welford state, compared before and after a failing call. */
function welfordState(estimate: WelfordEstimator): unknown {
  if (estimate.count === 0) return { count: 0 };
  const read = (t: tf.Tensor) => {
    const values = Array.from(t.dataSync());
    t.dispose();
    return values;
  };
  return { count: estimate.count, mean: read(estimate.mean()), std: estimate.count > 1 ? read(estimate.std()) : null, active: read(estimate.activeMask()) };
}

/** A fresh estimator must still take a batch of any shape after a failing call. */
async function takesAnyShape(estimate: WelfordEstimator): Promise<void> {
  if (estimate.count > 0) return;
  const batch = tf.ones([2, 5]);
  await estimate.update(batch);
  batch.dispose();
  if (estimate.count !== 2) throw new Error(`a fresh estimator took a valid batch after a failing call but counts ${estimate.count}`);
}

type Welford = { sample: number[]; samples: number; seed: number };
const welfordBase = fc.record({ sample: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 2 }), samples: fc.integer({ min: 0, max: 3 }), seed: fc.nat() });

const welfordEntry = (method: string, extra: Omit<AnyEntry, 'name' | 'base' | 'state' | 'stillWorks'>): AnyEntry => ({
  name: `WelfordEstimator.${method}`,
  base: welfordBase,
  state: ([estimate]) => welfordState(estimate as WelfordEstimator),
  stillWorks: async ([estimate]) => takesAnyShape(estimate as WelfordEstimator),
  ...extra,
});

export const attributionEntries: AnyEntry[] = [
  {
    name: 'informationBottleneck',
    base: features({ minRank: 3 }),
    build: (f: Features) => {
      const sample = f.shape.slice(1);
      return [tensorOf(f.shape, f.seed), tf.fill(sample, 5), { mean: tf.zeros(sample), std: tf.ones(sample), dataFormat: f.dataFormat, seed: f.seed }];
    },
    call: ([r, alpha, options]) => informationBottleneck(r as tf.Tensor, alpha as tf.Tensor, options as never),
    slots: (f: Features) => {
      const sample = f.shape.slice(1);
      return [
        { name: 'R', at: 0, kind: featureKind(f.shape, f.dataFormat, true), required: true },
        sampleSlot('alpha', 1, sample, true),
        sampleSlot('mean', { option: 'mean' }, sample, true),
        sampleSlot('std', { option: 'std' }, sample, true),
        sampleSlot('activeMask', { option: 'activeMask' }, sample, false),
        { name: 'noise', at: { option: 'noise' }, kind: { type: 'tensor', validShape: f.shape, exactShape: true }, required: false },
        positiveSlot('minStd'),
        nonNegativeSlot('smoothSigma'),
        seedSlot,
        dataFormatSlot,
      ];
    },
    options: { at: 2, required: true, keys: ['mean', 'std', 'minStd', 'smoothSigma', 'noise', 'seed', 'activeMask', 'dataFormat'], requiredKeys: ['mean', 'std'] },
  },
  {
    name: 'ibaAttribution',
    base: fc.record({ f: imageFeatures, batchSize: fc.integer({ min: 1, max: 2 }) }),
    build: ({ f, batchSize }: { f: Features; batchSize: number }) => {
      const sample = f.shape.slice(1);
      const options = { features: tensorOf(f.shape, f.seed), head: meanHead(f), target: 0, mean: tf.zeros(sample), std: tf.ones(sample), dataFormat: f.dataFormat, steps: 1, batchSize, seed: f.seed };
      return [options];
    },
    call: ([options]) => ibaAttribution(options as never),
    slots: ({ f }: { f: Features }) => {
      const sample = f.shape.slice(1);
      const integer = (name: string, min: number): Slot => ({ name, at: { option: name }, kind: { type: 'number', min, integer: true }, required: false });
      return [
        { name: 'features', at: { option: 'features' }, kind: { type: 'tensor', validShape: f.shape, rank: 4 }, required: true },
        { name: 'head', at: { option: 'head' }, kind: { type: 'function' }, required: true },
        { name: 'target', at: { option: 'target' }, kind: { type: 'number', min: 0, integer: true }, required: true },
        sampleSlot('mean', { option: 'mean' }, sample, true),
        sampleSlot('std', { option: 'std' }, sample, true),
        nonNegativeSlot('beta'),
        integer('steps', 1),
        positiveSlot('learningRate'),
        integer('batchSize', 1),
        nonNegativeSlot('smoothSigma'),
        { name: 'initAlpha', at: { option: 'initAlpha' }, kind: { type: 'number' }, required: false },
        positiveSlot('minStd'),
        seedSlot,
        { name: 'imageSize', at: { option: 'imageSize' }, kind: { type: 'sizes', length: 2 }, required: false },
        imageDataFormatSlot,
      ];
    },
    options: {
      at: 0,
      required: true,
      keys: ['features', 'head', 'target', 'mean', 'std', 'beta', 'steps', 'learningRate', 'batchSize', 'smoothSigma', 'initAlpha', 'minStd', 'seed', 'imageSize', 'dataFormat'],
      requiredKeys: ['features', 'head', 'target', 'mean', 'std'],
    },
    specials: ({ f }: { f: Features }) => {
      const { channels } = layoutOf(f);
      const head = (label: string, value: unknown) => special(label, ['head'], (args) => withOptions(args, 0, { head: value }));
      return [
        fc.constantFrom(
          head('a head returning features', (x: tf.Tensor) => tf.clone(x)),
          head('a head returning a number', () => 1),
          head('a head returning int32 logits', (x: tf.Tensor) => tf.zeros([x.shape[0] as number, 3], 'int32')),
          head('a head returning logits of another batch', () => tf.zeros([7, 3])),
          special('a target beyond the classes', ['target', 'head'], (args) => withOptions(args, 0, { target: channels })),
          special('features of two images', ['features'], (args) => withOptions(args, 0, { features: tf.ones([2, ...f.shape.slice(1)]) })),
        ),
      ];
    },
  },
  welfordEntry('update', {
    build: async ({ sample, samples, seed }: Welford) => [await estimator(sample, samples, seed), tensorOf([2, ...sample], seed + 1)],
    call: ([estimate, batch]) => (estimate as WelfordEstimator).update(batch as tf.Tensor),
    slots: ({ sample }: Welford) => [{ name: 'batch', at: 1, kind: { type: 'tensor', validShape: [2, ...sample], minRank: 1, dtypes: ['float32', 'int32'] }, required: true }],
    specials: ({ sample, samples }: Welford) =>
      samples === 0 ? [] : [fc.constant(special('samples of another shape', ['batch'], (args) => withArg(args, 1, tf.ones([2, ...sample, 2]))))],
  }),
  welfordEntry('merge', {
    // The third estimator, of another sample shape, stands in for other in a bad case.
    build: async ({ sample, samples, seed }: Welford) => [await estimator(sample, samples, seed), await estimator(sample, 2, seed + 1), await estimator([...sample, 2], 2, seed + 2)],
    call: ([estimate, other]) => (estimate as WelfordEstimator).merge(other as WelfordEstimator),
    slots: () => [],
    specials: ({ sample, samples }: Welford) => [
      fc.constantFrom(
        special('null', ['other'], (args) => withArg(args, 1, null)),
        special('undefined', ['other'], (args) => withArg(args, 1, undefined)),
        special('{}', ['other'], (args) => withArg(args, 1, {})),
        special('an object shaped like an estimator', ['other'], (args) => withArg(args, 1, { count: 2, mean: () => tf.zeros(sample) })),
        special('a tensor', ['other'], (args) => withArg(args, 1, tf.zeros([2]))),
      ),
      ...(samples === 0 ? [] : [fc.constant(special('an estimator of another sample shape', ['other'], (args) => withArg(args, 1, args[2])))]),
    ],
  }),
  welfordEntry('activeMask', {
    build: async ({ sample, seed }: Welford) => [await estimator(sample, 2, seed)],
    call: ([estimate, threshold]) => (estimate as WelfordEstimator).activeMask(threshold as number),
    slots: () => [{ name: 'threshold', at: 1, kind: { type: 'number', min: 0, max: 1 }, required: false }],
  }),
  ...(['mean', 'std'] as const).map((method) =>
    welfordEntry(method, {
      build: async ({ sample, seed }: Welford) => [await estimator(sample, method === 'mean' ? 0 : 1, seed)],
      call: ([estimate]) => (estimate as WelfordEstimator)[method](),
      slots: () => [],
      specials: () => [fc.constant(special('too few samples seen', ['estimator'], (args) => args))],
    }),
  ),
];
