/**
 * adversarialMeanStdAsync: the AdvBN attack of adversarialMeanStd, in steps that yield
 * to the event loop, report the loss and stop on an AbortSignal.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { adversarialMeanStd, adversarialMeanStdAsync, channelVariance, type AdversarialMeanStdProgress } from '../../src';
import { readAndDispose } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';
import { expectRejectsWithoutLeak, queueTask } from '../helpers/drivers';
import { runs } from '../helpers/properties';

describeBackends('adversarialMeanStdAsync', () => {
  // Convex in the scales and increasing in |stdScale|: ascent raises it at every step.
  const varianceLoss = (y: tf.Tensor) => channelVariance(y);

  it('finds the synchronous op’s scales and output', async () => {
    const x = tf.randomNormal([4, 5, 5, 3], 0.5, 1, 'float32', 3);
    const sync = adversarialMeanStd(x, varianceLoss, { steps: 3, relu: true });
    const result = await adversarialMeanStdAsync(x, varianceLoss, { steps: 3, relu: true });
    for (const key of ['output', 'meanScale', 'stdScale'] as const) {
      expect(Array.from(await readAndDispose(result[key]))).toEqual(Array.from(await readAndDispose(sync[key])));
    }
    x.dispose();
  });

  it('reports each step’s loss, which the ascent raises, and lets other tasks run between steps', async () => {
    const x = tf.randomNormal([4, 5, 5, 3], 0.5, 1, 'float32', 3);
    const reports: AdversarialMeanStdProgress[] = [];
    const ranBetween: number[] = [];
    const result = await adversarialMeanStdAsync(x, varianceLoss, {
      steps: 4,
      onStep: (progress) => {
        if (progress.step > 1) expect(ranBetween).toContain(progress.step - 1);
        queueTask(() => ranBetween.push(progress.step));
        reports.push(progress);
      },
    });
    expect(reports.map(({ step, steps }) => [step, steps])).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]]);
    // Step 1 starts from scales 1: its loss is the channel variance of x itself.
    const initial = (await readAndDispose(varianceLoss(x)))[0] as number;
    expect(reports[0]!.loss).toBeCloseTo(initial, 4);
    for (let k = 1; k < reports.length; k++) expect(reports[k]!.loss).toBeGreaterThan(reports[k - 1]!.loss);
    tf.dispose([x, result.output, result.meanScale, result.stdScale]);
  });

  it('stops on abort with an AbortError and frees the scales', async () => {
    const x = tf.randomNormal([2, 3, 3, 2]);
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    await expectRejectsWithoutLeak(
      () => adversarialMeanStdAsync(x, varianceLoss, { steps: 6, signal: controller.signal, onStep: ({ step }) => { if (step === 3) controller.abort(reason); } }),
      { message: /^featstats\.adversarialMeanStdAsync: aborted after step 3$/, name: 'AbortError', cause: reason },
    );
    // An array input is converted by the driver and freed with the rest.
    await expectRejectsWithoutLeak(() => adversarialMeanStdAsync([[[[1, 2]]], [[[3, 5]]]], varianceLoss, { signal: controller.signal }), {
      message: /^featstats\.adversarialMeanStdAsync: aborted before the first step$/,
      name: 'AbortError',
    });
    x.dispose();
  });

  it('property: aborted at any step k of any n, it has reported exactly steps 1..k and holds no tensor', async () => {
    const x = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 8);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }).chain((n) => fc.record({ n: fc.constant(n), k: fc.integer({ min: 1, max: n }) })), async ({ n, k }) => {
        const controller = new AbortController();
        const reported: number[] = [];
        const onStep = ({ step }: AdversarialMeanStdProgress) => {
          reported.push(step);
          if (step === k) controller.abort();
        };
        await expectRejectsWithoutLeak(() => adversarialMeanStdAsync(x, varianceLoss, { steps: n, signal: controller.signal, onStep }), {
          message: new RegExp(`^featstats\\.adversarialMeanStdAsync: aborted after step ${k}$`),
          name: 'AbortError',
        });
        expect(reported).toEqual(Array.from({ length: k }, (_, i) => i + 1));
      }),
      runs(8),
    );
    x.dispose();
  });

  it('rejects bad input and what onStep throws, naming itself, without leaking', async () => {
    const x = tf.zeros([2, 3, 3, 2]);
    await expectRejectsWithoutLeak(() => adversarialMeanStdAsync(x, varianceLoss, { steps: 1.5 }), { message: /^featstats\.adversarialMeanStdAsync: steps must be an integer >= 0 but got 1\.5$/ });
    await expectRejectsWithoutLeak(() => adversarialMeanStdAsync(x, (y) => tf.clone(y)), { message: /^featstats\.adversarialMeanStdAsync: loss must return a float32 scalar tensor but got a float32 tensor of shape \[2,3,3,2\]$/ });
    const matrix = tf.zeros([2, 3]);
    await expectRejectsWithoutLeak(() => adversarialMeanStdAsync(matrix, varianceLoss), { message: /^featstats\.adversarialMeanStdAsync: x must have rank >= 4/ });
    matrix.dispose();
    await expectRejectsWithoutLeak(() => adversarialMeanStdAsync(x, varianceLoss, { onStep: () => Promise.reject(new Error('callback failed')) }), { message: /^callback failed$/ });
    x.dispose();
  });
});
