/**
 * Checks every featstats layer passes, written once: training in `model.fit`, an exact
 * save/load round trip, the functional API and `tf.sequential`, and no leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';

import { expectNoLeak } from './assert';
import { saveAndLoad, seededTensor } from './layers';

/** A model around one layer: `[inputShape] → layer → flatten → dense(units)`. */
export function modelAround(layer: tfl.layers.Layer, inputShape: number[], units = 3): tfl.Sequential {
  return tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape }), layer, tfl.layers.flatten(), tfl.layers.dense({ units, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) })] });
}

/**
 * `model.fit` on a model around the layer lowers the loss and moves every trainable
 * weight of the layer.
 */
export async function expectFitTrains(layer: tfl.layers.Layer, inputShape: number[], seed: number): Promise<void> {
  const model = modelAround(layer, inputShape);
  model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
  const x = seededTensor([8, ...inputShape], seed, 2, 0.5);
  const y = seededTensor([8, 3], seed + 1);
  const before = layer.trainableWeights.map((w) => w.read().dataSync().slice());
  const history = await model.fit(x, y, { epochs: 8, batchSize: 8, verbose: 0, shuffle: false });
  const losses = history.history['loss'] as number[];
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses[losses.length - 1] as number).toBeLessThan(losses[0] as number);
  layer.trainableWeights.forEach((weight, i) => {
    const after = weight.read().dataSync();
    expect(Array.from(after), `${weight.name} did not move`).not.toEqual(Array.from(before[i] as ArrayLike<number>));
  });
  tf.dispose([x, y]);
  model.dispose();
}

/** Saving and loading a model around the layer gives the same config and identical predictions. */
export async function expectRoundTrip(layer: tfl.layers.Layer, inputShape: number[], seed: number): Promise<tfl.LayersModel> {
  const model = modelAround(layer, inputShape);
  const x = seededTensor([4, ...inputShape], seed, 3, 1);
  const { loaded } = await saveAndLoad(model);
  const reloaded = loaded.layers.find((l) => l.name === layer.name) as tfl.layers.Layer;
  expect(reloaded.getClassName()).toBe(layer.getClassName());
  expect(reloaded.getConfig()).toEqual(layer.getConfig());
  const [original, again] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
  expect(Array.from(await again.data())).toEqual(Array.from(await original.data()));
  tf.dispose([x, original, again]);
  return loaded;
}

/** The layer's predictions leak nothing, nor does a training step. */
export async function expectNoLayerLeak(layer: tfl.layers.Layer, inputShape: number[], seed: number): Promise<void> {
  const model = modelAround(layer, inputShape);
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
  const x = seededTensor([4, ...inputShape], seed);
  const y = seededTensor([4, 3], seed + 1);
  // The first fit creates the optimizer's state; the measured ones must add nothing.
  await model.fit(x, y, { epochs: 1, verbose: 0 });
  await expectNoLeak(async () => {
    tf.dispose(model.predict(x) as tf.Tensor);
    await model.fit(x, y, { epochs: 1, verbose: 0 });
  });
  tf.dispose([x, y]);
}
