/** What every featstats layer does with the tensors and shapes tfjs-layers hands it. */
import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';

import { formatShape, opError } from '../errors';
import { describeValue } from '../validate';

/**
 * The one input of a single-input layer as float32. Keras layers compute in their dtype
 * (float32), so an int32 image from `tf.browser.fromPixels` is cast, as Keras casts it.
 */
export function oneFloatInput(inputs: tf.Tensor | tf.Tensor[], layer: string): tf.Tensor {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length !== 1) throw opError(layer, `inputs must be one tensor but got ${list.length}`);
  return floatInput(list[0] as tf.Tensor, 'input', layer);
}

/** A tensor input as float32 (numeric dtypes cast). */
export function floatInput(x: tf.Tensor, arg: string, layer: string): tf.Tensor {
  if (!(x instanceof tf.Tensor)) throw opError(layer, `${arg} must be a tensor but got ${typeof x}`);
  if (x.dtype === 'string') throw opError(layer, `${arg} must be numeric but got a string tensor`);
  return x.dtype === 'float32' ? x : tf.cast(x, 'float32');
}

/** The input shapes of a layer of `count` inputs, each as an array. */
export function inputShapes(inputShape: Shape | Shape[], count: number, layer: string): Shape[] {
  const shapes = count === 1 && !Array.isArray(inputShape[0]) ? [inputShape as Shape] : (inputShape as Shape[]);
  if (shapes.length !== count || !shapes.every(Array.isArray)) {
    throw opError(layer, `inputs must be ${count === 1 ? 'one tensor' : `a list of ${count} tensors`} but got ${describeValue(inputShape)}`);
  }
  return shapes;
}

/** The channel count at `axis`, which must be known when the layer is built. */
export function definedDim(shape: Shape, axis: number, layer: string): number {
  const dim = shape[axis];
  if (typeof dim !== 'number') {
    throw opError(layer, `input must have a defined dimension at axis ${axis} but got shape ${formatShape(shape.map((d) => d ?? -1))} (-1: unknown)`);
  }
  return dim;
}
