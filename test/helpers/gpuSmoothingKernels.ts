/**
 * The smoothing kernel (`src/_internal/kernels/smoothing/<gpu backend>`) against its
 * composite on the same GPU backend, within that backend's tolerance: inner sizes 1, 3 and
 * ≥ 16 around the axis, L = 1, 2 and shorter than the radius, a stencil longer than a
 * uniform array holds, any sparse matrix, non-finite inputs against a sparse float64
 * reference, no leak; and gaussianBlur reading nothing back from the GPU, forward and
 * backward. One suite for webgl (`webgl.browser.test.ts`) and webgpu
 * (`webgpu.webgpu.test.ts`); cpu and wasm have theirs in `smoothAxis.test.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { gaussianMatrix } from '../../src/_internal/gaussian';
import { smoothAxis, sparseRows, stencilBand } from '../../src/_internal/kernels/smoothing/contract';
import { gaussianBlur } from '../../src/corruptions';
import { expectClose, expectNoLeak } from './assert';
import { bothPaths, useBackend } from './backends';
import { uniform } from './gpuStatisticsKernels';
import { countReadbacks } from './readbacks';
import { TOLERANCE } from './tolerance';

/** The smoothing kernel's suite and gaussianBlur's readback check on `backend`. */
export function describeGpuSmoothingKernels(backend: 'webgl' | 'webgpu'): void {
  describe('the smoothing kernel matches the composite', () => {
    beforeAll(() => useBackend(backend));
    // [label, x's shape, axis, kernel size, σ]: inner sizes 1, 3 and ≥ 16 around the
    // axis; L = 1, 2 and L shorter than the radius, where reflection folds taps several
    // times onto one column.
    const cases: ReadonlyArray<[string, number[], number, number, number]> = [
      ['inner 1 (the last axis)', [2, 3, 20], 2, 5, 1],
      ['inner 3', [2, 20, 3], 1, 5, 1],
      ['inner 17', [2, 12, 17], 1, 7, 1.5],
      ['the first axis (outer 1)', [9, 4, 3], 0, 3, 1],
      ['rank 4, an image height', [2, 11, 6, 3], 1, 9, 2],
      ['L = 1', [2, 1, 3], 1, 5, 1],
      ['L = 2', [2, 2, 3], 1, 5, 1],
      ['L shorter than the radius', [2, 3, 4], 1, 15, 2.5],
      ['a long axis', [1, 300, 2], 1, 37, 9],
      ['a 151-tap stencil (too long for a webgl uniform array)', [1, 400, 1], 1, 151, 30],
    ];
    for (const [label, shape, axis, kernelSize, sigma] of cases) {
      for (const transpose of [false, true]) {
        it(`${label}, kernel ${kernelSize}${transpose ? ', transposed' : ''}`, async () => {
          const length = shape[axis] as number;
          const x = tf.tensor(uniform(shape.reduce((a, b) => a * b, 1), 31 + length), shape);
          const matrix = gaussianMatrix(length, sigma, kernelSize);
          const { fused, composite, fusedShapes } = await bothPaths(() => smoothAxis(x, matrix, axis, transpose));
          expect(fusedShapes[0]).toEqual(shape);
          expectClose(fused[0] as Float32Array, composite[0] as Float32Array, TOLERANCE[backend].value);
          x.dispose();
        });
      }
    }

    it('finds the rows that share one stencil (the band read from uniforms)', () => {
      // 5 taps over 20 positions: rows 2…17 reach no border; their columns start at i − 2.
      for (const transpose of [false, true]) {
        const band = stencilBand(sparseRows(gaussianMatrix(20, 1, 5), 20, transpose), 20);
        expect([band.start, band.end, band.offset, band.stencil.length]).toEqual(transpose ? [3, 17, -2, 5] : [2, 18, -2, 5]);
      }
      // L below the radius: every row folds, none has consecutive taps of one stencil twice.
      expect(stencilBand(sparseRows(gaussianMatrix(3, 2.5, 15), 3, false), 3).end).toBeLessThanOrEqual(1);
    });

    it('any matrix (zeros inside rows, an empty row), transposed or not', async () => {
      const length = 9;
      const matrix = uniform(length * length, 41).map((v, k) => (v > 0.2 || Math.floor(k / length) === 4 ? 0 : v));
      const x = tf.tensor(uniform(2 * length * 5, 42), [2, length, 5]);
      for (const transpose of [false, true]) {
        const { fused, composite } = await bothPaths(() => smoothAxis(x, matrix, 1, transpose));
        expectClose(fused[0] as Float32Array, composite[0] as Float32Array, TOLERANCE[backend].value);
      }
      x.dispose();
    });

    it('a non-finite input reaches only the outputs within the kernel\'s reach, as on the host', async () => {
      // x [1, 12, 3] along axis 1, 3 taps: NaN at (2, 1) and (0, 2), +∞ at (9, 0). The sparse
      // float64 sum over each row's nonzero entries is the reference (the dense composite
      // would make both lines wholly NaN, 0·∞).
      const [length, inner] = [12, 3];
      const values = uniform(length * inner, 45);
      values[2 * inner + 1] = NaN;
      values[9 * inner] = Infinity;
      values[2] = NaN; // at (0, 2): a row ending in padding (row 11, two entries) must not read it
      const x = tf.tensor(values, [1, length, inner]);
      const matrix = gaussianMatrix(length, 1, 3);
      for (const transpose of [false, true]) {
        const { columns, weights, taps } = sparseRows(matrix, length, transpose);
        const expected = new Float64Array(length * inner);
        for (let i = 0; i < length; i++) {
          for (let c = 0; c < inner; c++) {
            let sum = 0;
            for (let t = 0; t < taps && (columns[i * taps + t] as number) >= 0; t++) sum += (weights[i * taps + t] as number) * (values[(columns[i * taps + t] as number) * inner + c] as number);
            expected[i * inner + c] = sum;
          }
        }
        const out = smoothAxis(x, matrix, 1, transpose);
        const got = (await out.data()) as Float32Array;
        out.dispose();
        // Rows 1–3 of channel 1 and 0–1 of channel 2 are NaN, rows 8–10 of channel 0 +∞; all else is finite.
        const nonFinite = Array.from(expected, (v, k) => (Number.isFinite(v) ? 'finite' : String(v)) + `@${Math.floor(k / inner)},${k % inner}`).filter((s) => !s.startsWith('finite'));
        expect(nonFinite).toEqual(['NaN@0,2', 'NaN@1,1', 'NaN@1,2', 'NaN@2,1', 'NaN@3,1', 'Infinity@8,0', 'Infinity@9,0', 'Infinity@10,0']);
        // The same non-finite values at the same places (NaN as a string: NaN !== NaN).
        const kinds = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isFinite(v) ? 'finite' : String(v)));
        expect(kinds(got)).toEqual(kinds(expected));
        const finite = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isFinite(v) ? v : 0));
        expectClose(finite(got), finite(expected), TOLERANCE[backend].value);
      }
      x.dispose();
    });

    it(`ran the ${backend} kernel (not the composite)`, () => {
      expect(tf.getKernel('FeatstatsSmoothAxis', backend)).toBeDefined();
    });

    it('leaks no tensor or GPU data', async () => {
      const x = tf.tensor(uniform(2 * 20 * 3, 46), [2, 20, 3]);
      const matrix = gaussianMatrix(20, 1, 5);
      await expectNoLeak(() => {
        tf.dispose([smoothAxis(x, matrix, 1, false), smoothAxis(x, matrix, 1, true)]);
      });
      x.dispose();
    });
  });

  describe('no GPU → CPU read in gaussianBlur, forward and backward', () => {
    beforeAll(() => useBackend(backend));
    // Inputs made on the GPU (tf.add of an upload), so a read of them would count.
    const onGpu = (shape: number[], seed: number) => tf.tidy(() => tf.add(tf.tensor(uniform(shape.reduce((a, b) => a * b, 1), seed), shape), tf.scalar(0.5)));
    for (const dataFormat of ['NHWC', 'NCHW'] as const) {
      it(`${dataFormat}: 0 readbacks in the forward and in the gradient`, async () => {
        const x = onGpu([2, 9, 7, 3], 47);
        const weights = onGpu([2, 9, 7, 3], 48);
        const blur = (t: tf.Tensor) => gaussianBlur(t, { kernelSize: 5, sigma: 1.2, dataFormat });
        let outputs: tf.Tensor[] = [];
        const reads = await countReadbacks(() => {
          // The gradient with `weights` as the upstream dy (no tfjs gradient is needed).
          outputs = [blur(x), tf.grad(blur)(x, weights)];
        });
        expect(reads).toBe(0);
        // The values are there to read afterwards (the count is not 0 for want of work).
        for (const t of outputs) expect(Array.from(await t.data()).every(Number.isFinite)).toBe(true);
        expect(tf.getKernel('FeatstatsSmoothAxis', backend)).toBeDefined();
        tf.dispose([x, weights, ...outputs]);
      });
    }
  });
}
