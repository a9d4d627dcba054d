/** Helpers of the featstats/layers suites: model round trips and seeded tensors. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { uniformFrom } from './arbitraries';

/** Saves `model` to memory (`tf.io.withSaveHandler`) and loads it back (`tf.io.fromMemory`). */
export async function saveAndLoad(model: tfl.LayersModel): Promise<{ loaded: tfl.LayersModel; artifacts: tf.io.ModelArtifacts }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const artifacts = saved as tf.io.ModelArtifacts;
  return { loaded: await tfl.loadLayersModel(tf.io.fromMemory(artifacts)), artifacts };
}

/** Seeded values in [−scale, scale) + offset. */
export function seededValues(size: number, seed: number, scale = 1, offset = 0): Float32Array {
  const uniform = uniformFrom(seed);
  return Float32Array.from({ length: size }, () => offset + (2 * uniform() - 1) * scale);
}

/** A seeded float32 tensor. */
export function seededTensor(shape: number[], seed: number, scale = 1, offset = 0): tf.Tensor {
  return tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), seed, scale, offset), shape);
}

/** The layer of `model` that is an instance of `cls`. */
export function layerOf<T>(model: tfl.LayersModel, cls: abstract new (...args: never[]) => T): T {
  const found = model.layers.find((layer) => layer instanceof cls);
  if (found === undefined) throw new Error(`no ${cls.name} in the model`);
  return found as T;
}

/** A weight's values by its name suffix (`gamma`, `moving_mean`, …). */
export async function weightValues(layer: tfl.layers.Layer, suffix: string): Promise<Float32Array> {
  const weight = layer.weights.find((w) => w.originalName === suffix || w.originalName.endsWith(`/${suffix}`));
  if (weight === undefined) throw new Error(`no weight ${suffix} in ${layer.name}`);
  return (await weight.read().data()) as Float32Array;
}

/** Frees a layer's weights (tfjs only disposes layers that were applied symbolically). */
export function disposeWeights(layer: tfl.layers.Layer): void {
  layer.weights.forEach((weight) => weight.dispose());
}
