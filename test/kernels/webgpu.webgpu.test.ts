/**
 * The webgpu fused kernels (`src/_internal/kernels/<family>/webgpu`): the statistics,
 * smoothing and bottleneck kernels against their composites (the GPU suites shared with
 * webgl, `test/helpers/gpu*Kernels.ts`, which also check that gaussianBlur and
 * informationBottleneck read nothing back), and no GPU → CPU read inside the ops built on
 * the statistics and sort kernels (which test/kernels/sort.test.ts compares with their
 * composites), forward or backward. This file runs only in the webgpu project
 * (`*.webgpu.test.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';
// The readback checks differentiate losses built with tf.sum and tf.square.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { adain, argsort, batchNorm, channelVariance, efdm, efdmix, groupNorm, instanceNorm, layerNorm, meanStd, perturbMeanStd, sort } from '../../src';
import { expectNoWebgpuErrors, useBackend } from '../helpers/backends';
import { describeGpuBottleneckKernels } from '../helpers/gpuBottleneckKernels';
import { describeGpuSmoothingKernels } from '../helpers/gpuSmoothingKernels';
import { describeGpuStatisticsKernels, uniform } from '../helpers/gpuStatisticsKernels';
import { countReadbacks } from '../helpers/readbacks';

describe('webgpu fused kernels', () => {
  beforeAll(() => useBackend('webgpu'));
  afterEach(expectNoWebgpuErrors);

  it('uses the webgpu backend', () => {
    expect(tf.getBackend()).toBe('webgpu');
  });

  describeGpuStatisticsKernels('webgpu');
  describeGpuSmoothingKernels('webgpu');
  describeGpuBottleneckKernels('webgpu');

  describe('no GPU → CPU read inside the statistics and sort ops, forward and backward', () => {
    // Inputs made on the GPU (tf.add of two uploads), so a read of them would count.
    const onGpu = (shape: number[], seed: number) => tf.tidy(() => tf.add(tf.tensor(uniform(shape.reduce((a, b) => a * b, 1), seed), shape), tf.scalar(0.5)));
    const cases: Array<[string, (x: tf.Tensor, other: tf.Tensor) => tf.Tensor]> = [
      ['meanStd', (x) => { const { mean, std } = meanStd(x); return tf.add(tf.sum(mean), tf.sum(std)); }],
      ['adain', (x, other) => tf.sum(tf.square(adain(x, other)))],
      ['instanceNorm', (x) => tf.sum(tf.square(instanceNorm(x)))],
      ['groupNorm', (x) => tf.sum(tf.square(groupNorm(x, { groups: 2 })))],
      ['layerNorm', (x) => tf.sum(tf.square(layerNorm(x)))],
      ['batchNorm', (x) => tf.sum(tf.square(batchNorm(x)))],
      ['perturbMeanStd', (x) => tf.sum(tf.square(perturbMeanStd(x, tf.fill([4], 1.1), tf.fill([4], 0.9))))],
      ['channelVariance', (x) => channelVariance(x)],
      // The sort family: featstats' argsort and row gathers replace tfjs's TopK and GatherV2.
      ['sort', (x) => tf.sum(tf.square(sort(x)))],
      ['efdm', (x, other) => tf.sum(tf.square(efdm(x, other)))],
      // p = 1: the call mixes (its partners and weights are drawn on the host from the seed).
      ['efdmix', (x) => tf.sum(tf.square(efdmix(x, { p: 1, seed: 5 })))],
    ];
    for (const [name, loss] of cases) {
      it(`${name}: 0 readbacks in the forward and in the gradient`, async () => {
        const x = onGpu([2, 6, 6, 4], 21);
        const other = onGpu([2, 5, 5, 4], 22);
        // Differentiate with respect to every input the loss reads (tf.grads rejects others).
        const inputs = loss.length === 2 ? [x, other] : [x];
        const grads = tf.grads((...args: tf.Tensor[]) => loss(args[0] as tf.Tensor, (args[1] ?? other) as tf.Tensor));
        let outputs: tf.Tensor[] = [];
        const reads = await countReadbacks(() => {
          outputs = [loss(x, other), ...grads(inputs)];
        });
        expect(reads).toBe(0);
        // The values are there to read afterwards (the count is not 0 for want of work).
        for (const t of outputs) expect(Array.from(await t.data()).every(Number.isFinite)).toBe(true);
        tf.dispose([x, other, ...outputs]);
      });
    }

    // argsort's int32 output has no gradient: its forward only, both directions.
    it('argsort: 0 readbacks', async () => {
      const x = onGpu([2, 6, 6, 4], 24);
      let outputs: tf.Tensor[] = [];
      const reads = await countReadbacks(() => {
        outputs = [argsort(x), argsort(x, { descending: true })];
      });
      expect(reads).toBe(0);
      for (const t of outputs) expect(t.dtype).toBe('int32');
      tf.dispose([x, ...outputs]);
    });

    it('the counter counts: reading a GPU result back is one readback', async () => {
      const x = onGpu([3, 3], 23);
      expect(await countReadbacks(() => x.dataSync())).toBe(1);
      expect(await countReadbacks(() => x.data())).toBe(0); // now held on the CPU
      x.dispose();
    });
  });
});
