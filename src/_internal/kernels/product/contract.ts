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
  return dispatch(MATRIX_PRODUCT, { a, b }, { transposeA, transposeB }, () => tf.matMul(a, b, transposeA, transposeB));
}
