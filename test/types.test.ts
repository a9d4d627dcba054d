/**
 * Rank-preserving types: every op that returns its input's shape is generic in tfjs-core's
 * style, `<T extends tf.Tensor>(x: T | tf.TensorLike, …): T`, so its result goes straight
 * into a rank-typed tfjs op (`tf.conv2d` takes a Tensor3D or Tensor4D) without a cast.
 *
 * The checks that matter are the types: this file is compiled by `npm run typecheck`
 * (tsconfig includes test/), where `expectTypeOf(…).toEqualTypeOf<…>()` fails to compile if
 * an op returns a rank-erased `tf.Tensor` again, and so does each `tf.conv2d(op(x4d), …)`
 * (TS2345). The `@ts-expect-error` line proves that the conv2d check can fail: the
 * compiler rejects a rank-erased tensor there. At run time the calls also run once, so the
 * file is not types alone.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect, expectTypeOf, it } from 'vitest';

import {
  adain,
  argsort,
  batchNorm,
  efdm,
  efdmix,
  gaussianBlur,
  gaussianNoise,
  groupNorm,
  instanceNorm,
  layerNorm,
  perturbMeanStd,
  randomMask,
  sort,
} from '../src';
import { describeBackends } from './helpers/backends';

describeBackends('rank-preserving types', () => {
  it('keeps the rank type of a Tensor4D through every shape-preserving op, so tf.conv2d takes the result', () => {
    tf.tidy(() => {
      const x4d: tf.Tensor4D = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 1);
      const filter: tf.Tensor4D = tf.ones([1, 1, 3, 2]);
      const channels = tf.ones([3]);

      // The case: no cast between instanceNorm and conv2d.
      const y = tf.conv2d(instanceNorm(x4d), filter, 1, 'same');
      expect(y.shape).toEqual([2, 4, 4, 2]);

      expectTypeOf(instanceNorm(x4d)).toEqualTypeOf<tf.Tensor4D>();
      expectTypeOf(batchNorm(x4d)).toEqualTypeOf<tf.Tensor4D>();
      expectTypeOf(groupNorm(x4d, { groups: 3 })).toEqualTypeOf<tf.Tensor4D>();
      expectTypeOf(layerNorm(x4d)).toEqualTypeOf<tf.Tensor4D>();
      expectTypeOf(adain(x4d, x4d)).toEqualTypeOf<tf.Tensor4D>();
      expectTypeOf(efdm(x4d, x4d)).toEqualTypeOf<tf.Tensor4D>();
      expectTypeOf(efdmix(x4d, { seed: 1 })).toEqualTypeOf<tf.Tensor4D>();
      expectTypeOf(perturbMeanStd(x4d, channels, channels)).toEqualTypeOf<tf.Tensor4D>();
      expectTypeOf(gaussianNoise(x4d, { std: 0.1, seed: 1 })).toEqualTypeOf<tf.Tensor4D>();
      expectTypeOf(randomMask(x4d, { fraction: 0.5, seed: 1 })).toEqualTypeOf<tf.Tensor4D>();
      expectTypeOf(gaussianBlur(x4d, { kernelSize: 3, sigma: 1 })).toEqualTypeOf<tf.Tensor4D>();
      expectTypeOf(sort(x4d)).toEqualTypeOf<tf.Tensor4D>();
      expectTypeOf(argsort(x4d)).toEqualTypeOf<tf.Tensor4D>();

      // Each result also feeds conv2d as the user wrote it.
      const outputs = [
        tf.conv2d(batchNorm(x4d), filter, 1, 'same'),
        tf.conv2d(groupNorm(x4d, { groups: 3 }), filter, 1, 'same'),
        tf.conv2d(layerNorm(x4d), filter, 1, 'same'),
        tf.conv2d(adain(x4d, x4d), filter, 1, 'same'),
        tf.conv2d(efdm(x4d, x4d), filter, 1, 'same'),
        tf.conv2d(efdmix(x4d, { seed: 1 }), filter, 1, 'same'),
        tf.conv2d(perturbMeanStd(x4d, channels, channels), filter, 1, 'same'),
        tf.conv2d(gaussianNoise(x4d, { std: 0.1, seed: 1 }), filter, 1, 'same'),
        tf.conv2d(randomMask(x4d, { fraction: 0.5, seed: 1 }), filter, 1, 'same'),
        tf.conv2d(gaussianBlur(x4d, { kernelSize: 3, sigma: 1 }), filter, 1, 'same'),
        tf.conv2d(sort(x4d), filter, 1, 'same'),
      ];
      for (const out of outputs) expect(out.shape).toEqual([2, 4, 4, 2]);

      // @ts-expect-error a rank-erased tf.Tensor is no Tensor3D | Tensor4D: what every op returned before.
      tf.conv2d(tf.add(x4d, 0) as tf.Tensor, filter, 1, 'same');
    });
  });

  it('types nested arrays as tf.Tensor (no rank to keep) and keeps other ranks', () => {
    tf.tidy(() => {
      expectTypeOf(instanceNorm([[[[1], [2]]], [[[3], [5]]]])).toEqualTypeOf<tf.Tensor>();
      const x3d: tf.Tensor3D = tf.tensor3d([[[1], [2]], [[3], [5]]]);
      expectTypeOf(instanceNorm(x3d, { dataFormat: 'NWC' })).toEqualTypeOf<tf.Tensor3D>();
      expectTypeOf(efdm(x3d, x3d, { dataFormat: 'NWC' })).toEqualTypeOf<tf.Tensor3D>();
      const x2d: tf.Tensor2D = tf.tensor2d([[1, 2], [3, 5]]);
      expectTypeOf(batchNorm(x2d)).toEqualTypeOf<tf.Tensor2D>();
      expectTypeOf(sort(x2d)).toEqualTypeOf<tf.Tensor2D>();
      expect(batchNorm(x2d).shape).toEqual([2, 2]);
    });
  });
});
