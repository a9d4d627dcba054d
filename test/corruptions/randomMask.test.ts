import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { randomMask, type RandomMaskOptions } from '../../src/corruptions';
import { drawMasks, removedCount } from '../../src/corruptions/randomMask';
import { makeValues } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, maxAbs, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { expectedRemovedCount, maskReference, zeroPositions } from '../reference/corruptions';
import { dims } from '../reference/layout';
import { imageCase, sameInBothLayouts, valueOrRange } from './images';

const FRACTIONS = [0, 0.07, 0.1, 0.25, 0.29, 0.5, 0.57, 0.9, 0.99, 1];

describe('randomMask draws', () => {
  it('counts ⌊L·f⌋ exactly for decimal fractions, where the float64 product falls just short', () => {
    expect(100 * 0.29).toBeLessThan(29);
    expect(removedCount(100, 0.29)).toBe(29);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 1000 }), (positions, permille) => {
        expect(removedCount(positions, permille / 1000)).toBe(expectedRemovedCount(positions, permille / 1000));
      }),
      runs(200),
    );
  });

  it('draws the same masks for a seed, others for another, and the first images whatever the batch', () => {
    const masks = drawMasks(8, 50, [0.2, 0.7], 42);
    expect(drawMasks(8, 50, [0.2, 0.7], 42)).toEqual(masks);
    expect(drawMasks(8, 50, [0.2, 0.7], 43)).not.toEqual(masks);
    expect(drawMasks(3, 50, [0.2, 0.7], 42)).toEqual(masks.subarray(0, 150));
  });

  it('removes every position and every pair of positions equally often (uniform subsets)', () => {
    // 6000 images of L = 12 with k = 3 removed: each position is removed with probability
    // k/L = 1/4 (expected 1500, standard error 33.5) and each pair with k(k−1)/(L(L−1))
    // = 1/22 (expected 272.7, standard error 16.1); bounds are 5 standard errors.
    const [images, positions] = [6000, 12];
    const masks = drawMasks(images, positions, [0.25, 0.25], 7);
    const single = new Array<number>(positions).fill(0);
    const pairs = new Array<number>(positions * positions).fill(0);
    for (let n = 0; n < images; n++) {
      const removed = Array.from({ length: positions }, (_, l) => l).filter((l) => masks[n * positions + l] === 0);
      expect(removed.length).toBe(3);
      for (const i of removed) {
        single[i] = (single[i] as number) + 1;
        for (const j of removed) if (i < j) pairs[i * positions + j] = (pairs[i * positions + j] as number) + 1;
      }
    }
    for (const count of single) expect(Math.abs(count - 1500)).toBeLessThan(5 * 33.5);
    for (let i = 0; i < positions; i++) {
      for (let j = i + 1; j < positions; j++) expect(Math.abs((pairs[i * positions + j] as number) - 6000 / 22)).toBeLessThan(5 * 16.1);
    }
  });

  it('draws each image its own fraction, uniformly over the range', () => {
    // 2000 images of L = 1000 with f ~ U[0.2, 0.6): k/L has mean 0.4 − 0.0005 (the floor)
    // and standard deviation 0.4/√12, so its sample mean has standard error 0.0026.
    const [images, positions] = [2000, 1000];
    const masks = drawMasks(images, positions, [0.2, 0.6], 11);
    const fractions = Array.from({ length: images }, (_, n) => masks.subarray(n * positions, (n + 1) * positions).reduce((a, m) => a + (1 - m), 0) / positions);
    const mean = fractions.reduce((a, b) => a + b, 0) / images;
    expect(Math.abs(mean - 0.3995)).toBeLessThan(5 * 0.0026);
    expect(Math.min(...fractions)).toBeGreaterThanOrEqual(0.2);
    expect(Math.max(...fractions)).toBeLessThanOrEqual(0.6);
    expect(Math.min(...fractions)).toBeLessThan(0.21);
    expect(Math.max(...fractions)).toBeGreaterThan(0.59);
  });
});

describeBackendsBothPaths('randomMask', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('rejects bad input with a featstats.randomMask message and leaks nothing', async () => {
    const [images, flat, ints] = [tf.ones([2, 4, 4, 3]), tf.ones([4, 4]), tf.ones([2, 4, 4, 3], 'bool')];
    const fractionError = (got: string) => new RegExp(`^featstats\\.randomMask: fraction must be a finite number in \\[0, 1\\] or a range \\[lo, hi\\] with 0 <= lo <= hi <= 1 but got ${got}$`);
    await expectThrowsWithoutLeak(() => randomMask(images, { fraction: 1.5 }), fractionError('1\\.5'));
    await expectThrowsWithoutLeak(() => randomMask(images, { fraction: -0.1 }), fractionError('-0\\.1'));
    await expectThrowsWithoutLeak(() => randomMask(images, { fraction: [0.6, 0.4] }), fractionError('\\[0\\.6,0\\.4\\]'));
    await expectThrowsWithoutLeak(() => randomMask(images, { fraction: [0, 2] }), fractionError('\\[0,2\\]'));
    await expectThrowsWithoutLeak(() => randomMask(images, { fraction: [0.5] as unknown as number }), fractionError('\\[0\\.5\\]'));
    await expectThrowsWithoutLeak(() => randomMask(images, { fraction: Number.NaN }), fractionError('NaN'));
    await expectThrowsWithoutLeak(() => randomMask(images, {} as RandomMaskOptions), fractionError('undefined'));
    await expectThrowsWithoutLeak(() => randomMask(images, { fraction: 0.5, seed: 1.5 }), /^featstats\.randomMask: seed must be an integer >= -2147483648 and <= 4294967295 but got 1\.5$/);
    await expectThrowsWithoutLeak(() => randomMask(images, { fraction: 0.5, percent: 1 } as RandomMaskOptions), /^featstats\.randomMask: options must only name fraction, seed, dataFormat but got 'percent'$/);
    await expectThrowsWithoutLeak(() => randomMask(images, { fraction: 0.5, dataFormat: 'HWC' as 'NHWC' }), /^featstats\.randomMask: dataFormat must be 'NHWC', 'NCHW', 'NWC' or 'NCW' but got "HWC"$/);
    await expectThrowsWithoutLeak(() => randomMask(flat, { fraction: 0.5 }), /^featstats\.randomMask: images must have rank >= 4 \(\[N, \.\.\.S, C\]\) for dataFormat 'NHWC' but got rank 2 \(shape \[4,4\]\)$/);
    await expectThrowsWithoutLeak(() => randomMask(ints, { fraction: 0.5 }), /^featstats\.randomMask: images must be a float32 or int32 tensor but got bool \(shape \[2,4,4,3\]\)$/);
    tf.dispose([images, flat, ints]);
  });

  it('removes exactly ⌊L·f⌋ positions per image, the same in every channel, sets them to 0 and keeps the rest', async () => {
    await fc.assert(
      fc.asyncProperty(imageCase(), valueOrRange(FRACTIONS), async (image, { option, lo, hi }) => {
        const out = await readAndDispose(randomMask(tf.tensor(image.values, image.shape), { fraction: option, seed: image.seed, dataFormat: image.dataFormat }));
        const { positions } = dims(image.shape, image.dataFormat);
        for (const channels of zeroPositions(out, image.shape, image.dataFormat)) {
          const removed = channels[0] as number[];
          for (const other of channels) expect(other).toEqual(removed);
          expect(removed.length).toBeGreaterThanOrEqual(expectedRemovedCount(positions, lo));
          expect(removed.length).toBeLessThanOrEqual(expectedRemovedCount(positions, hi));
          if (lo === hi) expect(removed.length).toBe(expectedRemovedCount(positions, lo));
        }
        // Every other value is the input's, bit for bit.
        out.forEach((v, i) => v !== 0 && expect(v).toBe(image.values[i]));
        const mask = drawMasks(dims(image.shape, image.dataFormat).batch, positions, [lo, hi], image.seed);
        expect(Array.from(out)).toEqual(Array.from(maskReference(image.values, image.shape, image.dataFormat, mask)));
      }),
      runs(40),
    );
  });

  it('removes the same positions in NHWC and NCHW', async () => {
    await fc.assert(sameInBothLayouts(valueOrRange(FRACTIONS), (x, dataFormat, { option }, seed) => randomMask(x, { fraction: option, seed, dataFormat })), runs(15));
  });

  it('keeps everything for fraction 0 and removes everything for fraction 1', async () => {
    const images = tf.randomUniform([2, 5, 3, 2], 0.1, 1);
    const values = Array.from(await images.data());
    expect(Array.from(await readAndDispose(randomMask(images, { fraction: 0 })))).toEqual(values);
    expect(Array.from(await readAndDispose(randomMask(images, { fraction: 1 })))).toEqual(values.map(() => 0));
    images.dispose();
  });

  it('reproduces its masks with a seed and draws afresh without one', async () => {
    const images = tf.ones([4, 8, 8, 3]);
    const run = (options: RandomMaskOptions) => readAndDispose(randomMask(images, options)).then((v) => Array.from(v));
    expect(await run({ fraction: [0.1, 0.9], seed: 3 })).toEqual(await run({ fraction: [0.1, 0.9], seed: 3 }));
    expect(await run({ fraction: [0.1, 0.9], seed: 3 })).not.toEqual(await run({ fraction: [0.1, 0.9], seed: 4 }));
    expect(await run({ fraction: 0.5 })).not.toEqual(await run({ fraction: 0.5 }));
    // A number v and the range [v, v] draw alike.
    expect(await run({ fraction: 0.3, seed: 5 })).toEqual(await run({ fraction: [0.3, 0.3], seed: 5 }));
    images.dispose();
  });

  it('has the gradient dy ⊙ m', async () => {
    await fc.assert(
      fc.asyncProperty(imageCase({ maxSize: 512 }), valueOrRange(FRACTIONS), async (image, { option, lo, hi }) => {
        const dy = makeValues(image.shape, 'NHWC', 'spread', 1, image.seed >>> 1);
        const { batch, positions } = dims(image.shape, image.dataFormat);
        const expected = maskReference(dy, image.shape, image.dataFormat, drawMasks(batch, positions, [lo, hi], image.seed));
        const [x, dyTensor] = [tf.tensor(image.values, image.shape), tf.tensor(dy, image.shape)];
        await expectNoLeak(async () => {
          const gradient = tf.grad((input: tf.Tensor) => randomMask(input, { fraction: option, seed: image.seed, dataFormat: image.dataFormat }))(x, dyTensor);
          expect(gradient.shape).toEqual(image.shape);
          expectClose(await readAndDispose(gradient), expected, tolerance.gradient, maxAbs(dy));
        });
        tf.dispose([x, dyTensor]);
      }),
      runs(30),
    );
  });

  it('leaks no tensor through forward, backward and array inputs', async () => {
    const images = tf.randomUniform([2, 6, 6, 3]);
    await expectNoLeak(() => {
      const out = randomMask(images, { fraction: [0.2, 0.8], seed: 1 });
      const gradient = tf.grad((x: tf.Tensor) => randomMask(x, { fraction: 0.5, seed: 2, dataFormat: 'NCHW' }))(images);
      const fromArrays = randomMask([[[1], [2], [3]]], { fraction: 0.5, seed: 3, dataFormat: 'NWC' });
      tf.dispose([out, gradient, fromArrays]);
    });
    images.dispose();
  });
});
