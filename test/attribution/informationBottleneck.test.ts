import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { informationBottleneck, type InformationBottleneckOptions } from '../../src';
import { makeValues } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, maxAbs, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { vjpByFiniteDifferences } from '../reference/finiteDifference';
import { bottleneckReference } from '../reference/iba';
import { channelsLast, type DataFormat } from '../reference/layout';

/** A bottleneck case: R [N, H, W, C] or [N, C, H, W], α, statistics, noise and an optional mask. */
const bottleneckCase = (maxSide = 6) =>
  fc
    .record({
      batch: fc.integer({ min: 1, max: 3 }),
      height: fc.integer({ min: 1, max: maxSide }),
      width: fc.integer({ min: 1, max: maxSide }),
      channels: fc.integer({ min: 1, max: 3 }),
      dataFormat: fc.constantFrom<DataFormat>('NHWC', 'NCHW'),
      smoothSigma: fc.constantFrom(0, 0.5, 1, 2),
      alphaScale: fc.constantFrom(1, 3, 8),
      masked: fc.boolean(),
      seed: fc.integer({ min: 0, max: 1e6 }),
    })
    .map(({ batch, height, width, channels, dataFormat, smoothSigma, alphaScale, masked, seed }) => {
      const sampleShape = channelsLast(dataFormat) ? [height, width, channels] : [channels, height, width];
      const shape = [batch, ...sampleShape];
      return {
        shape,
        sampleShape,
        dataFormat,
        smoothSigma,
        r: makeValues(shape, 'NHWC', 'spread', 2, seed),
        alpha: makeValues(sampleShape, 'NHWC', 'spread', alphaScale, seed + 1),
        mean: makeValues(sampleShape, 'NHWC', 'spread', 0.5, seed + 2),
        std: Float32Array.from(makeValues(sampleShape, 'NHWC', 'spread', 1, seed + 3), Math.abs),
        noise: makeValues(shape, 'NHWC', 'spread', 1.5, seed + 4),
        mask: masked ? Float32Array.from(makeValues(sampleShape, 'NHWC', 'spread', 1, seed + 5), (v) => (v > -0.3 ? 1 : 0)) : undefined,
      };
    });

type Case = ReturnType<typeof bottleneckCase> extends fc.Arbitrary<infer T> ? T : never;

function run(c: Case, r: tf.Tensor, alpha: tf.Tensor) {
  const options: InformationBottleneckOptions = {
    mean: tf.tensor(c.mean, c.sampleShape),
    std: tf.tensor(c.std, c.sampleShape),
    noise: tf.tensor(c.noise, c.shape),
    smoothSigma: c.smoothSigma,
    dataFormat: c.dataFormat,
    ...(c.mask === undefined ? {} : { activeMask: tf.tensor(c.mask, c.sampleShape) }),
  };
  return informationBottleneck(r, alpha, options);
}

function reference(c: Case, r: ArrayLike<number>, alpha: ArrayLike<number>) {
  return bottleneckReference(r, c.shape, alpha, { mean: c.mean, std: c.std, noise: c.noise, minStd: 0.01, smoothSigma: c.smoothSigma, dataFormat: c.dataFormat, ...(c.mask === undefined ? {} : { mask: c.mask }) });
}

describeBackendsBothPaths('informationBottleneck', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('matches the float64 reference for given noise (layouts, smoothing, masks)', async () => {
    await fc.assert(
      fc.asyncProperty(bottleneckCase(), async (c) => {
        const expected = reference(c, c.r, c.alpha);
        const { output, capacity } = tf.tidy(() => run(c, tf.tensor(c.r, c.shape), tf.tensor(c.alpha, c.sampleShape)));
        // Output: |R| + |ε| ≤ 10. Capacity: relative to its terms, which cancel as λ → 0;
        // ×10 for μ_z's own rounding ((R − μ)/σ, squared).
        expectClose(await readAndDispose(output), expected.output, tolerance.value, 10);
        expectClose(await readAndDispose(capacity), expected.capacity, tolerance.value, Float64Array.from(expected.capacityScale, (v) => 10 * v));
      }),
      runs(30),
    );
  });

  it('has zero capacity when λ = 0, growing with λ, and a finite capacity as λ → 1', async () => {
    const shape = [2, 4, 4, 2];
    const r = tf.randomNormal(shape, 0, 1, 'float32', 3);
    const statistics = { mean: tf.zeros([4, 4, 2]), std: tf.ones([4, 4, 2]), seed: 2 };
    let previous = -1;
    for (const a of [-30, -2, 0, 2, 5, 30, 100]) {
      const { output, capacity } = informationBottleneck(r, tf.fill([4, 4, 2], a), statistics);
      const values = await readAndDispose(capacity);
      const total = Array.from(values).reduce((x, y) => x + y, 0) / values.length;
      expect(Number.isFinite(total)).toBe(true);
      if (a === -30) expect(Math.abs(total)).toBeLessThan(1e-6);
      expect(total).toBeGreaterThan(previous);
      previous = total;
      output.dispose();
    }
    const gradient = await readAndDispose(tf.grad((alpha: tf.Tensor) => informationBottleneck(r, alpha, statistics).capacity)(tf.fill([4, 4, 2], 100)));
    expect(gradient.every(Number.isFinite)).toBe(true);
    tf.dispose([r, statistics.mean, statistics.std]);
  });

  it('outputs noise with the given mean and std when λ = 0 (seeded)', async () => {
    const shape = [400, 2, 2, 3];
    const mean = tf.tensor3d(Array.from({ length: 12 }, (_, i) => i - 6), [2, 2, 3]);
    const std = tf.tensor3d(Array.from({ length: 12 }, (_, i) => 0.5 + i / 4), [2, 2, 3]);
    const r = tf.randomNormal(shape, 100, 1, 'float32', 1);
    const { output, capacity } = informationBottleneck(r, tf.fill([2, 2, 3], -40), { mean, std, seed: 11, smoothSigma: 0 });
    const values = await readAndDispose(output);
    const [m, s] = [await mean.data(), await std.data()];
    for (let e = 0; e < 12; e++) {
      const column = Array.from({ length: 400 }, (_, n) => values[n * 12 + e] as number);
      const mu = column.reduce((a, b) => a + b, 0) / 400;
      const sd = Math.sqrt(column.reduce((a, v) => a + (v - mu) ** 2, 0) / 399);
      // 400 draws: standard error of the mean σ/20, of the std ≈ σ/28; bounds are 5 of them.
      expect(Math.abs(mu - (m[e] as number))).toBeLessThan((5 * (s[e] as number)) / 20);
      expect(Math.abs(sd - (s[e] as number))).toBeLessThan((5 * (s[e] as number)) / 28);
    }
    tf.dispose([mean, std, r, capacity]);
  });

  it('has R and alpha gradients equal to finite differences of the reference with fixed noise', async () => {
    await fc.assert(
      fc.asyncProperty(bottleneckCase(4), fc.constantFrom('output', 'capacity') as fc.Arbitrary<'output' | 'capacity'>, async (c, which) => {
        const dy = makeValues(c.shape, 'NHWC', 'spread', 1, 99);
        const expectedR = vjpByFiniteDifferences((r) => reference(c, r, c.alpha)[which], c.r, dy);
        const expectedAlpha = vjpByFiniteDifferences((a) => reference(c, c.r, a)[which], c.alpha, dy);
        const [r, alpha, dyTensor] = [tf.tensor(c.r, c.shape), tf.tensor(c.alpha, c.sampleShape), tf.tensor(dy, c.shape)];
        const [dR, dAlpha] = tf.tidy(() => tf.grads((x: tf.Tensor, a: tf.Tensor) => run(c, x, a)[which])([r, alpha], dyTensor));
        expect((dAlpha as tf.Tensor).shape).toEqual(c.sampleShape);
        const scale = 10 * Math.max(maxAbs(expectedR), maxAbs(expectedAlpha));
        expectClose(await readAndDispose(dR as tf.Tensor), expectedR, tolerance.gradient, scale);
        expectClose(await readAndDispose(dAlpha as tf.Tensor), expectedAlpha, tolerance.gradient, scale);
        tf.dispose([r, alpha, dyTensor]);
      }),
      runs(30),
    );
  });

  it('leaks nothing through forward and backward', async () => {
    const [r, alpha, mean, std] = [tf.randomNormal([2, 5, 5, 3]), tf.fill([5, 5, 3], 2), tf.zeros([5, 5, 3]), tf.ones([5, 5, 3])];
    await expectNoLeak(() => {
      const { output, capacity } = informationBottleneck(r, alpha, { mean, std, seed: 1 });
      const grads = tf.grads((x: tf.Tensor, a: tf.Tensor) => informationBottleneck(x, a, { mean, std, seed: 1 }).capacity)([r, alpha]);
      tf.dispose([output, capacity, ...grads]);
    });
    tf.dispose([r, alpha, mean, std]);
  });

  it('rejects bad input with a featstats.informationBottleneck message and leaks nothing', async () => {
    const [r, alpha, wrong, ones] = [tf.zeros([2, 4, 4, 3]), tf.zeros([4, 4, 3]), tf.zeros([4, 3]), tf.ones([4, 4, 3])];
    await expectThrowsWithoutLeak(() => informationBottleneck(r, wrong, { mean: ones, std: ones }), /^featstats\.informationBottleneck: alpha must have one sample's shape \[4,4,3\] but got \[4,3\]$/);
    await expectThrowsWithoutLeak(() => informationBottleneck(r, alpha, { mean: wrong, std: ones }), /^featstats\.informationBottleneck: mean must have one sample's shape \[4,4,3\] but got \[4,3\]$/);
    await expectThrowsWithoutLeak(() => informationBottleneck(r, alpha, { mean: ones, std: ones, noise: alpha }), /^featstats\.informationBottleneck: noise must have R's shape \[2,4,4,3\] but got \[4,4,3\]$/);
    await expectThrowsWithoutLeak(() => informationBottleneck(r, alpha, { mean: ones, std: ones, minStd: 0 }), /^featstats\.informationBottleneck: minStd must be a finite number > 0 but got 0$/);
    await expectThrowsWithoutLeak(() => informationBottleneck(r, alpha, { mean: ones } as InformationBottleneckOptions), /^featstats\.informationBottleneck: options\.mean and options\.std must be given but got no std$/);
    tf.dispose([r, alpha, wrong, ones]);
  });
});
