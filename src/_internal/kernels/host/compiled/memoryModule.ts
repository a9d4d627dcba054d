/**
 * What the modules that import their memory share (`planeSweeps.c`, `matrixProduct.c`):
 * compiled on first use, one instance per memory they are given (tfjs-backend-wasm's, or a
 * cpu kernel's staging memory), and the staging memories themselves.
 *
 * Synchronous compilation is allowed here: each module is under the 4 KiB that Chromium
 * compiles on the main thread (scripts/build-wasm.mjs refuses to emit a larger one).
 */

/**
 * The instances of one module, `memory` → its exports, or undefined where the module
 * cannot run (no WebAssembly or no SIMD, or WebAssembly refused by a
 * Content-Security-Policy without 'wasm-unsafe-eval'). Nothing is compiled until the
 * first call.
 */
export function instancesPerMemory<Exports>(base64: string): (memory: WebAssembly.Memory) => Exports | undefined {
  /** undefined: not compiled yet; null: cannot be compiled here. */
  let compiled: WebAssembly.Module | null | undefined;
  const instances = new WeakMap<WebAssembly.Memory, Exports | null>();
  const compile = (): WebAssembly.Module | null => {
    if (typeof WebAssembly !== 'object' || typeof atob !== 'function') return null;
    try {
      return new WebAssembly.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    } catch {
      return null;
    }
  };
  return (memory) => {
    if (compiled === undefined) compiled = compile();
    if (compiled === null) return undefined;
    let exports = instances.get(memory);
    if (exports === undefined) {
      try {
        exports = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as Exports;
      } catch {
        exports = null;
      }
      instances.set(memory, exports);
    }
    return exports ?? undefined;
  };
}

/**
 * `memory` (a new one where undefined) grown to at least `bytes`, or undefined where
 * WebAssembly is missing or the memory cannot grow. A staging memory keeps the largest
 * size it had.
 */
export function memoryOfAtLeast(memory: WebAssembly.Memory | undefined, bytes: number): WebAssembly.Memory | undefined {
  if (typeof WebAssembly !== 'object') return undefined;
  try {
    const grown = memory ?? new WebAssembly.Memory({ initial: 1 });
    const pages = Math.ceil(bytes / 65536) - grown.buffer.byteLength / 65536;
    if (pages > 0) grown.grow(pages);
    return grown;
  } catch {
    return undefined;
  }
}
