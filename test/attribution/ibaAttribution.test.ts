/**
 * ibaAttribution needs the head's gradients, which come from tfjs, as in any real use:
 * this file loads tfjs's gradients (vitest isolates it from the core-only files).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { expect, it } from 'vitest';

import { ibaAttribution, type IbaAttributionOptions } from '../../src';
import { uniformFrom } from '../helpers/arbitraries';
import { expectNoLeak, readAndDispose } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';

const SIDE = 8;
const PATCH = [2, 3]; // rows and columns 2..3 carry the signal

/**
 * Features [1, 8, 8, 2]: standard-normal background in both channels; channel 0 holds +4
 * on a 2×2 patch. The head reads only channel 0, summed over positions, as the logit of
 * class 1 (class 0 has logit 0): the evidence for class 1 sits on the patch alone.
 */
function toyProblem(): Pick<IbaAttributionOptions, 'features' | 'head' | 'mean' | 'std' | 'target'> {
  const uniform = uniformFrom(12);
  const values = new Float32Array(SIDE * SIDE * 2);
  for (let i = 0; i < values.length; i++) values[i] = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  for (const y of PATCH) for (const x of PATCH) values[(y * SIDE + x) * 2] = 4;
  const selectSignal = tf.tensor2d([[1], [0]]); // channel 0 only
  return {
    features: tf.tensor4d(values, [1, SIDE, SIDE, 2]),
    head: (f: tf.Tensor) => {
      const evidence = tf.matMul(tf.reshape(f, [-1, 2]), selectSignal);
      const perSample = tf.sum(tf.reshape(evidence, [f.shape[0] as number, SIDE * SIDE]), 1, true);
      return tf.concat([tf.zerosLike(perSample), tf.div(perSample, 4)], 1);
    },
    mean: tf.zeros([SIDE, SIDE, 2]),
    std: tf.ones([SIDE, SIDE, 2]),
    target: 1,
  };
}

describeBackends('ibaAttribution', () => {
  it('concentrates the heatmap on the positions that carry the evidence', async () => {
    const problem = toyProblem();
    // β = 1: keeping the 2×2 patch costs ~0.25 nats of mean capacity, below the 0.69 nats of
    // cross-entropy that losing it costs, while the background is pure cost.
    const { heatmap, capacity } = ibaAttribution({ ...problem, seed: 3, steps: 10, beta: 1 });
    expect(heatmap.shape).toEqual([SIDE, SIDE]);
    expect(capacity.shape).toEqual([SIDE, SIDE, 2]);
    const bits = await readAndDispose(heatmap);
    let inside = 0;
    let outside = 0;
    bits.forEach((v, i) => (PATCH.includes(Math.floor(i / SIDE)) && PATCH.includes(i % SIDE) ? (inside += v / 4) : (outside += v / (SIDE * SIDE - 4))));
    // Every patch position keeps far more information than the background does on average.
    expect(inside).toBeGreaterThan(5 * outside);
    const perPosition = Array.from(bits);
    for (const y of PATCH) for (const x of PATCH) expect(perPosition[y * SIDE + x]).toBeGreaterThan(Math.max(...perPosition.filter((_, i) => !(PATCH.includes(Math.floor(i / SIDE)) && PATCH.includes(i % SIDE)))) / 2);
    capacity.dispose();
  });

  it('resizes the heatmap to the image, preserving its total up to bilinear interpolation', async () => {
    const problem = toyProblem();
    const small = ibaAttribution({ ...problem, seed: 3, steps: 2 });
    const large = ibaAttribution({ ...problem, seed: 3, steps: 2, imageSize: [32, 32] });
    expect(large.heatmap.shape).toEqual([32, 32]);
    const [a, b] = [Array.from(await readAndDispose(small.heatmap)), Array.from(await readAndDispose(large.heatmap))];
    const sum = (v: number[]) => v.reduce((x, y) => x + y, 0);
    // (feature area / image area) keeps the mass; bilinear resampling moves ~1 % at the borders.
    expect(Math.abs(sum(b) - sum(a))).toBeLessThan(0.02 * sum(a));
    tf.dispose([small.capacity, large.capacity]);
  });

  it('leaks nothing but its results, and rejects a bad head', async () => {
    const problem = toyProblem();
    await expectNoLeak(() => {
      const result = ibaAttribution({ ...problem, seed: 1, steps: 3, batchSize: 4 });
      tf.dispose([result.heatmap, result.capacity]);
    });
    await expectNoLeak(() =>
      expect(() => ibaAttribution({ ...problem, head: (f) => tf.clone(f), steps: 1 })).toThrow(/^featstats\.ibaAttribution: head must return float32 logits \[10, classes\] with classes >= 2 and > target but got \[10,8,8,2\]$/),
    );
    expect(() => ibaAttribution({ ...problem, steps: 0 })).toThrow(/^featstats\.ibaAttribution: steps must be an integer >= 1 but got 0$/);
  });
});
