/**
 * The matrix-product kernel (`src/_internal/kernels/product/contract.ts`) against float64
 * sums, every combination of transposes, with the compiled products required and with
 * the TypeScript loops (on cpu and wasm; elsewhere both runs are tfjs's matMul), shapes
 * that are and are not multiples of the compiled tiles, an empty inner size included;
 * and the column-sum kernel (its own program on webgpu, the product 1ᵀ·x elsewhere)
 * against float64 sums.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { columnSums, multiplyMatrices } from '../../src/_internal/kernels/product/contract';
import { uniformFrom } from '../helpers/arbitraries';
import { expectClose, expectNoLeak } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';
import { withEngine } from '../helpers/hostEngines';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';

function randomValues(size: number, seed: number): Float32Array {
  const uniform = uniformFrom(seed);
  return Float32Array.from({ length: size }, () => 2 * uniform() - 1);
}

/** op(A)·op(B) in float64 from A, B as stored. */
function referenceProduct(a: Float32Array, b: Float32Array, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += (a[transposeA ? p * m + i : i * k + p] as number) * (b[transposeB ? j * k + p : p * n + j] as number);
      c[i * n + j] = sum;
    }
  }
  return c;
}

const productCase = fc.record({
  m: fc.integer({ min: 1, max: 19 }),
  n: fc.integer({ min: 1, max: 19 }),
  k: fc.integer({ min: 0, max: 37 }),
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  engine: fc.constantFrom<'required' | 'off'>('required', 'off'),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describeBackends('matrix-product kernel', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('gives op(a)·op(b) for every combination of transposes, compiled and in TypeScript', async () => {
    await fc.assert(
      fc.asyncProperty(productCase, async ({ m, n, k, transposeA, transposeB, engine, seed }) => {
        const [aValues, bValues] = [randomValues(m * k, seed), randomValues(k * n, seed + 1)];
        const a = tf.tensor2d(aValues, transposeA ? [k, m] : [m, k]);
        const b = tf.tensor2d(bValues, transposeB ? [n, k] : [k, n]);
        // Aᵀ·Bᵀ has no compiled form: 'required' applies to the other three.
        await withEngine(transposeA && transposeB ? 'off' : engine, async () => {
          const c = multiplyMatrices(a, b, { transposeA, transposeB });
          expect(c.shape).toEqual([m, n]);
          // Each entry sums k products of values in [−1, 1]: rounding relative to k.
          expectClose(await c.data(), referenceProduct(aValues, bValues, m, n, k, transposeA, transposeB), tolerance.value, Math.max(k, 1));
          c.dispose();
        });
        tf.dispose([a, b]);
      }),
      runs(60),
    );
  });

  it('leaks nothing', async () => {
    const [a, b] = [tf.tensor2d(randomValues(12, 1), [3, 4]), tf.tensor2d(randomValues(20, 2), [5, 4])];
    await expectNoLeak(() => multiplyMatrices(a, b, { transposeB: true }).dispose());
    tf.dispose([a, b]);
  });

  it('sums the columns of [N, D] into [1, D]', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 150 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (rows, columns, seed) => {
        const values = randomValues(rows * columns, seed);
        const x = tf.tensor2d(values, [rows, columns]);
        const sums = columnSums(x);
        expect(sums.shape).toEqual([1, columns]);
        const reference = new Float64Array(columns);
        for (let i = 0; i < rows * columns; i++) reference[i % columns] = (reference[i % columns] as number) + (values[i] as number);
        // Each entry sums N values in [−1, 1]: rounding relative to N.
        expectClose(await sums.data(), reference, tolerance.value, rows);
        tf.dispose([x, sums]);
      }),
      runs(40),
    );
  });

  it('leaks nothing summing columns', async () => {
    const x = tf.tensor2d(randomValues(12, 3), [3, 4]);
    await expectNoLeak(() => columnSums(x).dispose());
    x.dispose();
  });
});
