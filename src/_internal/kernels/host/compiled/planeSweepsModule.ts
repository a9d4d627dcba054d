/**
 * The WebAssembly build of the statistics kernels' plane sweeps (`planeSweeps.c`), one
 * instance per memory it is given (tfjs-backend-wasm's, or the cpu kernels' staging
 * memory), made on first use. The module (under 4 KiB, so a synchronous compile is
 * allowed on a browser's main thread) imports that memory and works on the data where
 * it is.
 *
 * Where WebAssembly SIMD is missing or WebAssembly is refused (a Content-Security-Policy
 * without 'wasm-unsafe-eval'), {@link planeSweeps} returns undefined and the kernels run
 * their TypeScript sweeps, which give the same values bit for bit.
 */
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

/** undefined: not compiled yet; null: cannot be compiled here. */
let compiled: WebAssembly.Module | null | undefined;
const instances = new WeakMap<WebAssembly.Memory, PlaneSweeps | null>();

function compile(): WebAssembly.Module | null {
  if (typeof WebAssembly !== 'object' || typeof atob !== 'function') return null;
  try {
    return new WebAssembly.Module(Uint8Array.from(atob(PLANE_SWEEPS_WASM), (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** The sweeps working in `memory`, or undefined where the module cannot run. */
export function planeSweeps(memory: WebAssembly.Memory): PlaneSweeps | undefined {
  if (compiled === undefined) compiled = compile();
  if (compiled === null) return undefined;
  let sweeps = instances.get(memory);
  if (sweeps === undefined) {
    try {
      sweeps = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as PlaneSweeps;
    } catch {
      sweeps = null;
    }
    instances.set(memory, sweeps);
  }
  return sweeps ?? undefined;
}
