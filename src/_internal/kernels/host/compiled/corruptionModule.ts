/**
 * The WebAssembly build of randomMask's mask pass and mask draw (`corruption.c`), one
 * instance per memory it is given (tfjs-backend-wasm's, the cpu kernels' staging memory,
 * or the draw's own), made on first use (`./memoryModule.ts`).
 *
 * Where WebAssembly SIMD is missing or WebAssembly is refused (a Content-Security-Policy
 * without 'wasm-unsafe-eval'), {@link corruption} returns undefined and the callers run
 * their TypeScript loops, which give the same values (bit for bit: the products are
 * float32 either way, and the draw is the same generator and arithmetic).
 */
import { CORRUPTION_WASM } from './corruptionBinary';
import { instancesPerMemory } from './memoryModule';

/** The module's exports (positional: WebAssembly takes numbers). Every pointer is a byte address in the memory. */
export interface Corruption {
  /** `[N·L, C]`: y = x·mask[p] over each run of C channels; `positions` is N·L. */
  maskChannelsLast(x: number, mask: number, y: number, positions: number, channels: number): void;
  /** `[N, C, L]`: each channel's plane times its image's mask row. */
  maskChannelsFirst(x: number, mask: number, y: number, batch: number, channels: number, positions: number): void;
  /** The next uniform of the xoshiro128** state (four uint32) at `state`, advancing it. */
  uniform(state: number): number;
  /** One image's mask (1 kept, 0 removed) from `count` Fisher–Yates steps over `pool` (int32, `positions` long), advancing the state. */
  drawMask(state: number, pool: number, mask: number, positions: number, count: number): void;
}

// Pure annotation: a module-level call that tree-shaking may drop when unused.
/** The passes working in `memory`, or undefined where the module cannot run. */
export const corruption: (memory: WebAssembly.Memory) => Corruption | undefined = /* @__PURE__ */ instancesPerMemory<Corruption>(CORRUPTION_WASM);
