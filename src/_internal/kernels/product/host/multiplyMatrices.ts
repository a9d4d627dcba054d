/**
 * `FeatstatsMatrixProduct` on cpu and wasm (contract in `../contract.ts`): op(a)·op(b) in
 * the compiled products (`../../host/compiled/matrixProduct.c`): `A·Bᵀ` as dot products of
 * rows (`productTransposed`), `A·B` and `Aᵀ·B` as C += A·B into a zeroed C, A read through
 * its strides (`addProduct`). On wasm the operands are where tfjs keeps them; on cpu they
 * are copied into a staging memory and C copied out. `Aᵀ·Bᵀ` (which no caller uses), and
 * every case where WebAssembly SIMD cannot run, take the TypeScript loops: float64 sums of
 * the float32 products, so the values differ from the compiled ones in the last bits.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostContext, type HostKernel } from '../../host/adapter';
import { matrixProduct, type MatrixProduct } from '../../host/compiled/matrixProductModule';
import { withArraysInMemory } from '../../host/compiled/memoryModule';
import { compiledBuildMissing } from '../../host/options';

/** The product's sizes and operands: C `[m, n]` = op(A)·op(B), inner size k. */
interface Product {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

function productOf(a: { readonly shape: readonly number[] }, b: { readonly shape: readonly number[] }, attrs: tf.NamedAttrMap): Product {
  const transposeA = attrs.transposeA === true;
  const transposeB = attrs.transposeB === true;
  const [a0, a1] = [a.shape[0] ?? 1, a.shape[1] ?? 1];
  const [b0, b1] = [b.shape[0] ?? 1, b.shape[1] ?? 1];
  return { m: transposeA ? a1 : a0, k: transposeA ? a0 : a1, n: transposeB ? b0 : b1, transposeA, transposeB };
}

/** C = op(A)·op(B) with A, B, C at byte addresses of one memory; C is written whole. */
function runCompiled(module: MatrixProduct, { m, n, k, transposeA, transposeB }: Product, a: number, b: number, c: number, cView: Float32Array): void {
  if (transposeB) {
    module.productTransposed(a, k, b, k, c, n, m, n, k);
    return;
  }
  cView.fill(0);
  module.addProduct(a, transposeA ? 1 : k, transposeA ? m : 1, b, n, c, n, m, k, n);
}

/** The TypeScript loops: C[i, j] = Σ_p op(A)[i, p]·op(B)[p, j], summed in float64. */
function runTypeScript({ m, n, k, transposeA, transposeB }: Product, a: Float32Array, b: Float32Array, c: Float32Array): void {
  const sum = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    sum.fill(0);
    for (let p = 0; p < k; p++) {
      const weight = a[transposeA ? p * m + i : i * k + p] as number;
      if (transposeB) for (let j = 0; j < n; j++) sum[j] = (sum[j] as number) + weight * (b[j * k + p] as number);
      else for (let j = 0, at = p * n; j < n; j++) sum[j] = (sum[j] as number) + weight * (b[at + j] as number);
    }
    c.set(sum, i * n);
  }
}

/** Whether the compiled products ran (in place on wasm, else staged). */
function tryCompiled(product: Product, a: Float32Array, b: Float32Array, c: Float32Array, { heap }: HostContext): boolean {
  if (product.transposeA && product.transposeB) return false;
  return withArraysInMemory(heap, matrixProduct, [{ array: a }, { array: b }, { array: c, written: true }], (module, [atA, atB, atC], memory) =>
    runCompiled(module, product, atA as number, atB as number, atC as number, new Float32Array(memory.buffer, atC, c.length)),
  );
}

const MULTIPLY_MATRICES: HostKernel = {
  outputs: (inputs, attrs) => {
    const { m, n } = productOf(requiredInput(inputs, 'a'), requiredInput(inputs, 'b'), attrs);
    return [{ shape: [m, n], dtype: 'float32', filled: true }];
  },
  // No scratch is used: asking for a few bytes is how a kernel receives tfjs's memory (`HostContext.heap`).
  heapScratch: () => 8,
  run: (inputs, [out], attrs, context) => {
    const a = requiredInput(inputs, 'a').values as Float32Array;
    const b = requiredInput(inputs, 'b').values as Float32Array;
    const c = out as Float32Array;
    const product = productOf(requiredInput(inputs, 'a'), requiredInput(inputs, 'b'), attrs);
    const compiled = context.options.webAssembly !== 'off' && tryCompiled(product, a, b, c, context);
    if (compiled) return;
    if (context.options.webAssembly === 'required' && !(product.transposeA && product.transposeB)) throw compiledBuildMissing('the matrix-product kernel');
    runTypeScript(product, a, b, c);
  },
};

// Pure annotations: a module-level call that tree-shaking may drop when unused.
export const multiplyMatricesCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(MULTIPLY_MATRICES);
export const multiplyMatricesWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(MULTIPLY_MATRICES);
