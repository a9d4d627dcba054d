/**
 * What the modules that import their memory share (`planeSweeps.c`, `runSweeps.c`,
 * `matrixProduct.c`, …):
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

/**
 * An array a compiled call works on: a given one, and whether the call writes it (then it
 * is copied back where it was staged), or one made in the call's memory, `length`
 * elements, zeroed, for the call to fill and read (per-sample factors, sums): nothing
 * allocated outside that memory, nothing copied.
 */
export type PlacedArray = { readonly array: Float32Array; readonly written?: boolean } | { readonly length: number };

const lengthOf = (placed: PlacedArray): number => ('array' in placed ? placed.array.length : placed.length);

/** The staging memory of the cpu kernels' compiled calls, made on first use and grown as needed. */
let staging: WebAssembly.Memory | undefined;

/**
 * Runs `call` with the module's instance in a memory that holds every array, at the byte
 * addresses it is given, with a view of each (the given array itself where it is in that
 * memory), or returns false where no memory can hold them or the module cannot run. On
 * wasm, arrays already in tfjs's memory (`heap`) stay where they are and the others
 * (per-sample factors, sums) are placed in its scratch when they fit; otherwise (cpu, or
 * scratch too small) every array is placed in a staging memory, given ones copied in and
 * the written ones copied back after the call.
 */
export function withArraysInMemory<Exports>(
  heap: { readonly memory: WebAssembly.Memory; readonly scratch: number; readonly scratchBytes: number } | undefined,
  instanceIn: (memory: WebAssembly.Memory) => Exports | undefined,
  arrays: readonly PlacedArray[],
  call: (module: Exports, addresses: number[], memory: WebAssembly.Memory, views: Float32Array[]) => void,
): boolean {
  const bytes = (list: readonly PlacedArray[]) => list.reduce((total, placed) => total + 4 * lengthOf(placed), 0);
  const inHeap = (placed: PlacedArray) => heap !== undefined && 'array' in placed && placed.array.buffer === heap.memory.buffer;
  let memory: WebAssembly.Memory | undefined;
  let addresses: number[];
  if (heap !== undefined && bytes(arrays.filter((placed) => !inHeap(placed))) <= heap.scratchBytes) {
    memory = heap.memory;
    let next = heap.scratch;
    addresses = arrays.map((placed) => {
      if (inHeap(placed)) return (placed as { readonly array: Float32Array }).array.byteOffset;
      const at = next;
      next += 4 * lengthOf(placed);
      return at;
    });
  } else {
    staging = memoryOfAtLeast(staging, bytes(arrays));
    memory = staging;
    let next = 0;
    addresses = arrays.map((placed) => {
      const at = next;
      next += 4 * lengthOf(placed);
      return at;
    });
  }
  const module = memory === undefined ? undefined : instanceIn(memory);
  if (memory === undefined || module === undefined) return false;
  const buffer = memory.buffer as ArrayBuffer;
  const views = arrays.map((placed, k) => {
    if ('array' in placed && placed.array.buffer === buffer) return placed.array;
    const view = new Float32Array(buffer, addresses[k], lengthOf(placed));
    if ('array' in placed) view.set(placed.array);
    else view.fill(0);
    return view;
  });
  call(module, addresses, memory, views);
  arrays.forEach((placed, k) => {
    const view = views[k] as Float32Array;
    if ('array' in placed && placed.written === true && view !== placed.array) placed.array.set(view);
  });
  return true;
}
