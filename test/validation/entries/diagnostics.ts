/** Entries of src/diagnostics: the "Beyond BatchNorm" probes and `probe`. */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';

import { activationSimilarity, channelVariance, cosineSimilarityMatrix, instanceNorm, probe, stableRank } from '../../../src';
import { dataFormatSlot, featureKind, features, special, tensorOf, withArg, type AnyEntry, type Features } from './types';

/** Activations `[N, ...]` of rank 2–4. */
const activations = (minBatch: number) =>
  fc.record({
    shape: fc.tuple(fc.integer({ min: minBatch, max: 4 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })).map(([n, rest]) => [n, ...rest]),
    seed: fc.nat(),
  });
type Activations = { shape: number[]; seed: number };

const activationEntry = (name: string, op: (x: tf.Tensor) => tf.Tensor, minBatch: number): AnyEntry => ({
  name,
  base: activations(minBatch),
  build: ({ shape, seed }: Activations) => [tensorOf(shape, seed)],
  call: ([x]) => op(x as tf.Tensor),
  slots: ({ shape }: Activations) => [{ name: 'x', at: 0, kind: { type: 'tensor', validShape: shape, minRank: 2 }, required: true }],
  ...(minBatch > 1 ? { specials: () => [fc.constant(special('a single sample', ['x'], (args) => withArg(args, 0, tf.ones([1, 3]))))] } : {}),
});

export const diagnosticEntries: AnyEntry[] = [
  activationEntry('cosineSimilarityMatrix', cosineSimilarityMatrix, 1),
  activationEntry('activationSimilarity', activationSimilarity, 2),
  activationEntry('stableRank', stableRank, 1),
  {
    name: 'channelVariance',
    // Rank 3 under the default 'NHWC' is ambiguous (one image or sequences) and rejected.
    base: activations(2).filter(({ shape }) => shape.length !== 3),
    build: ({ shape, seed }: Activations) => [tensorOf(shape, seed), {}],
    call: ([x, options]) => channelVariance(x as tf.Tensor, options as never),
    slots: ({ shape }: Activations) => [{ name: 'x', at: 0, kind: featureKind(shape, 'NHWC', true), required: true }, dataFormatSlot],
    options: { at: 1, required: false, keys: ['dataFormat'] },
    specials: () => [fc.constant(special('one value per channel', ['x'], (args) => withArg(args, 0, tf.ones([1, 3]))))],
  },
  {
    name: 'probe',
    base: features({ minPositions: 1 }).filter((f) => (f.shape[0] as number) >= 2),
    build: (f: Features) => [
      [(x: tf.Tensor) => instanceNorm(x, { dataFormat: f.dataFormat })],
      tensorOf(f.shape, f.seed),
      (y: tf.Tensor) => activationSimilarity(y),
      { dataFormat: f.dataFormat },
    ],
    call: ([layers, input, loss, options]) => probe(layers as never, input as tf.Tensor, loss as never, options as never),
    slots: (f: Features) => [
      // The input goes to the caller's layers, which decide what they accept: probe
      // itself only requires a float32 tensor (no rank or emptiness corruptions).
      { name: 'input', at: 1, kind: { type: 'tensor', validShape: f.shape, nonEmpty: false }, required: true },
      { name: 'loss', at: 2, kind: { type: 'function' }, required: true },
      dataFormatSlot,
    ],
    options: { at: 3, required: false, keys: ['dataFormat'] },
    specials: () => {
      const layer = (label: string, layerValue: unknown) => special(label, ['layers'], (args) => withArg(args, 0, layerValue));
      const loss = (label: string, lossValue: unknown) => special(label, ['loss'], (args) => withArg(args, 2, lossValue));
      return [
        fc.constantFrom(
          layer('no layers', []),
          layer('layers not an array', (x: tf.Tensor) => x),
          layer('layers null', null),
          layer('a layer that is a number', [42]),
          layer('a layer that is null', [null]),
          layer('a sparse layer array', [(x: tf.Tensor) => x, , (x: tf.Tensor) => x]), // eslint-disable-line no-sparse-arrays
          layer('a layer object without apply', [{ call: () => 1 }]),
          layer('a layer returning an array', [() => [1, 2]]),
          layer('a layer returning nothing', [() => undefined]),
          layer('a layer returning rank 1', [() => tf.ones([4])]),
          layer('a layer returning one sample', [() => tf.ones([1, 3])]),
          layer('a layer returning int32', [() => tf.ones([2, 3], 'int32')]),
          layer('a layer returning an empty batch', [() => tf.ones([2, 0])]),
          loss('a loss returning a vector', (y: tf.Tensor) => tf.clone(y)),
          loss('a loss returning a number', () => 0),
          loss('a loss returning an int32 scalar', () => tf.scalar(0, 'int32')),
          // A scalar that does not depend on the activations: no gradient to read.
          loss('a loss independent of its input', () => tf.scalar(0)),
        ),
      ];
    },
  },
];
