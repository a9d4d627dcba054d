/**
 * Seeded inputs, identical on every backend and in every run. Values come from the
 * library's host generators (as in examples/normalizers.ts), not from `tf.random*`, whose
 * streams differ by backend; only the inputs use them, the measured calls go through the
 * public API.
 */
import * as tf from '@tensorflow/tfjs-core';

import { seededUniform } from '../src/_internal/random';
import { fillStandardNormal } from '../src/_internal/sampling';

export { seededUniform as uniformGenerator };

export const elementsOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** N(mean, std²) float32 values of the given shape. */
export function normalTensor(shape: readonly number[], seed: number, mean = 0, std = 1): tf.Tensor {
  const values = fillStandardNormal(new Float64Array(elementsOf(shape)), seededUniform(seed));
  return tf.tensor(Float32Array.from(values, (v) => mean + std * v), [...shape], 'float32');
}

/** U(low, high) float32 values of the given shape. */
export function uniformTensor(shape: readonly number[], seed: number, low = 0, high = 1): tf.Tensor {
  const uniform = seededUniform(seed);
  return tf.tensor(Float32Array.from({ length: elementsOf(shape) }, () => low + (high - low) * uniform()), [...shape], 'float32');
}
