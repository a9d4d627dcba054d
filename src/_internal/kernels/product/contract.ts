/**
 * The matrix-product kernel: the Gram matrices and their gradients' products in the
 * similarity diagnostics (`cosineSimilarityMatrix`, `stableRank`).
 *
 * | kernel | inputs → output |
 * |---|---|
 * | `FeatstatsMatrixProduct` | a `[M, K]` (`[K, M]` with `transposeA`), b `[K, N]` (`[N, K]` with `transposeB`) → `[M, N]`: op(a)·op(b) |
 *
 * The composite is tfjs's `matMul`. The host kernel (cpu and wasm) runs the WebAssembly
 * SIMD products of `../host/compiled/matrixProduct.c` with float32 sums, as tfjs's matMul
 * keeps them, on wasm in place and on cpu staged through their own memory.
 */
import * as tf from '@tensorflow/tfjs-core';

import { dispatch, type FusedKernel } from '../dispatch';
import { multiplyMatricesCpu, multiplyMatricesWasm } from './host/multiplyMatrices';

export const MATRIX_PRODUCT: FusedKernel = { name: 'FeatstatsMatrixProduct', backends: { cpu: multiplyMatricesCpu, wasm: multiplyMatricesWasm } };

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
