/**
 * The WebAssembly build of the host radix argsort (`radixSort.c`), instantiated on first
 * use. Synchronous compilation is fine here: the module is under the 4 KiB that Chromium
 * allows on the main thread (scripts/build-wasm.mjs refuses to emit a larger one). It
 * also exports EFDMix's row mix (`mix`), which runs on the rows the module holds
 * (`../../efdm/host/mixRow.ts` calls it).
 *
 * Where WebAssembly is missing or refused (a Content-Security-Policy without
 * 'wasm-unsafe-eval'), {@link radixSortModule} returns undefined once and for all, and
 * the callers use the TypeScript sort in `../../sort/host/radixSort.ts`, which gives the
 * same orders.
 */
import { RADIX_SORT_WASM } from './radixSortBinary';

/** A row's buffers in the module's memory, valid until the next `reserve`. */
export interface ModuleRow {
  /** The row's 32-bit patterns, written by the caller. */
  readonly bits: Uint32Array;
  /** The stable order `argsort` leaves. */
  readonly order: Int32Array;
  /** The row's patterns in that order, which `sorted` leaves. */
  readonly sorted: Uint32Array;
  /** Where `mix` writes (the second key buffer, free between sorts). */
  readonly mixed: Uint32Array;
}

export interface RadixSortModule {
  /** Lays out buffers for rows of length `n` (growing memory if needed); undefined if it cannot grow. */
  reserve(n: number): ModuleRow | undefined;
  /** Stable argsort of the reserved row: float32 bits if `isFloat` is 1 (else int32), `flip` 0 or 0xffffffff (descending). */
  argsort(n: number, isFloat: number, flip: number): void;
  /** The reserved row's patterns in the order of the last `argsort`, into `sorted`. */
  sorted(n: number): void;
  /** `mixed[order[k]] = sorted[k]·wPartner + bits[k]·wSelf` in float32 (EFDMix). */
  mix(n: number, wPartner: number, wSelf: number): void;
}

interface Exports {
  readonly memory: WebAssembly.Memory;
  reserve(n: number): number;
  argsort(n: number, isFloat: number, flip: number): void;
  sorted(n: number): void;
  mix(n: number, wPartner: number, wSelf: number): void;
}

/** undefined: not tried yet; null: unavailable here. */
let sorter: RadixSortModule | null | undefined;

function instantiate(): RadixSortModule | null {
  if (typeof WebAssembly !== 'object' || typeof atob !== 'function') return null;
  try {
    const bytes = Uint8Array.from(atob(RADIX_SORT_WASM), (c) => c.charCodeAt(0));
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as Exports;
    return {
      reserve(n) {
        const address = exports.reserve(n);
        if (address === 0) return undefined;
        // Views made after reserve: growing the memory detaches the earlier ones.
        const buffer = exports.memory.buffer;
        return { bits: new Uint32Array(buffer, address, n), order: new Int32Array(buffer, address + 4 * n, n), sorted: new Uint32Array(buffer, address + 8 * n, n), mixed: new Uint32Array(buffer, address + 12 * n, n) };
      },
      argsort: exports.argsort,
      sorted: exports.sorted,
      mix: exports.mix,
    };
  } catch {
    return null;
  }
}

/** The module, or undefined where WebAssembly cannot be compiled. */
export function radixSortModule(): RadixSortModule | undefined {
  if (sorter === undefined) sorter = instantiate();
  return sorter ?? undefined;
}
