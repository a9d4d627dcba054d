/**
 * The webgl fused kernels (`src/_internal/kernels/<family>/webgl`) against their composites: the
 * row kernels bit for bit (ties, −0/+0, n = 1, odd n, both directions), the statistics
 * kernels within the webgl tolerance, and neither leaking tensors or textures. cpu and
 * wasm kernels have their own suites; this file runs only in the browser project
 * (`*.browser.test.ts` is excluded from the node project).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { setFastPaths } from '../../src';
import { gradientSums, inputGradient, moments, scaleShift, type GradientSums } from '../../src/_internal/kernels/statistics/contract';
import type { StatisticsView } from '../../src/_internal/kernels/statistics/view';
import { argsortRows, gatherRows, invertPermutationRows } from '../../src/_internal/kernels/sort/contract';
import { expectClose, expectNoLeak, maxAbs } from '../helpers/assert';
import { useBackend } from '../helpers/backends';
import { TOLERANCE } from '../helpers/tolerance';

/** The statistics view of a `[P, A, Q, B]` tensor read as itself. */
function viewOf([outer, reducedOuter, kept, reducedInner]: readonly number[]): StatisticsView {
  return { outer: outer ?? 1, reducedOuter: reducedOuter ?? 1, kept: kept ?? 1, reducedInner: reducedInner ?? 1 };
}

function momentsList(x: tf.Tensor, view: StatisticsView, ddof: number): tf.Tensor[] {
  const { mean, variance } = moments(x, { view, ddof });
  return [mean, variance];
}

function sumsList({ sumG, sumGNormalized, dGamma, dBeta }: GradientSums): tf.Tensor[] {
  return [sumG, sumGNormalized, ...(dGamma === undefined || dBeta === undefined ? [] : [dGamma, dBeta])];
}

/** Seeded uniform values in [low, high) (a 32-bit LCG: reproducible test data). */
function uniform(count: number, seed: number, low = -1, high = 1): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = low + ((state >>> 8) / 2 ** 24) * (high - low);
  }
  return values;
}

/** Runs `f` with fast paths on and off; returns both results' values. */
async function fusedAndComposite(f: () => tf.Tensor | tf.Tensor[]): Promise<Array<[Float32Array | Int32Array, Float32Array | Int32Array]>> {
  const run = async (fast: boolean) => {
    setFastPaths(fast);
    try {
      const out = f();
      const list = Array.isArray(out) ? out : [out];
      const values = await Promise.all(list.map((t) => t.data() as Promise<Float32Array | Int32Array>));
      tf.dispose(list);
      return values;
    } finally {
      setFastPaths(true);
    }
  };
  const fused = await run(true);
  const composite = await run(false);
  expect(fused.length).toBe(composite.length);
  return fused.map((values, i) => [values, composite[i] as Float32Array | Int32Array]);
}

async function expectSameAsComposite(f: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  for (const [fused, composite] of await fusedAndComposite(f)) expect(Array.from(fused)).toEqual(Array.from(composite));
}

async function expectCloseToComposite(f: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  for (const [fused, composite] of await fusedAndComposite(f)) expectClose(fused, composite, TOLERANCE.webgl.value, maxAbs(composite));
}

describe('webgl fused kernels', () => {
  it('uses the webgl backend', async () => {
    await useBackend('webgl');
    expect(tf.getBackend()).toBe('webgl');
  });

  describe('row kernels match the composites bit for bit', () => {
    const rowCases: Array<[string, number, number]> = [['n = 1', 3, 1], ['n = 2', 2, 2], ['odd n', 4, 13], ['power of two', 3, 16], ['long rows', 5, 1000]];
    for (const [label, rows, n] of rowCases) {
      for (const descending of [false, true]) {
        it(`argsort, ${label}, ${descending ? 'descending' : 'ascending'}, with ties and signed zeros`, async () => {
          // Few distinct values: many ties; −0 and +0 both occur and must compare equal.
          const values = Array.from(uniform(rows * n, 7 + n), (v) => Math.round(v * 3) / 2);
          values.forEach((v, i) => (values[i] = v === 0 && i % 2 === 1 ? -0 : v));
          const x = tf.tensor2d(values, [rows, n]);
          await expectSameAsComposite(() => argsortRows(x, descending));
          x.dispose();
        });
      }
    }

    it('argsort of int32 rows, both directions, with extreme values', async () => {
      const values = Array.from(uniform(4 * 37, 11), (v) => Math.round(v * 5));
      values[0] = -(2 ** 24);
      values[5] = 2 ** 24;
      const x = tf.tensor2d(values, [4, 37], 'int32');
      await expectSameAsComposite(() => argsortRows(x, false));
      await expectSameAsComposite(() => argsortRows(x, true));
      x.dispose();
    });

    it('gathers rows of float32 and int32 tensors', async () => {
      const x = tf.tensor2d(uniform(3 * 9, 5), [3, 9]);
      const xInt = tf.tensor2d(Array.from(uniform(3 * 9, 6), (v) => Math.round(v * 100)), [3, 9], 'int32');
      const indices = tf.tensor2d(Array.from(uniform(3 * 5, 8, 0, 9), Math.floor), [3, 5], 'int32');
      await expectSameAsComposite(() => gatherRows(x, indices));
      await expectSameAsComposite(() => gatherRows(xInt, indices));
      tf.dispose([x, xInt, indices]);
    });

    it('inverts row permutations', async () => {
      for (const n of [1, 7, 64, 300]) {
        const x = tf.tensor2d(uniform(3 * n, n), [3, n]);
        const perm = argsortRows(x, false);
        await expectSameAsComposite(() => invertPermutationRows(perm));
        tf.dispose([x, perm]);
      }
    });

    it('ran the webgl kernels (not the composites)', () => {
      for (const name of ['FeatstatsArgsortRows', 'FeatstatsGatherRows', 'FeatstatsInvertPermutationRows']) {
        expect(tf.getKernel(name, 'webgl'), name).toBeDefined();
      }
    });

    it('leaks no tensor or texture', async () => {
      const x = tf.tensor2d(uniform(2 * 50, 3), [2, 50]);
      await expectNoLeak(() => {
        const order = argsortRows(x, true);
        tf.dispose([order, gatherRows(x, order), invertPermutationRows(order)]);
      });
      x.dispose();
    });
  });

  // Views [P, A, Q, B] with their γ/β maps: NHWC per channel, NCHW per channel, group
  // norm's per channel over [N, L, G, C/G], layer norm's element-wise γ; A·B > 256
  // exercises the chunked reductions.
  const viewCases: Array<[string, [number, number, number, number], number, number]> = [
    ['NHWC per channel', [2, 9, 3, 1], 1, 3],
    ['NCHW per channel', [2, 1, 3, 9], 9, 3],
    ['group norm', [2, 5, 2, 3], 1, 6],
    ['layer norm', [3, 1, 1, 12], 1, 12],
    ['long NHWC groups', [2, 700, 3, 1], 1, 3],
    ['long NCHW groups', [1, 1, 2, 1031], 1031, 2],
    ['batch norm NCHW', [1, 3, 4, 300], 300, 4],
  ];

  describe('statistics kernels match the composites', () => {
    for (const [label, shape, affineStride, affineSize] of viewCases) {
      const size = shape.reduce((s, d) => s * d, 1);
      const statShape = [shape[0], 1, shape[2], 1];
      const statSize = shape[0] * shape[2];
      const view = viewOf(shape);
      const features = { stride: affineStride, size: affineSize };
      const make = () => ({
        x: tf.tensor4d(uniform(size, 1, 2, 6), shape),
        dy: tf.tensor4d(uniform(size, 2), shape),
        mean: tf.tensor(uniform(statSize, 3, 2, 6), statShape),
        scale: tf.tensor(uniform(statSize, 4, 0.5, 2), statShape),
        shift: tf.tensor(uniform(statSize, 5), statShape),
        a: tf.tensor(uniform(statSize, 6), statShape),
        b: tf.tensor(uniform(statSize, 7), statShape),
        outScale: tf.tensor(uniform(statSize, 8, 0.5, 2), statShape),
        gamma: tf.tensor1d(uniform(affineSize, 9, 0.5, 2)),
        beta: tf.tensor1d(uniform(affineSize, 10)),
      });

      it(`${label}: moments (ddof 0 and 1)`, async () => {
        const t = make();
        await expectCloseToComposite(() => momentsList(t.x, view, 0));
        await expectCloseToComposite(() => momentsList(t.x, view, 1));
        tf.dispose(Object.values(t));
      });

      it(`${label}: scale-shift with and without optional factors`, async () => {
        const t = make();
        await expectCloseToComposite(() => scaleShift(t.x, { view, mean: t.mean }));
        await expectCloseToComposite(() => scaleShift(t.x, { view, mean: t.mean, scale: t.scale, shift: t.shift, gamma: t.gamma, beta: t.beta, features }));
        await expectCloseToComposite(() => scaleShift(t.x, { view, mean: t.mean, scale: t.scale, beta: t.beta, features }));
        tf.dispose(Object.values(t));
      });

      it(`${label}: gradient sums and apply`, async () => {
        const t = make();
        await expectCloseToComposite(() => sumsList(gradientSums(t.x, t.dy, { view, mean: t.mean, affineGradients: false })));
        await expectCloseToComposite(() => sumsList(gradientSums(t.x, t.dy, { view, mean: t.mean, scale: t.scale, gamma: t.gamma, affineGradients: true, features })));
        await expectCloseToComposite(() => inputGradient(t.x, t.dy, { view, mean: t.mean, centering: t.a, projection: t.b, outScale: t.outScale }));
        await expectCloseToComposite(() => inputGradient(t.x, t.dy, { view, mean: t.mean, centering: t.a, projection: t.b, outScale: t.outScale, scale: t.scale, gamma: t.gamma, features }));
        tf.dispose(Object.values(t));
      });
    }

    it('ran the webgl kernels (not the composites)', () => {
      for (const name of ['FeatstatsMoments', 'FeatstatsScaleShift', 'FeatstatsGradientSums', 'FeatstatsInputGradient']) {
        expect(tf.getKernel(name, 'webgl'), name).toBeDefined();
      }
    });

    it('a constant group has its value as mean and exactly zero variance', async () => {
      const x = tf.fill([2, 600, 3, 1], 0.1);
      const [mean, variance] = momentsList(x, viewOf([2, 600, 3, 1]), 0) as [tf.Tensor, tf.Tensor];
      expect(Array.from(await mean.data())).toEqual(new Array(6).fill(Math.fround(0.1)));
      expect(Array.from(await variance.data())).toEqual(new Array(6).fill(0));
      tf.dispose([x, mean, variance]);
    });

    it('leaks no tensor or texture', async () => {
      const shape: [number, number, number, number] = [2, 700, 3, 1];
      const [affineStride, affineSize] = [1, 3];
      const x = tf.tensor4d(uniform(2 * 700 * 3, 1), shape);
      const gamma = tf.ones([affineSize]);
      await expectNoLeak(() => {
        const { mean, variance } = moments(x, { view: viewOf(shape), ddof: 0 });
        const factors = { view: viewOf(shape), mean, scale: variance, gamma, features: { stride: affineStride, size: affineSize } };
        const y = scaleShift(x, factors);
        const sums = gradientSums(x, y, { ...factors, affineGradients: true });
        const dx = inputGradient(x, y, { ...factors, centering: sums.sumG, projection: sums.sumGNormalized, outScale: variance });
        tf.dispose([mean, variance, y, dx, ...sumsList(sums)]);
      });
      tf.dispose([x, gamma]);
    });
  });
});
