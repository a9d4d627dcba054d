import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';

import { ibaAttribution } from '../../src';
import { ibaAttributionForModel } from '../../src/layers';
import { expectNoLeak, readAndDispose } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';
import { seededTensor } from '../helpers/layers';

const glorot = (seed: number) => tfl.initializers.glorotUniform({ seed });

/** input [6, 6, 2] → dense(4) per position ('features') → flatten → dense(3, activation). */
function classifier(activation: 'linear' | 'softmax'): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 4, inputShape: [6, 6, 2], kernelInitializer: glorot(1), name: 'features' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, activation, kernelInitializer: glorot(2) }),
    ],
  });
}

describeBackends('ibaAttributionForModel', () => {
  // Statistics of a standard-normal feature at every element (tensors made per test: the
  // backend is chosen in the suite's beforeAll).
  const options = () => ({ layer: 'features', mean: tf.zeros([6, 6, 4]), std: tf.ones([6, 6, 4]), seed: 3, steps: 3, batchSize: 2, imageSize: [12, 12] as [number, number] });

  it('gives each image the heatmap of ibaAttribution on its features at the layer, through the rest of the model', async () => {
    const shared = options();
    for (const activation of ['linear', 'softmax'] as const) {
      const model = classifier(activation);
      const images = seededTensor([2, 6, 6, 2], 601, 2);
      const { heatmaps, capacity } = ibaAttributionForModel(model, images, { ...shared, target: [2, 0], outputs: activation === 'linear' ? 'logits' : 'probabilities' });
      expect(heatmaps.shape).toEqual([2, 12, 12]);
      expect(capacity.shape).toEqual([2, 6, 6, 4]);
      const features = model.getLayer('features').apply(images) as tf.Tensor;
      const head = (f: tf.Tensor) => {
        const scores = model.layers.slice(1).reduce((t, layer) => layer.apply(t) as tf.Tensor, f);
        return activation === 'linear' ? scores : tf.log(tf.maximum(scores, Number.MIN_VALUE));
      };
      for (const [image, target] of [[0, 2], [1, 0]] as const) {
        const one = tf.slice(features, image, 1);
        const { layer: _cut, ...attribution } = shared;
        const expected = ibaAttribution({ ...attribution, features: one, head, target });
        const actual = tf.squeeze(tf.slice(heatmaps, image, 1), [0]);
        expect(Array.from(await readAndDispose(actual))).toEqual(Array.from(await readAndDispose(expected.heatmap)));
        tf.dispose([one, expected.capacity]);
      }
      tf.dispose([images, features, heatmaps, capacity]);
      model.dispose();
    }
    tf.dispose([shared.mean, shared.std]);
  });

  it('leaves no tensor behind', async () => {
    const model = classifier('linear');
    const images = seededTensor([2, 6, 6, 2], 611);
    const shared = options();
    await expectNoLeak(() => tf.dispose(Object.values(ibaAttributionForModel(model, images, { ...shared, target: 1 }))));
    tf.dispose([images, shared.mean, shared.std]);
    model.dispose();
  });

  it('rejects a head that reads the input besides the cut, and mismatched targets', () => {
    const input = tfl.input({ shape: [6, 6, 2] });
    const features = tfl.layers.dense({ units: 2, name: 'features' }).apply(input) as tfl.SymbolicTensor;
    const joined = tfl.layers.add().apply([features, input]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 3 }).apply(tfl.layers.flatten().apply(joined)) as tfl.SymbolicTensor });
    const images = seededTensor([2, 6, 6, 2], 621);
    const before = tf.memory().numTensors;
    const withMean = { layer: 'features', mean: tf.zeros([6, 6, 2]), std: tf.ones([6, 6, 2]), seed: 3, steps: 3, batchSize: 2 };
    expect(() => ibaAttributionForModel(model, images, { ...withMean, target: 0 })).toThrow(/^featstats\.ibaAttributionForModel: the model after layer 'features' must depend on the input only through that layer but reads input/);
    expect(() => ibaAttributionForModel(model, images, { ...withMean, target: [0] })).toThrow(/^featstats\.ibaAttributionForModel: target must be a class index or one per image \(2\) but got \[0\]/);
    tf.dispose([withMean.mean, withMean.std]);
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
    model.dispose();
  });
});
