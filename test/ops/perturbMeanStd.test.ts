import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { perturbMeanStd, type PerturbMeanStdOptions } from '../../src';
import { featureCase, makeValues } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, maxAbs, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { perturbMeanStdReference } from '../reference/advbn';
import { vjpByFiniteDifferences } from '../reference/finiteDifference';
import { dims } from '../reference/layout';
import { rowMoments } from '../reference/meanStd';
import { batchPlan } from '../reference/norms';

/** Per-channel factors in [0.2, 2]. */
const factors = (channels: number, seed: number) => Float32Array.from(makeValues([channels], 'NHWC', 'spread', 0.9, seed), (v) => 1.1 + v);

describeBackendsBothPaths('perturbMeanStd', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('matches the float64 reference, with and without relu', async () => {
    await fc.assert(
      fc.asyncProperty(featureCase(), fc.boolean(), fc.integer({ min: 0, max: 1e6 }), async (c, relu, seed) => {
        const { channels } = dims(c.shape, c.dataFormat);
        const [m, s] = [factors(channels, seed), factors(channels, seed + 1)];
        const options = { dataFormat: c.dataFormat, relu };
        const expected = perturbMeanStdReference(c.values, c.shape, m, s, options);
        const scale = perturbMeanStdReference(c.values, c.shape, m, s, options, true);
        const out = perturbMeanStd(tf.tensor(c.values, c.shape), tf.tensor1d(m), tf.tensor1d(s), options);
        expectClose(await readAndDispose(out), expected, tolerance.value, scale);
      }),
      runs(40),
    );
  });

  it('moves each channel mean to meanScale·μ and its std to stdScale·σ', async () => {
    await fc.assert(
      fc.asyncProperty(featureCase({}, ['spread', 'ties'], [1]), fc.integer({ min: 0, max: 1e6 }), async (c, seed) => {
        const { channels } = dims(c.shape, c.dataFormat);
        const [m, s] = [factors(channels, seed), factors(channels, seed + 1)];
        const out = await readAndDispose(perturbMeanStd(tf.tensor(c.values, c.shape), tf.tensor1d(m), tf.tensor1d(s), { dataFormat: c.dataFormat }));
        batchPlan(c.shape, c.dataFormat).groups.forEach((group, channel) => {
          const [mu, variance] = rowMoments(group.map((i) => c.values[i] as number), false);
          const [outMean, outVariance] = rowMoments(group.map((i) => out[i] as number), false);
          expect(Math.abs(outMean - (m[channel] as number) * mu)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(mu)));
          expect(Math.abs(Math.sqrt(outVariance) - (s[channel] as number) * Math.sqrt(variance))).toBeLessThanOrEqual(1e-5 * (1 + Math.sqrt(variance)));
        });
      }),
      runs(25),
    );
  });

  it('has x, meanScale and stdScale gradients equal to finite differences of the reference', async () => {
    await fc.assert(
      fc.asyncProperty(featureCase({ maxSize: 96 }, ['spread', 'ties', 'constantChannels'], [1]), fc.boolean(), fc.integer({ min: 0, max: 1e6 }), async (c, relu, seed) => {
        const { channels } = dims(c.shape, c.dataFormat);
        const [m, s] = [factors(channels, seed), factors(channels, seed + 1)];
        const options = { dataFormat: c.dataFormat, relu };
        const dy = makeValues(c.shape, 'NHWC', 'spread', 1, seed + 2);
        // Away from the ReLU's kink, where float32 and float64 may fall on different sides.
        if (relu) fc.pre(perturbMeanStdReference(c.values, c.shape, m, s, { ...options, relu: false }).every((y) => Math.abs(y) > 1e-3));
        const expected = {
          x: vjpByFiniteDifferences((v) => perturbMeanStdReference(v, c.shape, m, s, options), c.values, dy, 1e-9),
          m: vjpByFiniteDifferences((v) => perturbMeanStdReference(c.values, c.shape, v, s, options), m, dy, 1e-9),
          s: vjpByFiniteDifferences((v) => perturbMeanStdReference(c.values, c.shape, m, v, options), s, dy, 1e-9),
        };
        // Σg-type terms: rounding relative to Σ|dy|·(|x| + |μ|).
        const sumScale = dy.reduce((a, g, i) => a + Math.abs(g) * (1 + Math.abs(c.values[i] as number)), 0);
        const inputs = [tf.tensor(c.values, c.shape), tf.tensor1d(m), tf.tensor1d(s)];
        const dyTensor = tf.tensor(dy, c.shape);
        await expectNoLeak(async () => {
          const grads = tf.grads((x: tf.Tensor, mean: tf.Tensor, std: tf.Tensor) => perturbMeanStd(x, mean, std, options))(inputs, dyTensor);
          expect(grads.map((g) => g.shape)).toEqual([c.shape, [channels], [channels]]);
          expectClose(await readAndDispose(grads[0] as tf.Tensor), expected.x, tolerance.gradient, maxAbs(expected.x) + 2 * maxAbs(dy));
          expectClose(await readAndDispose(grads[1] as tf.Tensor), expected.m, tolerance.gradient, sumScale);
          expectClose(await readAndDispose(grads[2] as tf.Tensor), expected.s, tolerance.gradient, sumScale);
        });
        tf.dispose([...inputs, dyTensor]);
      }),
      runs(30),
    );
  });

  it('rejects bad input with a featstats.perturbMeanStd message and leaks nothing', async () => {
    const [x, ones, wrong] = [tf.zeros([2, 4, 4, 3]), tf.ones([3]), tf.ones([4])];
    await expectThrowsWithoutLeak(() => perturbMeanStd(x, wrong, ones), /^featstats\.perturbMeanStd: meanScale must have shape \[3\] but got \[4\]$/);
    await expectThrowsWithoutLeak(() => perturbMeanStd(x, ones, wrong), /^featstats\.perturbMeanStd: stdScale must have shape \[3\] but got \[4\]$/);
    await expectThrowsWithoutLeak(() => perturbMeanStd(ones, ones, ones), /^featstats\.perturbMeanStd: x must have rank >= 4 .* but got rank 1/);
    await expectThrowsWithoutLeak(() => perturbMeanStd(x, ones, ones, { relu: 1 } as unknown as PerturbMeanStdOptions), /^featstats\.perturbMeanStd: relu must be a boolean but got 1$/);
    tf.dispose([x, ones, wrong]);
  });
});
