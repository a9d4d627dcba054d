/**
 * The WebAssembly build of the bottleneck kernels' element-wise passes (`bottleneck.c`),
 * one instance per memory it is given (tfjs-backend-wasm's, or the cpu kernels' staging
 * memory), made on first use (`./memoryModule.ts`).
 *
 * Where WebAssembly SIMD is missing or WebAssembly is refused (a Content-Security-Policy
 * without 'wasm-unsafe-eval'), {@link bottleneck} returns undefined and the kernels run
 * their TypeScript loops (in float64, so their values differ in the last bits).
 */
import { BOTTLENECK_WASM } from './bottleneckBinary';
import { instancesPerMemory } from './memoryModule';

/**
 * The module's exports (so positional: WebAssembly takes numbers). Every pointer is a
 * byte address in the memory; R (and noise, dy, y, dR) is `batch` samples of `sample`
 * float32 elements, every other array one sample's size.
 */
export interface Bottleneck {
  /** y = weight·R + shift + spread·noise. */
  outputForward(r: number, noise: number, y: number, batch: number, sample: number, weight: number, shift: number, spread: number): void;
  /** y = gain·(shift − z²) with z = weight·(R − centre). */
  capacityForward(r: number, y: number, batch: number, sample: number, weight: number, centre: number, shift: number, gain: number): void;
  /** With o = mask·dy: dR = o·lambda, and sumR += o·R, sumO += o, sumNoise += o·noise over the batch. */
  outputBackward(r: number, noise: number, dy: number, dR: number, batch: number, sample: number, mask: number, lambda: number, sumR: number, sumO: number, sumNoise: number): void;
  /** With o = mask·dy, d = R − centre: dR = o·factor·d, and sumSquares += o·d², sumO += o over the batch. */
  capacityBackward(r: number, dy: number, dR: number, batch: number, sample: number, mask: number, centre: number, factor: number, sumSquares: number, sumO: number): void;
}

// Pure annotation: a module-level call that tree-shaking may drop when unused.
/** The passes working in `memory`, or undefined where the module cannot run. */
export const bottleneck: (memory: WebAssembly.Memory) => Bottleneck | undefined = /* @__PURE__ */ instancesPerMemory<Bottleneck>(BOTTLENECK_WASM);
