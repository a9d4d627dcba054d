/** Entries of src/norms: instance, group, layer and batch normalization. */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';

import { batchNorm, groupNorm, instanceNorm, layerNorm } from '../../../src';
import { channelAxis, dataFormatSlot, features, featureSlot, layoutOf, special, tensorOf, withOptions, type AnyEntry, type Features, type Slot } from './types';

const epsilonSlot: Slot = { name: 'epsilon', at: { option: 'epsilon' }, kind: { type: 'number', min: 0, minExclusive: true }, required: false };
const affineSlots = (shape: number[]): Slot[] =>
  ['gamma', 'beta'].map((name) => ({ name, at: { option: name }, kind: { type: 'tensor', validShape: shape, exactShape: true }, required: false }));
const NORM_KEYS = ['epsilon', 'dataFormat', 'gamma', 'beta'];

/** Features with a group count dividing C. */
const grouped = features().chain((f) => {
  const { channels } = layoutOf(f);
  const divisors = Array.from({ length: channels }, (_, i) => i + 1).filter((g) => channels % g === 0);
  return fc.record({ f: fc.constant(f), groups: fc.constantFrom(...divisors), bySize: fc.boolean() });
});

/** Batch-norm cases: with or without moving statistics (Variables, updated when training). */
const batchCase = features({ minPositions: 1 })
  .filter((f) => layoutOf(f).batch * layoutOf(f).positions >= 2)
  .chain((f) => fc.record({ f: fc.constant(f), moving: fc.boolean(), training: fc.boolean() }));
type BatchCase = { f: Features; moving: boolean; training: boolean };

export const normEntries: AnyEntry[] = [
  {
    name: 'instanceNorm',
    base: features(),
    build: (f: Features) => [tensorOf(f.shape, f.seed), { dataFormat: f.dataFormat }],
    call: ([x, options]) => instanceNorm(x as tf.Tensor, options as never),
    slots: (f: Features) => [featureSlot('x', 0, f), dataFormatSlot, epsilonSlot, ...affineSlots([layoutOf(f).channels])],
    options: { at: 1, required: false, keys: NORM_KEYS },
  },
  {
    name: 'groupNorm',
    base: grouped,
    build: ({ f, groups, bySize }: { f: Features; groups: number; bySize: boolean }) => [
      tensorOf(f.shape, f.seed),
      { dataFormat: f.dataFormat, ...(bySize ? { groupSize: layoutOf(f).channels / groups } : { groups }) },
    ],
    call: ([x, options]) => groupNorm(x as tf.Tensor, options as never),
    slots: ({ f, bySize }: { f: Features; bySize: boolean }) => [
      // Dense features [N, C] are valid (F.group_norm).
      featureSlot('x', 0, f, 2),
      dataFormatSlot,
      epsilonSlot,
      ...affineSlots([layoutOf(f).channels]),
      { name: bySize ? 'groupSize' : 'groups', at: { option: bySize ? 'groupSize' : 'groups' }, kind: { type: 'number', min: 1, integer: true }, required: true, alsoNamed: ['options'] },
    ],
    options: { at: 1, required: true, keys: [...NORM_KEYS, 'groups', 'groupSize'], requiredKeys: ['groups', 'groupSize'] },
    specials: ({ f, groups, bySize }: { f: Features; groups: number; bySize: boolean }) => {
      const { channels } = layoutOf(f);
      const nonDivisors = Array.from({ length: channels + 2 }, (_, i) => i + 1).filter((g) => channels % g !== 0);
      return [
        fc.constant(special('both groups and groupSize', ['options'], (args) => withOptions(args, 1, { groups, groupSize: channels / groups }))),
        ...(nonDivisors.length === 0
          ? []
          : [fc.constantFrom(...nonDivisors).map((g) => special(`${g} not dividing C = ${channels}`, [bySize ? 'groupSize' : 'groups'], (args) => withOptions(args, 1, { [bySize ? 'groupSize' : 'groups']: g })))]),
      ];
    },
  },
  {
    name: 'layerNorm',
    base: fc.record({ shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), seed: fc.nat() }),
    build: ({ shape, seed }: { shape: number[]; seed: number }) => [tensorOf(shape, seed), {}],
    call: ([x, options]) => layerNorm(x as tf.Tensor, options as never),
    slots: ({ shape }: { shape: number[] }) => [
      { name: 'x', at: 0, kind: { type: 'tensor', validShape: shape, minRank: 1 }, required: true },
      epsilonSlot,
      ...affineSlots([shape[shape.length - 1] as number]),
    ],
    options: { at: 1, required: false, keys: ['axes', 'epsilon', 'gamma', 'beta'] },
    specials: ({ shape }: { shape: number[] }) => {
      const rank = shape.length;
      return [
        fc
          .constantFrom<unknown>([rank], [-rank - 1], [0, 0], [-1, rank - 1], [], [0.5], ['0'], [null], 0, 'last', [[0]], [, 0]) // eslint-disable-line no-sparse-arrays
          .map((axes) => special(`axes ${JSON.stringify(axes)}`, ['axes'], (args) => withOptions(args, 1, { axes }))),
      ];
    },
  },
  {
    name: 'batchNorm',
    base: batchCase,
    build: ({ f, moving, training }: BatchCase) => {
      const { channels } = layoutOf(f);
      const statistics = moving ? tf.tidy(() => ({ movingMean: tf.variable(tensorOf([channels], f.seed + 1), false), movingVariance: tf.variable(tf.ones([channels]), false) })) : {};
      return [tensorOf(f.shape, f.seed), { dataFormat: f.dataFormat, training: training || !moving, ...statistics }];
    },
    call: ([x, options]) => batchNorm(x as tf.Tensor, options as never),
    slots: ({ f, moving }: BatchCase) => {
      const channels = layoutOf(f).channels;
      const statistic = (name: string): Slot => ({
        name,
        at: { option: name },
        kind: { type: 'tensor', validShape: [channels], exactShape: true },
        required: false,
        // Replacing one of the pair by a bad value may first break the pairing rules.
        alsoNamed: ['movingMean', 'movingVariance'],
      });
      return [
        featureSlot('x', 0, f, 2), // dense features [N, C] are valid (BatchNorm1d)
        dataFormatSlot,
        epsilonSlot,
        ...affineSlots([channels]),
        { name: 'momentum', at: { option: 'momentum' }, kind: { type: 'number', min: 0, max: 1 }, required: false },
        ...(moving ? [statistic('movingMean'), statistic('movingVariance'), { name: 'training', at: { option: 'training' }, kind: { type: 'boolean' }, required: false } as Slot] : []),
      ];
    },
    options: { at: 1, required: false, keys: ['epsilon', 'dataFormat', 'gamma', 'beta', 'training', 'movingMean', 'movingVariance', 'momentum'] },
    specials: ({ f, moving, training }: BatchCase) => {
      const { channels } = layoutOf(f);
      const cases = [
        fc.constant(special('training false without moving statistics', ['movingMean'], (args) => withOptions(args, 1, { training: false, movingMean: undefined, movingVariance: undefined }))),
        fc.constant(special('movingMean without movingVariance', ['movingMean'], (args) => withOptions(args, 1, { movingMean: tf.zeros([channels]), movingVariance: undefined }))),
        fc.constant(special('constant moving statistics while training', ['movingMean', 'movingVariance'], (args) => withOptions(args, 1, { training: true, movingMean: tf.zeros([channels]), movingVariance: tf.ones([channels]) }))),
      ];
      if (training || !moving) {
        cases.push(fc.constant(special('one value per channel while training', ['x'], (args) => [tf.ones(f.shape.map((d, i) => (i === channelAxis(f) ? d : 1))), args[1]])));
      }
      if (moving && training) {
        cases.push(fc.constant(special('one Variable as both moving statistics', ['movingVariance'], (args) => {
          const options = args[1] as { movingMean: tf.Variable };
          return withOptions(args, 1, { movingVariance: options.movingMean });
        })));
      }
      return cases;
    },
    // The moving statistics a throwing call must leave untouched.
    state: ([, options]) => {
      const { movingMean, movingVariance } = (options ?? {}) as { movingMean?: tf.Tensor; movingVariance?: tf.Tensor };
      return [movingMean, movingVariance].map((t) => (t === undefined || t.isDisposed ? null : Array.from(t.dataSync())));
    },
  },
];
