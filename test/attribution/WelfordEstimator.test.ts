import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { WelfordEstimator } from '../../src';
import { makeValues, uniformFrom } from '../helpers/arbitraries';
import { expectClose, readAndDispose } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';
import { runs } from '../helpers/properties';

/** Two-pass float64 mean and unbiased std per element over all samples. */
function twoPass(samples: Float32Array[], size: number) {
  const n = samples.length;
  const mean = Array.from({ length: size }, (_, i) => samples.reduce((a, s) => a + (s[i] as number), 0) / n);
  const std = mean.map((mu, i) => Math.sqrt(samples.reduce((a, s) => a + ((s[i] as number) - mu) ** 2, 0) / (n - 1)));
  return { mean, std };
}

describeBackends('WelfordEstimator', () => {
  it('matches two-pass statistics for any split into batches, and merges exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(1, 1e4),
        fc.integer({ min: 0, max: 1e6 }),
        async (batchSizes, scale, seed) => {
          const sampleShape = [2, 3];
          const size = 6;
          const batches = batchSizes.map((b, k) => makeValues([b, ...sampleShape], 'NHWC', 'spread', scale, seed + k));
          const samples = batches.flatMap((batch) => Array.from({ length: batch.length / size }, (_, j) => batch.slice(j * size, (j + 1) * size)));
          fc.pre(samples.length >= 2);
          const whole = new WelfordEstimator();
          const [left, right] = [new WelfordEstimator(), new WelfordEstimator()];
          for (const [k, batch] of batches.entries()) {
            const t = tf.tensor(batch, [batch.length / size, ...sampleShape]);
            await whole.update(t);
            await (k % 2 === 0 ? left : right).update(t);
            t.dispose();
          }
          const merged = left.merge(right);
          const expected = twoPass(samples, size);
          for (const estimator of [whole, merged]) {
            expect(estimator.count).toBe(samples.length);
            expectClose(await readAndDispose(estimator.mean()), expected.mean, { rtol: 1e-6, atol: 1e-7 }, scale);
            expectClose(await readAndDispose(estimator.std()), expected.std, { rtol: 1e-5, atol: 1e-7 }, scale);
          }
        },
      ),
      runs(30),
    );
  });

  it('keeps the variance of 1e5 samples near 1e4', async () => {
    const estimator = new WelfordEstimator();
    const uniform = uniformFrom(5);
    const all: number[] = [];
    for (let b = 0; b < 100; b++) {
      const batch = Float32Array.from({ length: 1000 }, () => 1e4 + (uniform() - 0.5) * 0.02);
      all.push(...batch);
      await estimator.update(tf.tensor(batch, [1000, 1]));
    }
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const std = Math.sqrt(all.reduce((a, v) => a + (v - mean) ** 2, 0) / (all.length - 1));
    expect(estimator.count).toBe(100_000);
    expectClose(await readAndDispose(estimator.std()), [std], { rtol: 1e-4, atol: 0 });
  });

  it('marks elements non-zero in more than the threshold fraction of samples as active', async () => {
    const estimator = new WelfordEstimator();
    // Element 0 is non-zero in 3 of 4 samples, element 1 in 1 of 4, element 2 never.
    await estimator.update([[1, 0, 0], [2, 0, 0], [0, 5, 0], [3, 0, 0]]);
    expect(Array.from(await readAndDispose(estimator.activeMask()))).toEqual([1, 1, 0]);
    expect(Array.from(await readAndDispose(estimator.activeMask(0.5)))).toEqual([1, 0, 0]);
  });

  it('rejects mismatched samples and premature reads with a featstats.WelfordEstimator message', async () => {
    const estimator = new WelfordEstimator();
    expect(() => estimator.mean()).toThrow(/^featstats\.WelfordEstimator\.mean: the estimator must have seen at least 1 sample but got 0$/);
    await estimator.update([[1, 2]]);
    expect(() => estimator.std()).toThrow(/^featstats\.WelfordEstimator\.std: the estimator must have seen at least 2 samples but got 1$/);
    await expect(estimator.update([[1, 2, 3]])).rejects.toThrow(/^featstats\.WelfordEstimator\.update: batch must have samples of shape \[2\] but got \[3\]$/);
    expect(() => estimator.activeMask(2)).toThrow(/^featstats\.WelfordEstimator\.activeMask: threshold must be a finite number >= 0 and <= 1 but got 2$/);
    const before = tf.memory().numTensors;
    await expect(estimator.update([[1, 2, 3]])).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
