/**
 * The compiled float32 matrix products (`src/_internal/kernels/host/compiled/matrixProduct.c`)
 * against float64 sums: shapes that are and are not multiples of the 4×4 and 4×8 tiles
 * (edge rows and columns, depths with a one-lane tail), A read through both strides. A
 * float32 sum of n products in any order is within γ_n·Σ|terms| of the exact sum
 * (γ_n = n·u/(1 − n·u), u = 2⁻²⁴; Higham, Accuracy and Stability of Numerical
 * Algorithms, 2002, §3.1), which is the bound checked.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { matrixProduct } from '../../src/_internal/kernels/host/compiled/matrixProductModule';
import { uniformFrom } from '../helpers/arbitraries';

const gamma = (n: number) => (n * 2 ** -24) / (1 - n * 2 ** -24);

function randomValues(size: number, seed: number): Float32Array {
  const uniform = uniformFrom(seed);
  return Float32Array.from({ length: size }, () => 2 * uniform() - 1);
}

const shape = fc.record({
  m: fc.integer({ min: 1, max: 13 }),
  n: fc.integer({ min: 1, max: 13 }),
  depth: fc.integer({ min: 1, max: 41 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describe('matrixProduct (WebAssembly SIMD)', () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const product = matrixProduct(memory);
  const floats = new Float32Array(memory.buffer);
  // Regions of the one page: A, B, C (each at most 13·41 < 4 096 floats).
  const [A, B, C] = [0, 4096, 8192];

  it('compiles and instantiates on a one-page memory of its own', () => {
    expect(product).toBeDefined();
  });

  it('productTransposed gives every dot product of a row of A and a row of B within float32 summation error', () => {
    fc.assert(
      fc.property(shape, ({ m, n, depth, seed }) => {
        const [a, b] = [randomValues(m * depth, seed), randomValues(n * depth, seed + 1)];
        floats.set(a, A);
        floats.set(b, B);
        product?.productTransposed(4 * A, depth, 4 * B, depth, 4 * C, n, m, n, depth);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let exact = 0;
            let magnitude = 0;
            for (let d = 0; d < depth; d++) {
              const t = (a[i * depth + d] as number) * (b[j * depth + d] as number);
              exact += t;
              magnitude += Math.abs(t);
            }
            expect(Math.abs((floats[C + i * n + j] as number) - exact)).toBeLessThanOrEqual(gamma(depth) * magnitude);
          }
        }
      }),
    );
  });

  it('addProduct adds A·B to C, A read row-major or transposed, within float32 summation error', () => {
    fc.assert(
      fc.property(shape, fc.boolean(), ({ m, n: inner, depth, seed }, transposed) => {
        // A is m×inner, stored as is or as its transpose (inner×m).
        const [a, b, c] = [randomValues(m * inner, seed), randomValues(inner * depth, seed + 1), randomValues(m * depth, seed + 2)];
        const at = (i: number, k: number) => a[transposed ? k * m + i : i * inner + k] as number;
        floats.set(a, A);
        floats.set(b, B);
        floats.set(c, C);
        product?.addProduct(4 * A, transposed ? 1 : inner, transposed ? m : 1, 4 * B, depth, 4 * C, depth, m, inner, depth);
        for (let i = 0; i < m; i++) {
          for (let d = 0; d < depth; d++) {
            let exact = c[i * depth + d] as number;
            let magnitude = Math.abs(exact);
            for (let k = 0; k < inner; k++) {
              const t = at(i, k) * (b[k * depth + d] as number);
              exact += t;
              magnitude += Math.abs(t);
            }
            expect(Math.abs((floats[C + i * depth + d] as number) - exact)).toBeLessThanOrEqual(gamma(inner + 1) * magnitude);
          }
        }
      }),
    );
  });
});
