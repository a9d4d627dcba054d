/** Entries of src/ops: statistics, AdaIN, sorting, EFDM, EFDMix, AdvBN. */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';

import { adain, adversarialMeanStd, argsort, channelVariance, efdm, efdmix, meanStd, perturbMeanStd, sort } from '../../../src';
import {
  channelAxis,
  dataFormatSlot,
  features,
  featureSlot,
  layoutOf,
  resized,
  special,
  tensorOf,
  withArg,
  withOptions,
  type AnyEntry,
  type Features,
  type Slot,
} from './types';

const epsilonSlot = (min: { min: number; minExclusive?: boolean }): Slot => ({ name: 'epsilon', at: { option: 'epsilon' }, kind: { type: 'number', ...min }, required: false });
const booleanSlot = (name: string): Slot => ({ name, at: { option: name }, kind: { type: 'boolean' }, required: false });
const alphaSlot: Slot = { name: 'alpha', at: { option: 'alpha' }, kind: { type: 'number', min: 0, max: 1 }, required: false };

/** Bad style tensors for a content: other channels, another batch (not 1), another rank. */
function mismatchedStyles(f: Features) {
  const { batch, channels } = layoutOf(f);
  const cases = [
    fc.constant(special('style with other channels', ['style'], (args) => withArg(args, 1, tf.ones(resized(f, channelAxis(f), channels + 1))))),
    fc.constant(special('style of another rank', ['style'], (args) => withArg(args, 1, tf.ones([...f.shape, 1])))),
  ];
  if (batch >= 2) cases.push(fc.constant(special('style with a batch neither N nor 1', ['style'], (args) => withArg(args, 1, tf.ones(resized(f, 0, batch + 1))))));
  return cases;
}

/** A features case with one spatial position (unbiased statistics need two). */
const onePosition = (f: Features, arg: string, at: number) =>
  fc.constant(special(`${arg} with one position (unbiased)`, [arg], (args) => withArg(args, at, tf.ones(f.shape.map((d, i) => (i === 0 || i === channelAxis(f) ? d : 1))))));

/** EFDM's tie policy. */
const tiesSlot: Slot = { name: 'ties', at: { option: 'ties' }, kind: { type: 'choice', choices: ['stable', 'random'] }, required: false };

export const opEntries: AnyEntry[] = [
  {
    name: 'meanStd',
    base: features({ minPositions: 2 }),
    build: (f: Features) => [tensorOf(f.shape, f.seed), { dataFormat: f.dataFormat }],
    call: ([x, options]) => meanStd(x as tf.Tensor, options as never),
    slots: (f: Features) => [featureSlot('x', 0, f), dataFormatSlot, epsilonSlot({ min: 0 }), booleanSlot('unbiased')],
    options: { at: 1, required: false, keys: ['dataFormat', 'epsilon', 'unbiased'] },
    specials: (f: Features) => [onePosition(f, 'x', 0)],
  },
  {
    name: 'adain',
    base: features({ minPositions: 2 }),
    build: (f: Features) => [tensorOf(f.shape, f.seed), tensorOf(f.shape, f.seed + 1, 3), { dataFormat: f.dataFormat }],
    call: ([content, style, options]) => adain(content as tf.Tensor, style as tf.Tensor, options as never),
    slots: (f: Features) => [featureSlot('content', 0, f), featureSlot('style', 1, f), dataFormatSlot, epsilonSlot({ min: 0 }), booleanSlot('unbiased'), alphaSlot],
    options: { at: 2, required: false, keys: ['dataFormat', 'epsilon', 'unbiased', 'alpha'] },
    specials: (f: Features) => [...mismatchedStyles(f), onePosition(f, 'content', 0), onePosition(f, 'style', 1)],
  },
  ...(['sort', 'argsort'] as const).map((name): AnyEntry => ({
    name,
    base: fc.record({ shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), int: fc.boolean(), seed: fc.nat() }),
    build: ({ shape, int, seed }: { shape: number[]; int: boolean; seed: number }) => [int ? tf.cast(tensorOf(shape, seed, 9), 'int32') : tensorOf(shape, seed), {}],
    call: ([x, options]) => (name === 'sort' ? sort : argsort)(x as tf.Tensor, options as never),
    slots: ({ shape }: { shape: number[] }) => [
      { name: 'x', at: 0, kind: { type: 'tensor', validShape: shape, minRank: 1, dtypes: ['float32', 'int32'] }, required: true },
      booleanSlot('descending'),
    ],
    options: { at: 1, required: false, keys: ['descending'] },
  })),
  {
    name: 'efdm',
    base: features(),
    // Random ties, so that the seed is a valid option (with 'stable' a seed is an error).
    build: (f: Features) => [tensorOf(f.shape, f.seed), tensorOf(f.shape, f.seed + 1), { dataFormat: f.dataFormat, ties: 'random', seed: f.seed }],
    call: ([content, style, options]) => efdm(content as tf.Tensor, style as tf.Tensor, options as never),
    slots: (f: Features) => [featureSlot('content', 0, f), featureSlot('style', 1, f), dataFormatSlot, alphaSlot, tiesSlot, { name: 'seed', at: { option: 'seed' }, kind: { type: 'seed' }, required: false }],
    options: { at: 2, required: false, keys: ['dataFormat', 'alpha', 'ties', 'seed'] },
    specials: mismatchedStyles,
  },
  {
    name: 'efdmix',
    base: features(),
    build: (f: Features) => [tensorOf(f.shape, f.seed), { dataFormat: f.dataFormat, p: 1, seed: f.seed, ...(f.seed % 2 === 0 ? { ties: 'random' } : {}) }],
    call: ([x, options]) => efdmix(x as tf.Tensor, options as never),
    slots: (f: Features) => [
      featureSlot('x', 0, f),
      dataFormatSlot,
      { name: 'p', at: { option: 'p' }, kind: { type: 'number', min: 0, max: 1 }, required: false },
      { name: 'alpha', at: { option: 'alpha' }, kind: { type: 'number', min: 0, minExclusive: true }, required: false },
      { name: 'mode', at: { option: 'mode' }, kind: { type: 'choice', choices: ['random', 'crossdomain'] }, required: false },
      { name: 'seed', at: { option: 'seed' }, kind: { type: 'seed' }, required: false },
      booleanSlot('training'),
      tiesSlot,
    ],
    options: { at: 1, required: false, keys: ['dataFormat', 'p', 'alpha', 'mode', 'seed', 'training', 'ties'] },
    specials: (f: Features) =>
      layoutOf(f).batch % 2 === 1 ? [fc.constant(special('crossdomain with an odd batch', ['x'], (args) => withOptions(args, 1, { mode: 'crossdomain' })))] : [],
  },
  {
    name: 'perturbMeanStd',
    base: features(),
    build: (f: Features) => {
      const { channels } = layoutOf(f);
      return [tensorOf(f.shape, f.seed), tensorOf([channels], f.seed + 1), tensorOf([channels], f.seed + 2), { dataFormat: f.dataFormat }];
    },
    call: ([x, m, s, options]) => perturbMeanStd(x as tf.Tensor, m as tf.Tensor, s as tf.Tensor, options as never),
    slots: (f: Features) => {
      const scale = (name: string, at: number): Slot => ({ name, at, kind: { type: 'tensor', validShape: [layoutOf(f).channels], exactShape: true }, required: true });
      return [featureSlot('x', 0, f), scale('meanScale', 1), scale('stdScale', 2), dataFormatSlot, booleanSlot('relu')];
    },
    options: { at: 3, required: false, keys: ['dataFormat', 'relu'] },
  },
  {
    name: 'adversarialMeanStd',
    base: features({ maxSize: 24 }),
    build: (f: Features) => [tensorOf(f.shape, f.seed), (y: tf.Tensor) => channelVariance(y, { dataFormat: f.dataFormat }), { dataFormat: f.dataFormat, steps: 1 }],
    call: ([x, loss, options]) => adversarialMeanStd(x as tf.Tensor, loss as never, options as never),
    slots: (f: Features) => [
      featureSlot('x', 0, f),
      { name: 'loss', at: 1, kind: { type: 'function' }, required: true },
      { name: 'steps', at: { option: 'steps' }, kind: { type: 'number', min: 0, integer: true }, required: false },
      { name: 'stepSize', at: { option: 'stepSize' }, kind: { type: 'number', min: 0 }, required: false },
      { name: 'epsilon', at: { option: 'epsilon' }, kind: { type: 'number', min: 0 }, required: false },
      booleanSlot('relu'),
      dataFormatSlot,
    ],
    options: { at: 2, required: false, keys: ['steps', 'stepSize', 'epsilon', 'relu', 'dataFormat'] },
    specials: () => [
      fc.constantFrom(
        special('a loss returning a number', ['loss'], (args) => withArg(args, 1, () => 1)),
        special('a loss returning nothing', ['loss'], (args) => withArg(args, 1, () => undefined)),
        special('a loss returning the features', ['loss'], (args) => withArg(args, 1, (y: tf.Tensor) => tf.clone(y))),
        special('a loss returning an int32 scalar', ['loss'], (args) => withArg(args, 1, () => tf.scalar(1, 'int32'))),
        // A scalar that does not depend on the perturbed features: no gradient to ascend.
        special('a loss independent of its input', ['loss'], (args) => withArg(args, 1, () => tf.scalar(0))),
      ),
    ],
  },
];
