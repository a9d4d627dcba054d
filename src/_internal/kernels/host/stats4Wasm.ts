/**
 * The WebAssembly build of the statistics kernels' plane sweeps (`stats4.c`), one
 * instance per tfjs-backend-wasm memory it is given, made on first use. The module
 * (under 4 KiB, so a synchronous compile is allowed on a browser's main thread) imports
 * that memory and works on the tensors where they are.
 *
 * Where WebAssembly SIMD is missing or WebAssembly is refused (a Content-Security-Policy
 * without 'wasm-unsafe-eval'), {@link stats4Sweeps} returns undefined and the kernels run
 * their TypeScript loops, which give the same values bit for bit.
 */
import { STATS4_WASM } from './stats4Binary';

/** The sweeps of one plane; every pointer is a byte address in the memory. */
export interface Stats4Sweeps {
  momentsPlane(x: number, rows: number, columns: number, k: number, s1: number, s2: number): void;
  scaleShiftPlane(x: number, y: number, rows: number, columns: number, factor: number, offset: number): void;
  gradSumsPlane(x: number, dy: number, rows: number, columns: number, mean: number, sumDy: number, sumDyCentered: number): void;
  gradApplyPlane(x: number, dy: number, dx: number, rows: number, columns: number, dyFactor: number, xFactor: number, constant: number): void;
}

/** undefined: not compiled yet; null: cannot be compiled here. */
let compiled: WebAssembly.Module | null | undefined;
const instances = new WeakMap<WebAssembly.Memory, Stats4Sweeps | null>();

function compile(): WebAssembly.Module | null {
  if (typeof WebAssembly !== 'object' || typeof atob !== 'function') return null;
  try {
    return new WebAssembly.Module(Uint8Array.from(atob(STATS4_WASM), (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** The sweeps working in `memory`, or undefined where the module cannot run. */
export function stats4Sweeps(memory: WebAssembly.Memory): Stats4Sweeps | undefined {
  if (compiled === undefined) compiled = compile();
  if (compiled === null) return undefined;
  let sweeps = instances.get(memory);
  if (sweeps === undefined) {
    try {
      sweeps = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as Stats4Sweeps;
    } catch {
      sweeps = null;
    }
    instances.set(memory, sweeps);
  }
  return sweeps ?? undefined;
}
