import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { gaussianNoise, type GaussianNoiseOptions } from '../../src/corruptions';
import { drawNoise } from '../../src/corruptions/gaussianNoise';
import { seededUniform } from '../../src/_internal/random';
import { fillStandardNormal } from '../../src/_internal/sampling';
import { makeValues } from '../helpers/arbitraries';
import { expectNoLeak, expectThrowsWithoutLeak, readAndDispose } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';
import { runs } from '../helpers/properties';
import type { DataFormat } from '../reference/layout';
import { imageCase, sameInBothLayouts, valueOrRange } from './images';

const STDS = [0, 0.01, 0.1, 0.5, 2];

/** Sample mean and unbiased variance. */
function moments(values: ArrayLike<number>): [number, number] {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i] as number;
  mean /= values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += ((values[i] as number) - mean) ** 2;
  return [mean, squares / (values.length - 1)];
}

describe('gaussianNoise draws', () => {
  it('draws standard normals: moments, mass within 1σ and 2σ, independent pairs', () => {
    // n = 200000 draws; each bound is 5 standard errors of its statistic: mean 1/√n,
    // variance √(2/n), E z³ √(15/n), E z⁴ √(96/n), a probability p √(p(1 − p)/n), and
    // the product of the two variates of a Box–Muller pair √(2/n).
    const n = 200_000;
    const z = fillStandardNormal(new Float64Array(n), seededUniform(1));
    const [mean, variance] = moments(z);
    const average = (f: (v: number) => number) => z.reduce((a, v) => a + f(v), 0) / n;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(average((v) => v ** 3))).toBeLessThan(5 * Math.sqrt(15 / n));
    expect(Math.abs(average((v) => v ** 4) - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    for (const [k, p] of [[1, 0.682689], [2, 0.9545]] as const) {
      expect(Math.abs(average((v) => (Math.abs(v) < k ? 1 : 0)) - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    }
    let pairProduct = 0;
    for (let i = 0; i < n; i += 2) pairProduct += (z[i] as number) * (z[i + 1] as number);
    expect(Math.abs(pairProduct / (n / 2))).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(z.every(Number.isFinite)).toBe(true);
  });

  it('scales each image by its own σ, drawn uniformly from the range', () => {
    // 500 images of 4096 values: a sample std has relative standard error 1/√(2·4096) =
    // 0.011, so each image's lies within 5.5 % of a σ in [0.1, 0.3); a mean has standard
    // error σ/64.
    const [images, size] = [500, 4096];
    const noise = drawNoise([images, 64, 64, 1], 'NHWC', [0.1, 0.3], 9);
    const stds: number[] = [];
    for (let n = 0; n < images; n++) {
      const [mean, variance] = moments(noise.subarray(n * size, (n + 1) * size));
      stds.push(Math.sqrt(variance));
      expect(Math.abs(mean)).toBeLessThan((5 * 0.3) / 64);
      expect(Math.sqrt(variance)).toBeGreaterThan(0.1 * (1 - 0.055));
      expect(Math.sqrt(variance)).toBeLessThan(0.3 * (1 + 0.055));
    }
    expect(Math.min(...stds)).toBeLessThan(0.11);
    expect(Math.max(...stds)).toBeGreaterThan(0.29);
  });

  it('draws the documented stream: per image σ, then Box–Muller normals (fillStandardNormal) in [...S, C] order', () => {
    // drawNoise writes its draws straight into place; this is the same stream composed
    // plainly from the seeded generator and fillStandardNormal, which must agree bit for bit.
    function composed(shape: number[], dataFormat: DataFormat, [lo, hi]: [number, number], seed: number): Float32Array {
      const [batch = 1, ...rest] = shape;
      const channels = (dataFormat === 'NHWC' ? rest[rest.length - 1] : rest[0]) as number;
      const positions = rest.reduce((a, b) => a * b, 1) / channels;
      const uniform = seededUniform(seed);
      const out = new Float32Array(batch * positions * channels);
      for (let n = 0; n < batch; n++) {
        const sigma = lo === hi ? lo : lo + (hi - lo) * uniform();
        const draws = fillStandardNormal(new Float64Array(positions * channels), uniform);
        for (let l = 0; l < positions; l++) {
          for (let c = 0; c < channels; c++) {
            const at = dataFormat === 'NHWC' ? l * channels + c : c * positions + l;
            out[n * positions * channels + at] = sigma * (draws[l * channels + c] as number);
          }
        }
      }
      return out;
    }
    fc.assert(
      fc.property(
        fc.constantFrom<DataFormat>('NHWC', 'NCHW'),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 5 }),
        fc.constantFrom<[number, number]>([0.5, 0.5], [0.1, 2]),
        fc.integer(),
        (dataFormat, shape, std, seed) => {
          expect(drawNoise(shape, dataFormat, std, seed)).toEqual(composed(shape, dataFormat, std, seed));
        },
      ),
      runs(60),
    );
    // Images past one fill of the generator (8192 uniforms), with an odd size: the fills'
    // boundaries and the unused second draw of the last pair.
    for (const dataFormat of ['NHWC', 'NCHW'] as const) {
      const shape = dataFormat === 'NHWC' ? [2, 91, 91, 3] : [2, 3, 91, 91];
      expect(drawNoise(shape, dataFormat, [0.1, 2], 77)).toEqual(composed(shape, dataFormat, [0.1, 2], 77));
    }
  });

  it('draws the same noise for a seed, other noise for another, and the first images whatever the batch', () => {
    const noise = drawNoise([4, 5, 3, 2], 'NHWC', [0.1, 1], 42);
    expect(drawNoise([4, 5, 3, 2], 'NHWC', [0.1, 1], 42)).toEqual(noise);
    expect(drawNoise([4, 5, 3, 2], 'NHWC', [0.1, 1], 43)).not.toEqual(noise);
    expect(drawNoise([2, 5, 3, 2], 'NHWC', [0.1, 1], 42)).toEqual(noise.subarray(0, 60));
  });
});

describeBackends('gaussianNoise', () => {
  it('rejects bad input with a featstats.gaussianNoise message and leaks nothing', async () => {
    const [images, flat] = [tf.ones([2, 4, 4, 3]), tf.ones([4, 4])];
    const stdError = (got: string) => new RegExp(`^featstats\\.gaussianNoise: std must be a finite number >= 0 or a range \\[lo, hi\\] with 0 <= lo <= hi but got ${got}$`);
    await expectThrowsWithoutLeak(() => gaussianNoise(images, { std: -0.1 }), stdError('-0\\.1'));
    await expectThrowsWithoutLeak(() => gaussianNoise(images, { std: [0.3, 0.1] }), stdError('\\[0\\.3,0\\.1\\]'));
    await expectThrowsWithoutLeak(() => gaussianNoise(images, { std: [-1, 1] }), stdError('\\[-1,1\\]'));
    await expectThrowsWithoutLeak(() => gaussianNoise(images, { std: Number.POSITIVE_INFINITY }), stdError('Infinity'));
    await expectThrowsWithoutLeak(() => gaussianNoise(images, {} as GaussianNoiseOptions), stdError('undefined'));
    await expectThrowsWithoutLeak(() => gaussianNoise(images, { std: 0.1, seed: Number.NaN }), /^featstats\.gaussianNoise: seed must be an integer >= -2147483648 and <= 4294967295 but got NaN$/);
    await expectThrowsWithoutLeak(() => gaussianNoise(images, { std: 0.1, sigma: 1 } as GaussianNoiseOptions), /^featstats\.gaussianNoise: options must only name std, seed, dataFormat but got 'sigma'$/);
    await expectThrowsWithoutLeak(() => gaussianNoise(flat, { std: 0.1, dataFormat: 'NCHW' }), /^featstats\.gaussianNoise: images must have rank >= 4 \(\[N, C, \.\.\.S\]\) for dataFormat 'NCHW' but got rank 2 \(shape \[4,4\]\)$/);
    tf.dispose([images, flat]);
  });

  it('adds the host-drawn noise bit for bit, so a seed gives the same result on every backend', async () => {
    await fc.assert(
      fc.asyncProperty(imageCase(), valueOrRange(STDS), async (image, { option, lo, hi }) => {
        const out = await readAndDispose(gaussianNoise(tf.tensor(image.values, image.shape), { std: option, seed: image.seed, dataFormat: image.dataFormat }));
        const noise = drawNoise(image.shape, image.dataFormat, [lo, hi], image.seed);
        // A float32 sum is the float64 sum rounded once (53 ≥ 2·24 + 2 bits).
        expect(Array.from(out)).toEqual(Array.from(image.values, (x, i) => Math.fround(x + (noise[i] as number))));
      }),
      runs(40),
    );
  });

  it('adds noise of mean 0 and variance σ² to every image (seeded)', async () => {
    // 3 images of 12288 values at σ = 0.05, 0.2, 1 (three seeds): standard errors of the
    // mean σ/111 and of the variance σ²·√(2/12287) = 0.0128·σ²; bounds are 5 of them.
    const images = tf.fill([1, 64, 64, 3], 0.5);
    for (const [std, seed] of [[0.05, 1], [0.2, 2], [1, 3]] as const) {
      const out = await readAndDispose(gaussianNoise(images, { std, seed }));
      const [mean, variance] = moments(Float64Array.from(out, (v) => v - 0.5));
      expect(Math.abs(mean)).toBeLessThan((5 * std) / 111);
      expect(Math.abs(variance - std ** 2)).toBeLessThan(5 * 0.0128 * std ** 2);
    }
    images.dispose();
  });

  it('adds the same noise in NHWC and NCHW', async () => {
    await fc.assert(sameInBothLayouts(valueOrRange(STDS), (x, dataFormat, { option }, seed) => gaussianNoise(x, { std: option, seed, dataFormat })), runs(15));
  });

  it('returns the images unchanged for std 0, reproduces with a seed and draws afresh without one', async () => {
    const images = tf.randomUniform([3, 6, 6, 2]);
    const run = (options: GaussianNoiseOptions) => readAndDispose(gaussianNoise(images, options)).then((v) => Array.from(v));
    expect(await run({ std: 0 })).toEqual(Array.from(await images.data()));
    expect(await run({ std: [0.1, 0.5], seed: 3 })).toEqual(await run({ std: [0.1, 0.5], seed: 3 }));
    expect(await run({ std: [0.1, 0.5], seed: 3 })).not.toEqual(await run({ std: [0.1, 0.5], seed: 4 }));
    expect(await run({ std: 0.1 })).not.toEqual(await run({ std: 0.1 }));
    expect(await run({ std: 0.2, seed: 5 })).toEqual(await run({ std: [0.2, 0.2], seed: 5 }));
    images.dispose();
  });

  it('passes dy through unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(imageCase({ maxSize: 512 }), valueOrRange(STDS), async (image, { option }) => {
        const dy = makeValues(image.shape, 'NHWC', 'spread', 1, image.seed >>> 1);
        const [x, dyTensor] = [tf.tensor(image.values, image.shape), tf.tensor(dy, image.shape)];
        await expectNoLeak(async () => {
          const gradient = tf.grad((input: tf.Tensor) => gaussianNoise(input, { std: option, seed: image.seed, dataFormat: image.dataFormat }))(x, dyTensor);
          expect(gradient.shape).toEqual(image.shape);
          expect(Array.from(await readAndDispose(gradient))).toEqual(Array.from(dy));
        });
        tf.dispose([x, dyTensor]);
      }),
      runs(20),
    );
  });

  it('leaks no tensor through forward, backward and array inputs', async () => {
    const images = tf.randomUniform([2, 6, 6, 3]);
    await expectNoLeak(() => {
      const out = gaussianNoise(images, { std: [0.1, 0.3], seed: 1 });
      const gradient = tf.grad((x: tf.Tensor) => gaussianNoise(x, { std: 0.2, seed: 2, dataFormat: 'NCHW' }))(images);
      const fromArrays = gaussianNoise([[[1], [2], [3]]], { std: 0.1, seed: 3, dataFormat: 'NWC' });
      tf.dispose([out, gradient, fromArrays]);
    });
    images.dispose();
  });
});
