/**
 * The WebAssembly build of the statistics kernels' plane sweeps (`planeSweeps.c`), one
 * instance per memory it is given (tfjs-backend-wasm's, or the cpu kernels' staging
 * memory), made on first use (`./memoryModule.ts`). The module imports that memory and
 * works on the data where it is.
 *
 * Where WebAssembly SIMD is missing or WebAssembly is refused (a Content-Security-Policy
 * without 'wasm-unsafe-eval'), {@link planeSweeps} returns undefined and the kernels run
 * their TypeScript sweeps, which give the same values bit for bit.
 */
import { instancesPerMemory } from './memoryModule';
import { PLANE_SWEEPS_WASM } from './planeSweepsBinary';

/**
 * The sweeps of one plane, the module's exports (so positional: WebAssembly takes numbers);
 * every pointer is a byte address in the memory.
 */
export interface PlaneSweeps {
  momentsPlane(x: number, rows: number, columns: number, k: number, s1: number, s2: number): void;
  scaleShiftPlane(x: number, y: number, rows: number, columns: number, factor: number, offset: number): void;
  gradSumsPlane(x: number, dy: number, rows: number, columns: number, mean: number, sumDy: number, sumDyCentered: number): void;
  gradApplyPlane(x: number, dy: number, dx: number, rows: number, columns: number, dyFactor: number, xFactor: number, constant: number): void;
}

// Pure annotation: a module-level call that tree-shaking may drop when unused.
/** The sweeps working in `memory`, or undefined where the module cannot run. */
export const planeSweeps: (memory: WebAssembly.Memory) => PlaneSweeps | undefined = /* @__PURE__ */ instancesPerMemory<PlaneSweeps>(PLANE_SWEEPS_WASM);
