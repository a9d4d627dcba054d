/**
 * Failing gradient passes with only @tensorflow/tfjs-core loaded (no tfjs gradient
 * registered): the drivers that differentiate a user's callback must throw a featstats
 * error and free what the failed pass left on tfjs's tape. This file imports nothing
 * that registers tfjs's gradients (the first test checks it).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';

import { activationSimilarity, adversarialMeanStd, cosineSimilarityMatrix, ibaAttribution, instanceNorm, probe } from '../../src';
import { expectThrowsWithoutLeak } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';

/** featstats.<op>: <arg> must be differentiable …, naming the tfjs kernel without a gradient. */
const notDifferentiable = (op: string, arg: string) =>
  new RegExp(`^featstats\\.${op}: ${arg} must be differentiable \\(tfjs ops need tfjs's gradients registered\\) but got: Cannot compute gradient: gradient function not found for \\w+\\.?$`);

describeBackends('failed gradient passes with only tfjs-core', () => {
  it('runs without tfjs gradients', () => {
    expect(tf.getGradient('Sum')).toBeUndefined();
  });

  it('ibaAttribution with a head of featstats ops throws a featstats error and leaks nothing', async () => {
    // The head is featstats only ([B, B] logits); IBA's own loss needs tfjs's gradients
    // (it stranded 13 tensors on the tape when it threw).
    const features = tf.randomNormal([1, 3, 3, 2], 0, 1, 'float32', 1);
    const [mean, std] = [tf.zeros([3, 3, 2]), tf.ones([3, 3, 2])];
    await expectThrowsWithoutLeak(
      () => ibaAttribution({ features, head: (f) => cosineSimilarityMatrix(f), target: 0, mean, std, steps: 2, batchSize: 2, seed: 1 }),
      notDifferentiable('ibaAttribution', 'head'),
    );
    tf.dispose([features, mean, std]);
  });

  it('adversarialMeanStd and probe with a loss of tfjs ops throw a featstats error and leak nothing', async () => {
    const x = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 2);
    await expectThrowsWithoutLeak(() => adversarialMeanStd(x, (y) => tf.mean(y)), notDifferentiable('adversarialMeanStd', 'loss'));
    await expectThrowsWithoutLeak(() => probe([(t) => instanceNorm(t)], x, (y) => tf.sum(tf.square(y))), notDifferentiable('probe', 'layers and loss'));
    // With featstats ops throughout, the same drivers work with tfjs-core alone.
    const { output, meanScale, stdScale } = adversarialMeanStd(x, (y) => activationSimilarity(y), { steps: 1 });
    expect(output.shape).toEqual(x.shape);
    tf.dispose([output, meanScale, stdScale, x]);
  });
});
