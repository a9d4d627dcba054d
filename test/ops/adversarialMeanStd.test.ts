import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';

import { adversarialMeanStd, channelVariance, perturbMeanStd } from '../../src';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { TOLERANCE } from '../helpers/tolerance';

describeBackendsBothPaths('adversarialMeanStd', (backend) => {
  const tolerance = TOLERANCE[backend];
  // Channel variance of the output is (stdScale·σ)² per channel: convex in the scales, and
  // increasing in |stdScale|, so ascent must raise it step after step up to the clamp.
  const varianceLoss = (y: tf.Tensor) => channelVariance(y);

  it('increases a convex loss monotonically and stops at the clamp', async () => {
    const x = tf.randomNormal([4, 5, 5, 3], 0.5, 1, 'float32', 3);
    let previous = -Infinity;
    for (let steps = 0; steps <= 8; steps++) {
      const result = adversarialMeanStd(x, varianceLoss, { steps, stepSize: 0.2, epsilon: 1.1 });
      const value = (await readAndDispose(varianceLoss(result.output)))[0] as number;
      // Non-decreasing; once both scales sit at the clamp the loss repeats up to rounding.
      expect(value).toBeGreaterThanOrEqual(previous - 1e-6 * Math.abs(previous));
      previous = value;
      const stdScale = await readAndDispose(result.stdScale);
      const expectedStd = Math.min(1 + 0.2 * steps, 2.1);
      stdScale.forEach((v) => expect(v).toBeCloseTo(expectedStd, 5));
      // The loss does not depend on the means (their gradient is 0 up to float32 rounding,
      // whose sign the reference's sign ascent follows as well), so they are not asserted.
      tf.dispose([result.output, result.meanScale]);
    }
    x.dispose();
  });

  it('respects the clamp [1 − ε, 1 + ε] for large steps', async () => {
    const x = tf.randomNormal([4, 3, 3, 2], 1, 1, 'float32', 5);
    const result = adversarialMeanStd(x, varianceLoss, { steps: 3, stepSize: 5, epsilon: 0.3 });
    for (const scale of [await readAndDispose(result.meanScale), await readAndDispose(result.stdScale)]) {
      scale.forEach((v) => {
        expect(v).toBeGreaterThanOrEqual(0.7 - 1e-6);
        expect(v).toBeLessThanOrEqual(1.3 + 1e-6);
      });
    }
    result.output.dispose();
    x.dispose();
  });

  it('returns output = perturbMeanStd(x, scales), differentiable in x with the scales fixed', async () => {
    const x = tf.randomNormal([3, 4, 4, 2], 0, 1, 'float32', 9);
    const dy = tf.randomNormal([3, 4, 4, 2], 0, 1, 'float32', 10);
    const result = adversarialMeanStd(x, varianceLoss, { steps: 2 });
    expectClose(await result.output.data(), await perturbMeanStd(x, result.meanScale, result.stdScale).data(), tolerance.value, 10);
    const gradient = tf.grad((v: tf.Tensor) => adversarialMeanStd(v, varianceLoss, { steps: 2 }).output)(x, dy);
    const direct = tf.grad((v: tf.Tensor) => perturbMeanStd(v, result.meanScale, result.stdScale))(x, dy);
    expectClose(await readAndDispose(gradient), await readAndDispose(direct), tolerance.gradient, 10);
    tf.dispose([x, dy, result.output, result.meanScale, result.stdScale]);
  });

  it('leaks nothing across the steps', async () => {
    const x = tf.randomNormal([2, 3, 3, 2]);
    await expectNoLeak(() => {
      const result = adversarialMeanStd(x, varianceLoss, { steps: 4, relu: true });
      tf.dispose([result.output, result.meanScale, result.stdScale]);
    });
    x.dispose();
  });

  it('rejects bad input with a featstats.adversarialMeanStd message and leaks nothing', async () => {
    const x = tf.zeros([2, 3, 3, 2]);
    await expectThrowsWithoutLeak(() => adversarialMeanStd(x, varianceLoss, { steps: 1.5 }), /^featstats\.adversarialMeanStd: steps must be an integer >= 0 but got 1\.5$/);
    await expectThrowsWithoutLeak(() => adversarialMeanStd(x, varianceLoss, { stepSize: -1 }), /^featstats\.adversarialMeanStd: stepSize must be a finite number >= 0 but got -1$/);
    await expectThrowsWithoutLeak(() => adversarialMeanStd(x, (y) => tf.clone(y)), /^featstats\.adversarialMeanStd: loss must return a float32 scalar tensor but got a float32 tensor of shape \[2,3,3,2\]$/);
    x.dispose();
  });
});
