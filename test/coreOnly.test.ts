/**
 * Users may load only @tensorflow/tfjs-core and a backend, which registers no gradient
 * at all. This file imports nothing else (no helper that could pull tfjs gradients in)
 * and checks that every op still differentiates, with the values of its closed form.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, expect, it } from 'vitest';

import { adain, efdm, efdmix, meanStd, sort } from '../src';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('runs without any tfjs gradient or chained op registered', () => {
  expect(tf.getGradient('Sum')).toBeUndefined();
  expect(tf.getGradient('Mean')).toBeUndefined();
  expect((tf.zeros([1]) as unknown as { reshape?: unknown }).reshape).toBeUndefined();
  expect(() => tf.grad((x: tf.Tensor) => tf.sum(x))(tf.ones([2]))).toThrow(/gradient function not found for Sum/);
});

it('differentiates every op from its own closed-form gradient', async () => {
  const x = tf.tensor4d([[[[1], [4], [2], [9]]]]); // [1, 1, 4, 1]: N = 1, L = 4, C = 1
  const style = tf.tensor4d([[[[10], [30], [20], [40]]]]);
  const dy = tf.tensor4d([[[[1], [0], [0], [0]]]]);

  // meanStd: ∂μ/∂x = 1/L; ∂σ/∂xᵢ = (xᵢ − μ)/((L − 1)σ) with μ = 4, Σ(x − μ)² = 38.
  const dMean = tf.grad((v: tf.Tensor) => meanStd(v).mean)(x, tf.ones([1, 1, 1, 1]));
  expect(Array.from(await dMean.data())).toEqual([0.25, 0.25, 0.25, 0.25]);
  const sigma = Math.sqrt(38 / 3 + 1e-5);
  const dStd = tf.grad((v: tf.Tensor) => meanStd(v).std)(x, tf.ones([1, 1, 1, 1]));
  const expectedStd = [1, 4, 2, 9].map((v) => (v - 4) / (3 * sigma));
  Array.from(await dStd.data()).forEach((g, i) => expect(g).toBeCloseTo(expectedStd[i] as number, 6));

  // sort: x sorted is [1, 2, 4, 9]; dy[0] goes back to where 1 came from (index 0).
  const dSort = tf.grad((v: tf.Tensor) => sort(v))(tf.tensor1d([4, 1, 9, 2]), tf.tensor1d([1, 2, 3, 4]));
  expect(Array.from(await dSort.data())).toEqual([3, 1, 4, 2]);

  // efdm: content ranks [0, 2, 1, 3]; the target of element 0 is the smallest style value
  // (10, index 0), so dy = e₀ flows to style index 0; the content gets dy unchanged.
  const [dContent, dStyle] = tf.grads((c: tf.Tensor, s: tf.Tensor) => efdm(c, s))([x, style], dy);
  expect(Array.from(await (dContent as tf.Tensor).data())).toEqual([1, 0, 0, 0]);
  expect(Array.from(await (dStyle as tf.Tensor).data())).toEqual([1, 0, 0, 0]);

  // adain and efdmix: finite gradients of the right shapes (values are checked elsewhere).
  const adainGrads = tf.grads((c: tf.Tensor, s: tf.Tensor) => adain(c, s))([x, style], dy);
  expect(adainGrads.map((g) => g.shape)).toEqual([x.shape, style.shape]);
  const batch = tf.concat([x, style]);
  const dMix = tf.grad((v: tf.Tensor) => efdmix(v, { p: 1, seed: 3 }))(batch, tf.ones(batch.shape));
  expect(dMix.shape).toEqual(batch.shape);
  for (const g of [...adainGrads, dMix]) expect(Array.from(await g.data()).every(Number.isFinite)).toBe(true);
});

it('differentiates the norms from their own closed-form gradients', async () => {
  const { batchNorm, groupNorm, instanceNorm, layerNorm } = await import('../src');
  const x = tf.tensor4d([[[[1, 2]], [[4, 0]], [[2, 5]], [[9, 1]]]]); // [1, 4, 1, 2]
  const [gamma, beta] = [tf.tensor1d([2, 3]), tf.tensor1d([1, 1])];
  // The gradient of a normalisation sums to zero over each group (shift invariance), and
  // dβ = Σ dy; with dy = e₀ the checks below need no reference.
  const dy = tf.tensor4d([[[[1, 0]], [[0, 0]], [[0, 0]], [[0, 0]]]]);
  for (const run of [
    (v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => instanceNorm(v, { gamma: g, beta: b }),
    (v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => groupNorm(v, { groups: 2, gamma: g, beta: b }),
    (v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => batchNorm(v, { gamma: g, beta: b }),
  ]) {
    const [dx, dGamma, dBeta] = tf.grads(run)([x, gamma, beta], dy);
    const values = Array.from(await (dx as tf.Tensor).data());
    expect(Math.abs(values[0]! + values[2]! + values[4]! + values[6]!)).toBeLessThan(1e-6);
    expect(Array.from(await (dBeta as tf.Tensor).data())).toEqual([1, 0]);
    expect((dGamma as tf.Tensor).shape).toEqual([2]);
  }
  const dLayer = tf.grad((v: tf.Tensor) => layerNorm(v))(tf.tensor1d([1, 2, 4]));
  expect(Math.abs(Array.from(await dLayer.data()).reduce((a, b) => a + b, 0))).toBeLessThan(1e-6);
});
