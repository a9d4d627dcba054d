/**
 * The smoothing kernel (`src/_internal/kernels/smoothing/contract.ts`) against float64
 * sums of the dense matrix, with the compiled sums required and with the TypeScript
 * loops (on cpu and wasm; elsewhere both runs are the backend's kernel or composite): reflected
 * Gaussians (a band of equal rows, border rows of consecutive columns) and arbitrary
 * sparse matrices (rows with gaps and empty rows), transposed or not, every inner size
 * from 1 to past a vector tile.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { gaussianMatrix } from '../../src/_internal/gaussian';
import { smoothAxis } from '../../src/_internal/kernels/smoothing/contract';
import { uniformFrom } from '../helpers/arbitraries';
import { expectClose, expectNoLeak } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';
import { withEngine } from '../helpers/hostEngines';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';

/** y[o, i, c] = Σ_j M[i, j]·x[o, j, c] (Mᵀ when transposed) in float64, and Σ_j |M[i, j]·x[o, j, c]|. */
function reference(x: Float32Array, matrix: Float32Array, [outer, length, inner]: [number, number, number], transpose: boolean): { values: Float64Array; scale: Float64Array } {
  const values = new Float64Array(x.length);
  const scale = new Float64Array(x.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < length; i++) {
      for (let c = 0; c < inner; c++) {
        let [sum, magnitude] = [0, 0];
        for (let j = 0; j < length; j++) {
          const w = matrix[transpose ? j * length + i : i * length + j] as number;
          if (w === 0) continue;
          const term = w * (x[(o * length + j) * inner + c] as number);
          sum += term;
          magnitude += Math.abs(term);
        }
        const at = (o * length + i) * inner + c;
        values[at] = sum;
        scale[at] = magnitude + Number.MIN_VALUE;
      }
    }
  }
  return { values, scale };
}

/** A sparse matrix: each entry nonzero with probability `density`, values in (−1, 1). */
function sparseMatrix(length: number, density: number, seed: number): Float32Array {
  const uniform = uniformFrom(seed);
  return Float32Array.from({ length: length * length }, () => (uniform() < density ? 2 * uniform() - 1 : 0));
}

const smoothCase = fc.record({
  outer: fc.integer({ min: 1, max: 3 }),
  length: fc.integer({ min: 1, max: 40 }),
  inner: fc.constantFrom(1, 2, 3, 4, 5, 16, 19, 37),
  matrix: fc.oneof(
    fc.record({ kind: fc.constant('gaussian' as const), kernelSize: fc.constantFrom(1, 3, 5, 9, 37), sigma: fc.constantFrom(0.5, 1, 2.5, 9) }),
    fc.record({ kind: fc.constant('sparse' as const), density: fc.constantFrom(0, 0.1, 0.5, 1) }),
  ),
  transpose: fc.boolean(),
  engine: fc.constantFrom<'required' | 'off'>('required', 'off'),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describeBackends('smoothing kernel', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('gives M·x along the axis for Gaussian and arbitrary sparse matrices, compiled and in TypeScript', async () => {
    await fc.assert(
      fc.asyncProperty(smoothCase, async ({ outer, length, inner, matrix, transpose, engine, seed }) => {
        const uniform = uniformFrom(seed);
        const values = Float32Array.from({ length: outer * length * inner }, () => 2 * uniform() - 1);
        const weights = matrix.kind === 'gaussian' ? gaussianMatrix(length, matrix.sigma, matrix.kernelSize) : sparseMatrix(length, matrix.density, seed + 1);
        const x = tf.tensor3d(values, [outer, length, inner]);
        await withEngine(engine, async () => {
          const y = smoothAxis(x, weights, 1, transpose);
          expect(y.shape).toEqual([outer, length, inner]);
          const expected = reference(values, weights, [outer, length, inner], transpose);
          // Each output sums at most `length` terms: float32 rounding relative to their magnitudes.
          expectClose(await y.data(), expected.values, tolerance.value, expected.scale.map((s) => s * length));
          y.dispose();
        });
        x.dispose();
      }),
      runs(60),
    );
  });

  // The sparse kernels' promise (exact zeros left out), which every backend's kernel keeps.
  it('keeps a non-finite input within the reach of its taps', async () => {
    // 3 taps of σ = 1 on a line of 9: a NaN at position 4 reaches outputs 3, 4, 5 only.
    for (const inner of [1, 3, 16]) {
      const values = new Float32Array(9 * inner).fill(1);
      values.fill(Number.NaN, 4 * inner, 5 * inner);
      const x = tf.tensor3d(values, [1, 9, inner]);
      const m = gaussianMatrix(9, 1, 3);
      for (const engine of ['required', 'off'] as const) {
        await withEngine(engine, async () => {
          const y = await smoothAxis(x, m, 1, false).data();
          for (let i = 0; i < 9; i++) {
            const row = Array.from(y.subarray(i * inner, (i + 1) * inner));
            if (i >= 3 && i <= 5) expect(row.every(Number.isNaN)).toBe(true);
            else expect(row.every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
          }
        });
      }
      x.dispose();
    }
  });

  it('leaks nothing', async () => {
    const x = tf.tensor3d(Float32Array.from({ length: 24 }, (_, i) => i), [2, 4, 3]);
    await expectNoLeak(() => smoothAxis(x, gaussianMatrix(4, 1, 3), 1, true).dispose());
    x.dispose();
  });
});
