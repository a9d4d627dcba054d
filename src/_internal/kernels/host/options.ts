/**
 * The options of the host (cpu and wasm) kernels, which only tests change. The adapters
 * (`./adapter.ts`) read them once per call and hand them to the kernel as
 * `HostContext.options`, so a kernel never reads anything global: what it does depends
 * on its inputs, attrs and this object alone.
 */

/** How the host kernels run. */
export interface HostOptions {
  /**
   * Fill the outputs a kernel declares `filled` with NaN (−1 for int32) before it runs,
   * instead of leaving them as they come, so that an element the kernel failed to write
   * shows up in the property suites rather than as whatever the heap (wasm) or an
   * unzeroed allocation (cpu in Node) held. Default false; the suites turn it on.
   */
  readonly poisonFilledOutputs: boolean;
  /**
   * The kernels' WebAssembly builds (`./compiled/`: the radix sort, the statistics' plane
   * sweeps and run loops, …). `'auto'` (default) uses a build wherever it applies and can run; `'off'`
   * skips them, as where WebAssembly cannot be compiled (a Content-Security-Policy
   * without `'wasm-unsafe-eval'`), so the TypeScript loops run; `'required'` throws where
   * a build applies but cannot run, so a test comparing the two knows the build ran.
   */
  readonly webAssembly: 'auto' | 'off' | 'required';
  /**
   * The largest plane, in elements, that the cpu standardize kernel stages whole
   * (`../statistics/host/standardize.ts`); larger ones take its chunked path. Default
   * 4 Mi (16 MiB); tests set 0 to reach the chunked path with small tensors.
   */
  readonly wholePlaneElements: number;
}

export const DEFAULT_HOST_OPTIONS: HostOptions = {
  poisonFilledOutputs: false,
  webAssembly: 'auto',
  wholePlaneElements: 1 << 22,
};

let current: HostOptions = DEFAULT_HOST_OPTIONS;

/** The options in force; read by the adapters only. */
export function hostOptions(): HostOptions {
  return current;
}

/**
 * For tests: changes some options and returns the ones in force before, to restore with
 * `setHostOptions(previous)`. Production code never calls it.
 */
export function setHostOptions(changes: Partial<HostOptions>): HostOptions {
  const previous = current;
  current = { ...current, ...changes };
  return previous;
}

/** Where a WebAssembly build applies but cannot run under `webAssembly: 'required'`. */
export function compiledBuildMissing(what: string): Error {
  return new Error(`featstats: ${what} could not run its WebAssembly build (webAssembly: 'required')`);
}
