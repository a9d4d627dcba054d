/**
 * ibaAttributionAsync: the same optimisation as ibaAttribution, in steps that yield to
 * the event loop, report progress and stop on an AbortSignal. The head differentiates
 * tfjs ops, so this file loads tfjs's gradients (as ibaAttribution.test.ts does).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { expect, it } from 'vitest';

import { ibaAttribution, ibaAttributionAsync, type IbaAttributionOptions, type IbaAttributionProgress } from '../../src';
import { readAndDispose } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';
import { expectRejectsWithoutLeak, queueTask } from '../helpers/drivers';

/** Features [1, 4, 4, 2] whose class-1 evidence sits in channel 0, with a head over channel 0's mean. */
function problem(): Pick<IbaAttributionOptions, 'features' | 'head' | 'mean' | 'std' | 'target'> {
  const features = tf.tidy(() => tf.add(tf.randomNormal([1, 4, 4, 2], 0, 1, 'float32', 4), tf.tensor1d([2, 0])));
  return {
    features,
    head: (f: tf.Tensor) => tf.tidy(() => {
      const evidence = tf.mean(tf.slice(f, [0, 0, 0, 0], [-1, -1, -1, 1]), [1, 2, 3]);
      return tf.stack([tf.zerosLike(evidence), evidence], 1);
    }),
    mean: tf.zeros([4, 4, 2]),
    std: tf.ones([4, 4, 2]),
    target: 1,
  };
}

describeBackends('ibaAttributionAsync', () => {
  it('gives the synchronous op’s heatmap and capacity for the same seed', async () => {
    const options = { ...problem(), seed: 5, steps: 3, batchSize: 2 };
    const sync = ibaAttribution(options);
    const result = await ibaAttributionAsync(options);
    expect(Array.from(await readAndDispose(result.heatmap))).toEqual(Array.from(await readAndDispose(sync.heatmap)));
    expect(Array.from(await readAndDispose(result.capacity))).toEqual(Array.from(await readAndDispose(sync.capacity)));
  });

  it('reports every step, in order, with a finite loss, and lets other tasks run between steps', async () => {
    const reports: IbaAttributionProgress[] = [];
    const ranBetween: number[] = [];
    const result = await ibaAttributionAsync({
      ...problem(), seed: 2, steps: 4, batchSize: 2,
      onStep: (progress) => {
        // The task queued after step k must have run before step k + 1 reports.
        if (progress.step > 1) expect(ranBetween).toContain(progress.step - 1);
        queueTask(() => ranBetween.push(progress.step));
        reports.push(progress);
      },
    });
    expect(reports.map(({ step, steps }) => [step, steps])).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]]);
    for (const { loss } of reports) expect(Number.isFinite(loss)).toBe(true);
    // The loss is cross-entropy (≥ 0) plus β·capacity (≥ 0), and Adam lowers it on this problem.
    expect(reports[0]!.loss).toBeGreaterThan(0);
    expect(reports[3]!.loss).toBeLessThan(reports[0]!.loss);
    tf.dispose([result.heatmap, result.capacity]);
  });

  it('awaits an async onStep before the next step', async () => {
    const events: string[] = [];
    const result = await ibaAttributionAsync({
      ...problem(), seed: 1, steps: 2, batchSize: 2,
      onStep: async ({ step }) => {
        events.push(`start ${step}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`end ${step}`);
      },
    });
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    tf.dispose([result.heatmap, result.capacity]);
  });

  it('stops on abort with an AbortError and frees α, the optimizer and the batch', async () => {
    const options = problem();
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    await expectRejectsWithoutLeak(
      () => ibaAttributionAsync({ ...options, seed: 1, steps: 5, batchSize: 2, signal: controller.signal, onStep: ({ step }) => { if (step === 2) controller.abort(reason); } }),
      { message: /^featstats\.ibaAttributionAsync: aborted after step 2$/, name: 'AbortError', cause: reason },
    );
    await expectRejectsWithoutLeak(
      () => ibaAttributionAsync({ ...options, signal: controller.signal }),
      { message: /^featstats\.ibaAttributionAsync: aborted before the first step$/, name: 'AbortError', cause: reason },
    );
  });

  it('rejects what onStep throws, and bad options, naming itself, without leaking', async () => {
    const options = problem();
    await expectRejectsWithoutLeak(
      () => ibaAttributionAsync({ ...options, steps: 3, batchSize: 2, onStep: () => { throw new Error('callback failed'); } }),
      { message: /^callback failed$/ },
    );
    await expectRejectsWithoutLeak(() => ibaAttributionAsync({ ...options, steps: 0 }), { message: /^featstats\.ibaAttributionAsync: steps must be an integer >= 1 but got 0$/ });
    await expectRejectsWithoutLeak(
      () => ibaAttributionAsync({ ...options, onstep: () => {} } as IbaAttributionOptions),
      { message: /^featstats\.ibaAttributionAsync: options must only name onStep, signal, features, .* but got 'onstep'$/ },
    );
    await expectRejectsWithoutLeak(() => ibaAttributionAsync({ ...options, signal: {} as AbortSignal }), { message: /^featstats\.ibaAttributionAsync: signal must be an AbortSignal but got an object$/ });
    await expectRejectsWithoutLeak(() => ibaAttributionAsync({ ...options, onStep: 3 as never }), { message: /^featstats\.ibaAttributionAsync: onStep must be a function but got 3$/ });
  });
});
