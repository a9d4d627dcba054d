/**
 * The WebAssembly build of the statistics kernels' run loops (`runSweeps.c`), one
 * instance per memory it is given (tfjs-backend-wasm's, or the cpu kernels' staging
 * memory), made on first use (`./memoryModule.ts`). The module imports that memory and
 * works on the data where it is.
 *
 * Where WebAssembly SIMD is missing or WebAssembly is refused (a Content-Security-Policy
 * without 'wasm-unsafe-eval'), {@link runSweeps} returns undefined and the kernels run
 * their TypeScript run loops, which give the same values bit for bit.
 */
import { instancesPerMemory } from './memoryModule';
import { RUN_SWEEPS_WASM } from './runSweepsBinary';

/**
 * The run loops, the module's exports (so positional: WebAssembly takes numbers); every
 * pointer is a byte address in the memory, float32 for the tensors, float64 for the rest.
 */
export interface RunSweeps {
  /** Σd, Σd² (d = x − shift[r]) of `runs` consecutive runs of `length`, added to sum[r], sumSquares[r]. */
  momentsRuns(x: number, runs: number, length: number, shift: number, sum: number, sumSquares: number): void;
  /** y = x·f + c over `length` elements. */
  scaleShiftRun(x: number, y: number, length: number, f: number, c: number): void;
  /** y = (x − mean[r])·scale[r]·γ[t] + β[t] + shift[r] over `rows` rows of n. */
  scaleShiftSlide(x: number, y: number, rows: number, n: number, gamma: number, beta: number, mean: number, scale: number, shift: number): void;
  /** Σdy, Σdy·(x − m) over `length` elements into out[0], out[1]. */
  gradSumsRun(x: number, dy: number, length: number, m: number, out: number): void;
  /** Layer norm's gradient sums over `rows` rows of n with γ along them (gradientSumsAlongRows). */
  gradSumsAlong(x: number, dy: number, rows: number, n: number, gamma: number, mean: number, scale: number, sumG: number, sumGNormalized: number, dGamma: number, dBeta: number): void;
  /** dx = dy·fd − x·fx + c over `length` elements. */
  gradApplyRun(x: number, dy: number, dx: number, length: number, fd: number, fx: number, c: number): void;
  /** dx = dy·(γ[t]·out[r]) − x·fx[r] + c[r] over `rows` rows of n. */
  gradApplySlide(x: number, dy: number, dx: number, rows: number, n: number, gamma: number, out: number, fx: number, c: number): void;
}

// Pure annotation: a module-level call that tree-shaking may drop when unused.
/** The run loops working in `memory`, or undefined where the module cannot run. */
export const runSweeps: (memory: WebAssembly.Memory) => RunSweeps | undefined = /* @__PURE__ */ instancesPerMemory<RunSweeps>(RUN_SWEEPS_WASM);
