/**
 * The opposite setup: an app that loads all of tfjs's gradients (as @tensorflow/tfjs
 * does). featstats' tape nodes are named `featstats.<op>`, never after a tfjs kernel, so
 * a registered gradient can never replace one of ours; the results must be unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, expect, it } from 'vitest';

import { adain, efdm, meanStd, sort } from '../src';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('keeps featstats gradients when tfjs registers its own', async () => {
  expect(tf.getGradient('Sum')).toBeDefined();
  const x = tf.tensor4d([[[[1], [4], [2], [9]]]]);
  const style = tf.tensor4d([[[[10], [30], [20], [40]]]]);
  const dy = tf.tensor4d([[[[1], [0], [0], [0]]]]);
  const dMean = tf.grad((v: tf.Tensor) => meanStd(v).mean)(x, tf.ones([1, 1, 1, 1]));
  expect(Array.from(await dMean.data())).toEqual([0.25, 0.25, 0.25, 0.25]);
  const dSort = tf.grad((v: tf.Tensor) => sort(v))(tf.tensor1d([4, 1, 9, 2]), tf.tensor1d([1, 2, 3, 4]));
  expect(Array.from(await dSort.data())).toEqual([3, 1, 4, 2]);
  const [dContent, dStyle] = tf.grads((c: tf.Tensor, s: tf.Tensor) => efdm(c, s))([x, style], dy);
  expect(Array.from(await (dContent as tf.Tensor).data())).toEqual([1, 0, 0, 0]);
  expect(Array.from(await (dStyle as tf.Tensor).data())).toEqual([1, 0, 0, 0]);
  // A loss built from tfjs ops with tfjs gradients composes with featstats ops.
  const loss = (c: tf.Tensor) => tf.sum(tf.square(adain(c, style)));
  const gradient = tf.grad(loss)(x);
  expect(Array.from(await gradient.data()).every(Number.isFinite)).toBe(true);
});
