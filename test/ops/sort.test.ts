import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { argsort, getFastPaths, sort, type SortOptions } from '../../src';
import { makeValues, uniformFrom } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, maxAbs, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { vjpByFiniteDifferences } from '../reference/finiteDifference';
import { sortRowsReference } from '../reference/sort';

/**
 * Largest int32 magnitude a backend stores exactly: webgl keeps int32 in float32 textures,
 * so beyond 2²⁴ its values (and hence their order) are rounded — a tfjs limitation.
 */
/**
 * The int32 range a path sorts exactly: webgl keeps int32 in float32 textures (README), and
 * on webgpu tfjs's own GatherV2 (4.22, `gather_webgpu.ts`) reads int32 through float32,
 * so the composite (fast paths off) rounds beyond ±2²⁴ there too; featstats' webgpu
 * kernels read int32 as i32. Read when a test runs, after the suite set its path.
 */
const exactInt32 = (backend: string) => (backend === 'webgl' || (backend === 'webgpu' && !getFastPaths()) ? 2 ** 24 : 2 ** 31);

/** Tensors of rank 1–4 with rows up to 64 long; `levels` > 0 draws that many distinct values (ties). */
const sortCases = (intRange: () => number) => fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 0, maxLength: 3 }),
    rowLength: fc.integer({ min: 1, max: 64 }),
    levels: fc.constantFrom(0, 1, 2, 5),
    dtype: fc.constantFrom<'float32' | 'int32'>('float32', 'int32'),
    descending: fc.boolean(),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .map(({ shape, rowLength, levels, dtype, descending, seed }) => {
    const fullShape = [...shape, rowLength];
    const size = fullShape.reduce((a, b) => a * b, 1);
    const uniform = uniformFrom(seed);
    const values = Array.from({ length: size }, () => {
      if (levels > 0) return Math.floor(uniform() * levels) - 1;
      return dtype === 'int32' ? Math.floor((uniform() - 0.5) * 2 * intRange()) : Math.fround((uniform() - 0.5) * 2e4);
    });
    return { shape: fullShape, values, dtype, descending };
  });

describeBackendsBothPaths('sort and argsort', (backend) => {
  const tolerance = TOLERANCE[backend];
  const sortCase = sortCases(() => exactInt32(backend));

  it('sorts along the last axis, keeping the shape', async () => {
    const x = tf.tensor2d([[3, 1, 2], [0, -1, 5]]);
    await expectNoLeak(async () => {
      expect(Array.from(await readAndDispose(sort(x)))).toEqual([1, 2, 3, -1, 0, 5]);
      expect(Array.from(await readAndDispose(sort(x, { descending: true })))).toEqual([3, 2, 1, 5, 0, -1]);
      const order = argsort(x);
      expect(order.dtype).toBe('int32');
      expect(order.shape).toEqual([2, 3]);
      expect(Array.from(await readAndDispose(order))).toEqual([1, 2, 0, 1, 0, 2]);
    });
    x.dispose();
  });

  it('keeps ties in index order in both directions', async () => {
    const x = tf.tensor1d([2, 1, 2, 0, 1, -0, 0]);
    expect(Array.from(await readAndDispose(argsort(x)))).toEqual([3, 5, 6, 1, 4, 0, 2]);
    expect(Array.from(await readAndDispose(argsort(x, { descending: true })))).toEqual([0, 2, 1, 4, 3, 5, 6]);
    x.dispose();
  });

  it('sorts int32 extremes without overflow', async () => {
    const [low, high] = [-exactInt32(backend), exactInt32(backend) - 1];
    const x = tf.tensor1d([high, low, 0, low], 'int32');
    expect(Array.from(await readAndDispose(sort(x)))).toEqual([low, low, 0, high]);
    expect(Array.from(await readAndDispose(argsort(x)))).toEqual([1, 3, 2, 0]);
    x.dispose();
  });

  it('rejects bad input with a featstats.sort/argsort message and leaks nothing', async () => {
    const [scalar, empty, flags, x] = [tf.scalar(1), tf.zeros([2, 0]), tf.tensor1d([true, false], 'bool'), tf.zeros([3])];
    await expectThrowsWithoutLeak(() => sort(scalar), /^featstats\.sort: x must have rank >= 1 but got rank 0 \(shape \[\]\)$/);
    await expectThrowsWithoutLeak(() => argsort(empty), /^featstats\.argsort: x must not be empty but got shape \[2,0\]$/);
    await expectThrowsWithoutLeak(() => argsort(flags), /^featstats\.argsort: x must be a float32 or int32 tensor but got bool \(shape \[2\]\)$/);
    await expectThrowsWithoutLeak(() => sort(x, { descending: 1 } as unknown as SortOptions), /^featstats\.sort: descending must be a boolean but got 1$/);
    await expectThrowsWithoutLeak(() => sort(x, { axis: 0 } as SortOptions), /^featstats\.sort: options must only name descending but got 'axis'$/);
    tf.dispose([scalar, empty, flags, x]);
  });

  it('agrees with the stable float64 reference sort exactly, ties included', async () => {
    await fc.assert(
      fc.asyncProperty(sortCase, async ({ shape, values, dtype, descending }) => {
        const expected = sortRowsReference(values, shape, descending);
        const x = tf.tensor(values, shape, dtype);
        expect(Array.from(await readAndDispose(argsort(x, { descending })))).toEqual(Array.from(expected.indices));
        const sorted = sort(x, { descending });
        expect(sorted.dtype).toBe(dtype);
        expect(Array.from(await readAndDispose(sorted))).toEqual(Array.from(expected.values));
        x.dispose();
      }),
      runs(60),
    );
  });

  it('routes the gradient back through the permutation: dx[order[k]] = dy[k]', async () => {
    await fc.assert(
      fc.asyncProperty(sortCase.filter((c) => c.dtype === 'float32'), fc.integer({ min: 0, max: 1e6 }), async ({ shape, values, descending }, seed) => {
        const { indices } = sortRowsReference(values, shape, descending);
        const dy = makeValues(shape, 'NHWC', 'spread', 1, seed);
        const n = shape[shape.length - 1] as number;
        const expected = new Float32Array(values.length);
        indices.forEach((i, k) => (expected[k - (k % n) + i] = dy[k] as number));
        const [x, dyTensor] = [tf.tensor(values, shape), tf.tensor(dy, shape)];
        await expectNoLeak(async () => {
          const gradient = tf.grad((input: tf.Tensor) => sort(input, { descending }))(x, dyTensor);
          expect(gradient.shape).toEqual(shape);
          expect(Array.from(await readAndDispose(gradient))).toEqual(Array.from(expected));
        });
        tf.dispose([x, dyTensor]);
      }),
      runs(40),
    );
  });

  it('has a gradient equal to finite differences of the reference away from ties', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.integer({ min: 0, max: 1e6 }), async (n, descending, seed) => {
        const shape = [3, n];
        const values = makeValues(shape, 'NHWC', 'spread', 1, seed);
        const dy = makeValues(shape, 'NHWC', 'spread', 1, seed + 1);
        const reference = vjpByFiniteDifferences((v) => sortRowsReference(v, shape, descending).values, values, dy, 1e-9);
        const [x, dyTensor] = [tf.tensor(values, shape), tf.tensor(dy, shape)];
        const gradient = tf.grad((input: tf.Tensor) => sort(input, { descending }))(x, dyTensor);
        expectClose(await readAndDispose(gradient), reference, tolerance.gradient, maxAbs(reference));
        tf.dispose([x, dyTensor]);
      }),
      runs(20),
    );
  });

  it('leaks no tensor through forward, backward and array inputs', async () => {
    const x = tf.randomNormal([4, 17]);
    await expectNoLeak(() => {
      const outputs = [sort(x), argsort(x, { descending: true }), sort([3, 1, 2]), tf.grad((input: tf.Tensor) => sort(input))(x)];
      tf.dispose(outputs);
    });
    x.dispose();
  });
});
