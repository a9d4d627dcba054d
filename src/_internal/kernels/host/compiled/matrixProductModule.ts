/**
 * The WebAssembly build of the host kernels' float32 matrix products
 * (`matrixProduct.c`), one instance per memory it is given (tfjs-backend-wasm's, or a
 * cpu kernel's staging memory), made on first use (`./memoryModule.ts`). The module
 * imports that memory and works on the data where it is.
 *
 * Where WebAssembly SIMD is missing or WebAssembly is refused (a Content-Security-Policy
 * without 'wasm-unsafe-eval'), {@link matrixProduct} returns undefined and the kernels run
 * their TypeScript loops (which sum in float64, so their values differ in the last bits).
 */
import { MATRIX_PRODUCT_WASM } from './matrixProductBinary';
import { instancesPerMemory } from './memoryModule';

/**
 * The module's exports (so positional: WebAssembly takes numbers). Every pointer is a
 * byte address in the memory, every stride a count of float32 elements.
 */
export interface MatrixProduct {
  /** C[i·ldc + j] = Σ_d A[i·lda + d]·B[j·ldb + d] for i < m, j < n, d < depth. */
  productTransposed(a: number, lda: number, b: number, ldb: number, c: number, ldc: number, m: number, n: number, depth: number): void;
  /** C[i·ldc + d] += Σ_k A[i·aRowStride + k·aColumnStride]·B[k·ldb + d] for i < m, k < inner, d < depth. */
  addProduct(a: number, aRowStride: number, aColumnStride: number, b: number, ldb: number, c: number, ldc: number, m: number, inner: number, depth: number): void;
}

// Pure annotation: a module-level call that tree-shaking may drop when unused.
/** The products working in `memory`, or undefined where the module cannot run. */
export const matrixProduct: (memory: WebAssembly.Memory) => MatrixProduct | undefined = /* @__PURE__ */ instancesPerMemory<MatrixProduct>(MATRIX_PRODUCT_WASM);
