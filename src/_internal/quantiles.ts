/**
 * Linear resampling of sorted rows to another length, used when EFDM's style has a
 * different number of spatial positions L' than the content's L. Target position j of L
 * reads the sorted style at the fractional index `p = j·(L' − 1)/(L − 1)`:
 * `(1 − w)·sorted[⌊p⌋] + w·sorted[⌊p⌋ + 1]`, w = p − ⌊p⌋. When L' = L this is the
 * identity, so the exact histogram match is the special case. A single content position
 * (L = 1) reads the median position p = (L' − 1)/2.
 *
 * The positions depend only on (L, L'), so they are computed on the host in float64 and
 * uploaded as constants: no data leaves the backend.
 */
import * as tf from '@tensorflow/tfjs-core';

import { rowOffsets } from './kernels/sort/contract';

/** Lower neighbour, upper neighbour and upper weight of each of the L target positions. */
function plan(sourceLength: number, targetLength: number) {
  const lower = new Int32Array(targetLength);
  const upper = new Int32Array(targetLength);
  const weight = new Float32Array(targetLength);
  for (let j = 0; j < targetLength; j++) {
    const position = targetLength === 1 ? (sourceLength - 1) / 2 : (j * (sourceLength - 1)) / (targetLength - 1);
    const low = Math.min(Math.floor(position), sourceLength - 1);
    lower[j] = low;
    upper[j] = Math.min(low + 1, sourceLength - 1);
    weight[j] = position - low;
  }
  return { lower, upper, weight };
}

/** Resamples sorted rows `[R, L']` to `[R, targetLength]` by linear interpolation. */
export function resampleSorted(sorted: tf.Tensor2D, targetLength: number): tf.Tensor2D {
  return tf.tidy(() => {
    const { lower, upper, weight } = plan(sorted.shape[1], targetLength);
    const w = tf.tensor1d(weight);
    const low = tf.gather(sorted, tf.tensor1d(lower, 'int32'), 1);
    const high = tf.gather(sorted, tf.tensor1d(upper, 'int32'), 1);
    return tf.add(tf.mul(low, tf.sub(1, w)), tf.mul(high, w));
  });
}

/**
 * Gradient of {@link resampleSorted}: each target's gradient splits over its two
 * neighbours with weights (1 − w, w), summed where several targets share a neighbour.
 * One scatter-add (scatterND sums duplicate indices) over constant indices.
 */
export function resampleSortedGrad(dResampled: tf.Tensor2D, sourceLength: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows, targetLength] = dResampled.shape;
    const { lower, upper, weight } = plan(sourceLength, targetLength);
    const w = tf.tensor1d(weight);
    const offsets = rowOffsets(rows, sourceLength);
    const targets = (neighbour: Int32Array) => tf.reshape(tf.add(tf.tensor1d(neighbour, 'int32'), offsets), [-1]);
    const indices = tf.reshape(tf.concat([targets(lower), targets(upper)]), [-1, 1]);
    const updates = tf.concat([tf.reshape(tf.mul(dResampled, tf.sub(1, w)), [-1]), tf.reshape(tf.mul(dResampled, w), [-1])]);
    return tf.reshape(tf.scatterND(indices, updates, [rows * sourceLength]), [rows, sourceLength]);
  });
}
