/**
 * The statistics kernels (`src/_internal/kernels/statistics/<gpu backend>`) against their
 * composites on the same GPU backend, within that backend's tolerance: every optional
 * input and broadcast, views whose reductions are shorter and longer than a workgroup,
 * many adjacent channels, exact constant groups, 0/0 variances, and no leak. One suite for
 * webgl (`webgl.browser.test.ts`) and webgpu (`webgpu.webgpu.test.ts`); cpu and wasm
 * have their own (`statistics.test.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { gradientSums, inputGradient, moments, scaleShift, type GradientSums } from '../../src/_internal/kernels/statistics/contract';
import type { StatisticsView } from '../../src/_internal/kernels/statistics/view';
import { expectClose, expectNoLeak, maxAbs } from './assert';
import { bothPaths } from './backends';
import { TOLERANCE } from './tolerance';

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
export function uniform(count: number, seed: number, low = -1, high = 1): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = low + ((state >>> 8) / 2 ** 24) * (high - low);
  }
  return values;
}

const STATISTICS_KERNELS = ['FeatstatsMoments', 'FeatstatsScaleShift', 'FeatstatsGradientSums', 'FeatstatsInputGradient'];

/**
 * Views [P, A, Q, B] with their γ/β maps (stride, size): NHWC per channel, NCHW per
 * channel, group norm's per channel over [N, L, G, C/G], layer norm's element-wise γ;
 * reductions of more elements than a workgroup has invocations (64; webgl chunks at 256),
 * and of fewer; many channels of channels-last data, which webgpu reduces 16 neighbouring
 * statistics per workgroup (37: a last workgroup partly filled).
 */
const VIEW_CASES: ReadonlyArray<[string, [number, number, number, number], number, number]> = [
  ['NHWC per channel', [2, 9, 3, 1], 1, 3],
  ['NCHW per channel', [2, 1, 3, 9], 9, 3],
  ['group norm', [2, 5, 2, 3], 1, 6],
  ['layer norm', [3, 1, 1, 12], 1, 12],
  ['long NHWC groups', [2, 700, 3, 1], 1, 3],
  ['long NCHW groups', [1, 1, 2, 1031], 1031, 2],
  ['batch norm NCHW', [1, 3, 4, 300], 300, 4],
  ['many NHWC channels', [2, 70, 37, 1], 1, 37],
  ['batch norm NHWC, many channels', [1, 130, 37, 1], 1, 37],
];

/** The statistics-kernel suite on the active GPU backend (`backend` names it in the tolerance table and the kernel registry). */
export function describeGpuStatisticsKernels(backend: 'webgl' | 'webgpu'): void {
  const tolerance = TOLERANCE[backend].value;
  const expectCloseToComposite = async (f: () => tf.Tensor | tf.Tensor[]): Promise<void> => {
    const { fused, composite, fusedShapes, compositeShapes } = await bothPaths(f);
    expect(fusedShapes).toEqual(compositeShapes);
    fused.forEach((values, k) => expectClose(values, composite[k] as Float32Array, tolerance, maxAbs(composite[k] as Float32Array)));
  };

  describe('statistics kernels match the composites', () => {
    for (const [label, shape, affineStride, affineSize] of VIEW_CASES) {
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
        // A statistic per kept index only, broadcast over outer: [1, 1, kept, 1].
        perKept: tf.tensor(uniform(shape[2], 11, 0.5, 2), [1, 1, shape[2], 1]),
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

      it(`${label}: scale-shift with and without optional factors and broadcast statistics`, async () => {
        const t = make();
        await expectCloseToComposite(() => scaleShift(t.x, { view, mean: t.mean }));
        await expectCloseToComposite(() => scaleShift(t.x, { view, mean: t.mean, scale: t.scale, shift: t.shift, gamma: t.gamma, beta: t.beta, features }));
        await expectCloseToComposite(() => scaleShift(t.x, { view, mean: t.mean, scale: t.perKept, beta: t.beta, features }));
        tf.dispose(Object.values(t));
      });

      it(`${label}: gradient sums and input gradient`, async () => {
        const t = make();
        await expectCloseToComposite(() => sumsList(gradientSums(t.x, t.dy, { view, mean: t.mean, affineGradients: false })));
        await expectCloseToComposite(() => sumsList(gradientSums(t.x, t.dy, { view, mean: t.mean, scale: t.scale, gamma: t.gamma, affineGradients: true, features })));
        await expectCloseToComposite(() => inputGradient(t.x, t.dy, { view, mean: t.mean, centering: t.a, projection: t.b, outScale: t.outScale }));
        await expectCloseToComposite(() => inputGradient(t.x, t.dy, { view, mean: t.mean, centering: t.a, projection: t.perKept, outScale: t.outScale, scale: t.scale, gamma: t.gamma, features }));
        tf.dispose(Object.values(t));
      });
    }

    it(`ran the ${backend} kernels (not the composites)`, () => {
      for (const name of STATISTICS_KERNELS) expect(tf.getKernel(name, backend), name).toBeDefined();
    });

    it('a constant group has its value as mean and exactly zero variance', async () => {
      const x = tf.fill([2, 600, 3, 1], 0.1);
      const [mean, variance] = momentsList(x, viewOf([2, 600, 3, 1]), 0) as [tf.Tensor, tf.Tensor];
      expect(Array.from(await mean.data())).toEqual(new Array(6).fill(Math.fround(0.1)));
      expect(Array.from(await variance.data())).toEqual(new Array(6).fill(0));
      tf.dispose([x, mean, variance]);
    });

    it('a variance with M − ddof = 0 is NaN (0/0), as the composite gives', async () => {
      const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
      const [mean, variance] = momentsList(x, viewOf([1, 1, 3, 1]), 1) as [tf.Tensor, tf.Tensor];
      expect(Array.from(await mean.data())).toEqual([1, 2, 3]);
      expect(Array.from(await variance.data()).every(Number.isNaN)).toBe(true);
      tf.dispose([x, mean, variance]);
    });

    it('leaks no tensor or GPU buffer', async () => {
      const shape: [number, number, number, number] = [2, 700, 3, 1];
      const x = tf.tensor4d(uniform(2 * 700 * 3, 1), shape);
      const gamma = tf.ones([3]);
      await expectNoLeak(() => {
        const { mean, variance } = moments(x, { view: viewOf(shape), ddof: 0 });
        const factors = { view: viewOf(shape), mean, scale: variance, gamma, features: { stride: 1, size: 3 } };
        const y = scaleShift(x, factors);
        const sums = gradientSums(x, y, { ...factors, affineGradients: true });
        const dx = inputGradient(x, y, { ...factors, centering: sums.sumG, projection: sums.sumGNormalized, outScale: variance });
        tf.dispose([mean, variance, y, dx, ...sumsList(sums)]);
      });
      tf.dispose([x, gamma]);
    });
  });
}
