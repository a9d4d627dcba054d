import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { batchNorm, type BatchNormOptions } from '../../src';
import { featureCase } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, maxAbs, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { normProperties } from '../helpers/normProperties';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { vjpByFiniteDifferences } from '../reference/finiteDifference';
import { dims } from '../reference/layout';
import { rowMoments } from '../reference/meanStd';
import { batchPlan, normReference } from '../reference/norms';

/** Batch-norm cases: at least two values per channel (training needs them). */
const batchCases = (constraints: { maxSize?: number; scales?: number[]; kinds?: ('spread' | 'ties' | 'constantChannels' | 'offset')[] }) =>
  featureCase({ minRank: 2, ...(constraints.maxSize === undefined ? {} : { maxSize: constraints.maxSize }) }, constraints.kinds, constraints.scales).filter((c) => {
    const { batch, positions } = dims(c.shape, c.dataFormat);
    return batch * positions >= 2;
  });

describeBackendsBothPaths('batchNorm', (backend) => {
  const tolerance = TOLERANCE[backend];

  normProperties(backend, {
    cases: batchCases,
    run: (x, gamma, beta, c) => batchNorm(x, { dataFormat: c.dataFormat, ...(gamma ? { gamma } : {}), ...(beta ? { beta } : {}) }),
    plan: (c) => batchPlan(c.shape, c.dataFormat),
    affineShape: (c) => [dims(c.shape, c.dataFormat).channels],
    layouts: true,
  });

  it('updates tf.Variable moving statistics by new = (1 − m)·old + m·batch, with the unbiased variance', async () => {
    await fc.assert(
      fc.asyncProperty(batchCases({ kinds: ['spread', 'ties'], scales: [1] }), fc.constantFrom(0.1, 0.5, 1), async (c, momentum) => {
        const { channels } = dims(c.shape, c.dataFormat);
        const oldMean = Float32Array.from({ length: channels }, (_, i) => i - 1);
        const oldVariance = Float32Array.from({ length: channels }, (_, i) => 1 + i);
        // Made in a tidy so the initial tensors do not hold the buffers assign replaces.
        const movingMean = tf.tidy(() => tf.variable(tf.tensor1d(oldMean), false));
        const movingVariance = tf.tidy(() => tf.variable(tf.tensor1d(oldVariance), false));
        const x = tf.tensor(c.values, c.shape);
        batchNorm(x, { dataFormat: c.dataFormat, training: true, movingMean, movingVariance, momentum }).dispose();
        const groups = batchPlan(c.shape, c.dataFormat).groups;
        const expectedMean = groups.map((group, i) => (1 - momentum) * (oldMean[i] as number) + momentum * rowMoments(group.map((j) => c.values[j] as number), true)[0]);
        const expectedVariance = groups.map((group, i) => (1 - momentum) * (oldVariance[i] as number) + momentum * rowMoments(group.map((j) => c.values[j] as number), true)[1]);
        // The batch mean's rounding is relative to the values summed, not to the (possibly
        // cancelled) mean.
        expectClose(await movingMean.data(), expectedMean, tolerance.value, maxAbs(expectedMean) + maxAbs(c.values));
        expectClose(await movingVariance.data(), expectedVariance, tolerance.value, maxAbs(expectedVariance));
        // Updating in place leaks nothing (momentum 0 keeps the values, so this may repeat).
        await expectNoLeak(() => batchNorm(x, { dataFormat: c.dataFormat, training: true, movingMean, movingVariance, momentum: 0 }).dispose());
        tf.dispose([movingMean, movingVariance, x]);
      }),
      runs(25),
    );
  });

  it('normalises with the moving statistics when not training, with gradient γ·dy·rsqrt(σ² + ε)', async () => {
    await fc.assert(
      fc.asyncProperty(batchCases({ scales: [1], maxSize: 128 }), fc.integer({ min: 0, max: 1e6 }), async (c, seed) => {
        const { channels } = dims(c.shape, c.dataFormat);
        const moving = { mean: Float32Array.from({ length: channels }, (_, i) => 0.3 * i), variance: Float32Array.from({ length: channels }, (_, i) => 0.5 + i) };
        const gamma = Float32Array.from({ length: channels }, (_, i) => 2 - i / channels);
        const plan = batchPlan(c.shape, c.dataFormat);
        const expected = normReference(c.values, plan, 1e-5, { gamma }, moving);
        const scale = normReference(c.values, plan, 1e-5, { gamma }, moving, true);
        const dy = Float32Array.from(c.values, (_, i) => Math.sin(seed + i));
        const expectedGradient = vjpByFiniteDifferences((x) => normReference(x, plan, 1e-5, { gamma }, moving), c.values, dy);
        const tensors = [tf.tensor(c.values, c.shape), tf.tensor1d(moving.mean), tf.tensor1d(moving.variance), tf.tensor1d(gamma), tf.tensor(dy, c.shape)] as const;
        const [x, movingMean, movingVariance, gammaTensor, dyTensor] = tensors;
        const options: BatchNormOptions = { dataFormat: c.dataFormat, movingMean, movingVariance, gamma: gammaTensor };
        expectClose(await readAndDispose(batchNorm(x, options)), expected, tolerance.value, scale);
        const gradient = tf.grad((input: tf.Tensor) => batchNorm(input, options))(x, dyTensor);
        expectClose(await readAndDispose(gradient), expectedGradient, tolerance.gradient, maxAbs(expectedGradient));
        tf.dispose([...tensors]);
      }),
      runs(25),
    );
  });

  it('defaults to training without moving statistics and to inference with them', async () => {
    const x = tf.tensor4d([[[[1]], [[3]]]]); // [1, 2, 1, 1]: one channel, values 1 and 3
    const training = await readAndDispose(batchNorm(x, { epsilon: 1e-12 }));
    expect(training[0]).toBeCloseTo(-1, 5);
    const [movingMean, movingVariance] = [tf.tensor1d([1]), tf.tensor1d([4])];
    const inference = await readAndDispose(batchNorm(x, { movingMean, movingVariance, epsilon: 1e-12 }));
    expect(Array.from(inference)).toEqual([0, 1]);
    tf.dispose([x, movingMean, movingVariance]);
  });

  it('rejects bad input with a featstats.batchNorm message and leaks nothing', async () => {
    const x = tf.zeros([2, 4, 4, 3]);
    const single = tf.zeros([1, 1, 1, 3]);
    const [constantMean, constantVariance, wrongShape] = [tf.zeros([3]), tf.ones([3]), tf.zeros([4])];
    const variableMean = tf.variable(tf.zeros([3]));
    await expectThrowsWithoutLeak(() => batchNorm(x, { training: false }), /^featstats\.batchNorm: movingMean and movingVariance must be given when training is false but got neither$/);
    await expectThrowsWithoutLeak(() => batchNorm(x, { movingMean: constantMean }), /^featstats\.batchNorm: movingMean and movingVariance must be given together but got only movingMean$/);
    await expectThrowsWithoutLeak(() => batchNorm(x, { training: true, movingMean: variableMean, movingVariance: constantVariance }), /^featstats\.batchNorm: movingVariance must be a tf\.Variable to be updated while training but got a constant tensor$/);
    await expectThrowsWithoutLeak(() => batchNorm(x, { movingMean: wrongShape, movingVariance: constantVariance }), /^featstats\.batchNorm: movingMean must have shape \[3\] but got \[4\]$/);
    await expectThrowsWithoutLeak(() => batchNorm(single), /^featstats\.batchNorm: x must have more than one value per channel when training but got shape \[1,1,1,3\]$/);
    await expectThrowsWithoutLeak(() => batchNorm(x, { momentum: 1.5 }), /^featstats\.batchNorm: momentum must be a finite number >= 0 and <= 1 but got 1\.5$/);
    await expectThrowsWithoutLeak(() => batchNorm(x, { training: 'yes' } as unknown as BatchNormOptions), /^featstats\.batchNorm: training must be a boolean but got "yes"$/);
    await expectThrowsWithoutLeak(() => batchNorm([1, 2, 3]), /^featstats\.batchNorm: x must have rank 2 \(\[N, C\]\) or >= 4 .* for dataFormat 'NHWC' but got rank 1 \(shape \[3\]\)$/);
    tf.dispose([x, single, constantMean, constantVariance, wrongShape, variableMean]);
  });
});
