/**
 * The WebAssembly build of the smoothing kernel's sums (`smoothing.c`), one instance per
 * memory it is given (tfjs-backend-wasm's, or the cpu kernel's staging memory), made on
 * first use (`./memoryModule.ts`). The module imports that memory and works on the data
 * where it is.
 *
 * Where WebAssembly SIMD is missing or WebAssembly is refused (a Content-Security-Policy
 * without 'wasm-unsafe-eval'), {@link smoothing} returns undefined and the kernel runs its
 * TypeScript loops (which sum in float64, so their values differ in the last bits).
 */
import { instancesPerMemory } from './memoryModule';
import { SMOOTHING_WASM } from './smoothingBinary';

/**
 * The module's exports (so positional: WebAssembly takes numbers). Pointers are byte
 * addresses in the memory; offsets, sizes and steps count float32 elements.
 */
export interface Smoothing {
  /**
   * For o < outer, k < stretch, p = o·plane: `y[p + start + k] (+)= Σ_{t < taps}
   * weights[t]·x[p + first + t·step + k]`, added to y when `accumulate` is 1, else written;
   * float32 sums in tap order.
   */
  shiftedSums(x: number, y: number, outer: number, plane: number, start: number, stretch: number, first: number, step: number, weights: number, taps: number, accumulate: number): void;
}

// Pure annotation: a module-level call that tree-shaking may drop when unused.
/** The sums working in `memory`, or undefined where the module cannot run. */
export const smoothing: (memory: WebAssembly.Memory) => Smoothing | undefined = /* @__PURE__ */ instancesPerMemory<Smoothing>(SMOOTHING_WASM);
