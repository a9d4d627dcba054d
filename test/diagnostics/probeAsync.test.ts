/**
 * probeAsync: probe's diagnostics as plain numbers, computed in steps that yield to the
 * event loop, report progress and stop on an AbortSignal, with no tensor left behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { activationSimilarity, channelVariance, groupNorm, instanceNorm, probe, probeAsync, type ProbeLayer, type ProbeProgress } from '../../src';
import { expectNoLeak } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';
import { expectRejectsWithoutLeak, queueTask } from '../helpers/drivers';
import { runs } from '../helpers/properties';

describeBackends('probeAsync', () => {
  const layers: ProbeLayer[] = [(x) => instanceNorm(x), { apply: (x: tf.Tensor) => groupNorm(x, { groups: 1 }) }, (x) => instanceNorm(x)];
  const loss = (y: tf.Tensor) => activationSimilarity(y);

  it('resolves to the synchronous probe’s values as numbers', async () => {
    const x = tf.randomNormal([6, 4, 4, 3], 0, 1, 'float32', 7);
    const sync = probe(layers, x, loss, { dataFormat: 'NHWC' });
    const values = await probeAsync(layers, x, loss, { dataFormat: 'NHWC' });
    expect(values.loss).toBe((await sync.loss.data())[0]);
    expect(values.layers).toHaveLength(3);
    for (const [k, layer] of sync.layers.entries()) {
      const read = async (t: tf.Scalar) => (await t.data())[0];
      expect(values.layers[k]).toEqual({
        similarity: await read(layer.similarity),
        variance: await read(layer.variance),
        stableRank: await read(layer.stableRank),
        gradientNorm: await read(layer.gradientNorm),
      });
    }
    tf.dispose([x, sync.loss, ...sync.layers.flatMap((l) => [l.similarity, l.variance, l.stableRank, l.gradientNorm])]);
  });

  it('reports 2·layers + 1 steps, forward, backward, diagnostics, letting other tasks run between', async () => {
    const x = tf.randomNormal([4, 3, 3, 3]);
    const reports: ProbeProgress[] = [];
    const ranBetween: number[] = [];
    await probeAsync(layers, x, loss, {
      onStep: (progress) => {
        if (progress.step > 1) expect(ranBetween).toContain(progress.step - 1);
        queueTask(() => ranBetween.push(progress.step));
        reports.push(progress);
      },
    });
    expect(reports).toEqual([
      { step: 1, steps: 7, phase: 'forward', layer: 0 },
      { step: 2, steps: 7, phase: 'forward', layer: 1 },
      { step: 3, steps: 7, phase: 'forward', layer: 2 },
      { step: 4, steps: 7, phase: 'backward', layer: null },
      { step: 5, steps: 7, phase: 'diagnostics', layer: 0 },
      { step: 6, steps: 7, phase: 'diagnostics', layer: 1 },
      { step: 7, steps: 7, phase: 'diagnostics', layer: 2 },
    ]);
    x.dispose();
  });

  it('leaves no tensor behind: its results are numbers', async () => {
    const x = tf.randomNormal([4, 3, 3, 3]);
    await expectNoLeak(async () => {
      const values = await probeAsync(layers, x, (y) => channelVariance(y));
      expect(typeof values.loss).toBe('number');
    });
    x.dispose();
  });

  it('stops on abort at any step with an AbortError, freeing activations, gradients and diagnostics', async () => {
    const x = tf.randomNormal([4, 3, 3, 3]);
    for (const stopAt of [1, 4, 6]) {
      const controller = new AbortController();
      await expectRejectsWithoutLeak(
        () => probeAsync(layers, x, loss, { signal: controller.signal, onStep: ({ step }) => { if (step === stopAt) controller.abort(); } }),
        { message: new RegExp(`^featstats\\.probeAsync: aborted after step ${stopAt}$`), name: 'AbortError' },
      );
    }
    x.dispose();
  });

  it('property: for any depth L, aborted at any step k of 2L + 1, it has reported steps 1..k and holds no tensor', async () => {
    const x = tf.randomNormal([3, 2, 2, 3], 0, 1, 'float32', 11);
    const depthAndStop = fc.integer({ min: 1, max: 4 }).chain((depth) => fc.record({ depth: fc.constant(depth), k: fc.integer({ min: 1, max: 2 * depth + 1 }) }));
    await fc.assert(
      fc.asyncProperty(depthAndStop, async ({ depth, k }) => {
        const stack: ProbeLayer[] = Array.from({ length: depth }, () => (v: tf.Tensor) => instanceNorm(v));
        const controller = new AbortController();
        const reported: number[] = [];
        const onStep = ({ step }: ProbeProgress) => {
          reported.push(step);
          if (step === k) controller.abort();
        };
        await expectRejectsWithoutLeak(() => probeAsync(stack, x, loss, { signal: controller.signal, onStep }), {
          message: new RegExp(`^featstats\\.probeAsync: aborted after step ${k}$`),
          name: 'AbortError',
        });
        expect(reported).toEqual(Array.from({ length: k }, (_, i) => i + 1));
      }),
      runs(8),
    );
    x.dispose();
  });

  it('rejects bad layers, losses and callbacks, naming itself, without leaking', async () => {
    const x = tf.randomNormal([4, 3, 3, 3]);
    await expectRejectsWithoutLeak(() => probeAsync([], x, loss), { message: /^featstats\.probeAsync: layers must be a non-empty array but got \[\]$/ });
    await expectRejectsWithoutLeak(() => probeAsync([() => [1] as unknown as tf.Tensor], x, loss), { message: /^featstats\.probeAsync: layers\[0\] must return a tensor but got \[1\]$/ });
    await expectRejectsWithoutLeak(() => probeAsync(layers, x, (y) => tf.clone(y)), { message: /^featstats\.probeAsync: loss must return a float32 scalar tensor but got a float32 tensor of shape .*$/ });
    await expectRejectsWithoutLeak(() => probeAsync(layers, x, loss, { dataformat: 'NHWC' } as never), { message: /^featstats\.probeAsync: options must only name onStep, signal, dataFormat but got 'dataformat'$/ });
    await expectRejectsWithoutLeak(() => probeAsync(layers, x, loss, { onStep: ({ step }) => { if (step === 5) throw new Error('callback failed'); } }), { message: /^callback failed$/ });
    x.dispose();
  });
});
