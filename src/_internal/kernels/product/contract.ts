/**
 * The matrix-product kernel: the Gram matrices and their gradients' products in the
 * similarity diagnostics (`cosineSimilarityMatrix`, `stableRank`).
 *
 * | kernel | inputs → output |
 * |---|---|
 * | `FeatstatsMatrixProduct` | a `[M, K]` (`[K, M]` with `transposeA`), b `[K, N]` (`[N, K]` with `transposeB`) → `[M, N]`: op(a)·op(b) |
 * | `FeatstatsColumnSums` | x `[N, D]` → `[1, D]`: Σᵢ xᵢ (activationSimilarity) |
 *
 * The composite of the product is tfjs's `matMul`. The host kernel (cpu and wasm) runs the
 * WebAssembly SIMD products of `../host/compiled/matrixProduct.c` with float32 sums, as
 * tfjs's matMul keeps them, on wasm in place and on cpu staged through their own memory.
 * The column sums' composite is the product 1ᵀ·x, fused on cpu and wasm and tfjs's matMul
 * on webgl, where it beats tfjs's axis-0 sum, which transposes x first; webgpu has its own
 * kernel (`./webgpu/columnSums.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';

import { dispatch, type FusedKernel } from '../dispatch';
import { multiplyMatricesCpu, multiplyMatricesWasm } from './host/multiplyMatrices';
import { columnSumsWebgpu } from './webgpu/columnSums';

export const MATRIX_PRODUCT: FusedKernel = { name: 'FeatstatsMatrixProduct', backends: { cpu: multiplyMatricesCpu, wasm: multiplyMatricesWasm } };
export const COLUMN_SUMS: FusedKernel = { name: 'FeatstatsColumnSums', backends: { webgpu: columnSumsWebgpu } };

/** Which operands enter transposed. */
export interface ProductTransposes {
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
}

/** op(a)·op(b) of two 2-D tensors, `[M, N]`. */
export function multiplyMatrices(a: tf.Tensor2D, b: tf.Tensor2D, { transposeA = false, transposeB = false }: ProductTransposes = {}): tf.Tensor2D {
  const inner = a.shape[transposeA ? 0 : 1];
  return dispatch(MATRIX_PRODUCT, { a, b }, { transposeA, transposeB }, () =>
    // An empty sum is 0; tfjs-backend-webgpu's MatMul with K = 0 binds an empty buffer,
    // which WebGPU rejects (the output then keeps stale memory).
    inner === 0 ? tf.zeros([a.shape[transposeA ? 1 : 0], b.shape[transposeB ? 0 : 1]]) : tf.matMul(a, b, transposeA, transposeB),
  );
}

/** Σᵢ xᵢ of the rows of x `[N, D]`, as `[1, D]`. */
export function columnSums(x: tf.Tensor2D): tf.Tensor2D {
  return dispatch(COLUMN_SUMS, { x }, {}, () => tf.tidy(() => multiplyMatrices(tf.ones([1, x.shape[0]]) as tf.Tensor2D, x))) as tf.Tensor2D;
}
