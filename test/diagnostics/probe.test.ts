import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';

import { activationSimilarity, channelVariance, groupNorm, instanceNorm, probe, stableRank, type ProbeLayer } from '../../src';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { TOLERANCE } from '../helpers/tolerance';

describeBackendsBothPaths('probe', (backend) => {
  const tolerance = TOLERANCE[backend];
  // Layers and loss built from featstats ops only: differentiable with tfjs-core alone.
  const scale = (x: tf.Tensor) => instanceNorm(x, { gamma: tf.tensor1d([2, 0.5, 1]), beta: tf.tensor1d([0.1, 0, -0.2]) });
  const layers: ProbeLayer[] = [scale, { apply: (x: tf.Tensor) => groupNorm(x, { groups: 1 }) }, (x) => instanceNorm(x)];
  const loss = (y: tf.Tensor) => channelVariance(y);

  it('reports each layer’s diagnostics and the gradient norm of the loss at its output', async () => {
    const x = tf.randomNormal([6, 4, 4, 3], 0, 1, 'float32', 7);
    const result = probe(layers, x, (y) => activationSimilarity(y));
    expect(result.layers).toHaveLength(3);

    // Independent path: run the layers, then differentiate the rest of the stack from each output.
    const activations: tf.Tensor[] = [];
    let value = x;
    for (const layer of layers) activations.push((value = typeof layer === 'function' ? layer(value) : (layer.apply(value) as tf.Tensor)));
    const rest = (k: number) => (a: tf.Tensor) => {
      let v = a;
      for (const layer of layers.slice(k + 1)) v = typeof layer === 'function' ? layer(v) : (layer.apply(v) as tf.Tensor);
      return activationSimilarity(v);
    };
    for (const [k, activation] of activations.entries()) {
      const probed = result.layers[k]!;
      const gradient = await tf.grad(rest(k))(activation).data();
      const norm = Math.hypot(...gradient);
      expectClose(await probed.gradientNorm.data(), [norm], tolerance.gradient, norm);
      expectClose(await probed.similarity.data(), await activationSimilarity(activation).data(), tolerance.value);
      expectClose(await probed.variance.data(), await channelVariance(activation).data(), tolerance.value, 1);
      expectClose(await probed.stableRank.data(), await stableRank(activation).data(), tolerance.value, 6);
    }
    expectClose(await result.loss.data(), await activationSimilarity(activations[2]!).data(), tolerance.value);
  });

  it('leaks nothing but its results', async () => {
    const x = tf.randomNormal([4, 3, 3, 3]);
    await expectNoLeak(() => {
      const result = probe(layers, x, loss);
      tf.dispose([result.loss, ...result.layers.flatMap((l) => [l.similarity, l.variance, l.stableRank, l.gradientNorm])]);
    });
    x.dispose();
  });

  it('rejects bad layers and losses with a featstats.probe message and leaks nothing', async () => {
    const x = tf.randomNormal([4, 3, 3, 3]);
    await expectThrowsWithoutLeak(() => probe([], x, loss), /^featstats\.probe: layers must be a non-empty array but got \[\]$/);
    await expectThrowsWithoutLeak(() => probe([42 as unknown as ProbeLayer], x, loss), /^featstats\.probe: layers\[0\] must be a function or have an apply method but got 42$/);
    await expectThrowsWithoutLeak(() => probe([() => [1] as unknown as tf.Tensor], x, loss), /^featstats\.probe: layers\[0\] must return a tensor but got \[1\]$/);
    await expectThrowsWithoutLeak(() => probe(layers, x, (y) => tf.clone(y)), /^featstats\.probe: loss must return a float32 scalar tensor but got a float32 tensor of shape \[.*\]$/);
    x.dispose();
  });
});
