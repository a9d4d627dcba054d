/**
 * Stable argsort of rows on the host: an LSD radix sort of order-preserving 32-bit keys
 * with the element index as payload. Shared by the cpu and wasm kernels of
 * `FeatstatsArgsortRows` (contract in `../contract.ts`) and of EFDM (`../../efdm/host/`).
 *
 * Keys: a float32's bits, flipped so that unsigned order is numeric order (negative:
 * all bits inverted; positive: sign bit set), with −0 mapped to +0 first so the two
 * compare equal as in `tf.topk`; an int32's bits with the sign bit flipped. Descending
 * order complements the key. Every LSD pass is a stable counting sort, so equal keys
 * keep their index order, which is exactly "ties keep the lower index first" in both
 * directions, with no special case for descending.
 *
 * Digits are 8 bits (four passes): 11-bit digits cost the same (the 2048-bucket prefix
 * sums eat the saved pass) and 16-bit digits were far slower (bench/README.md, "Design
 * measurements"); 8 bits keeps the histograms in L1 for any n.
 * All four histograms come from one read of the row, and a pass whose digit is shared
 * by every key (e.g. the high byte of small integers) is skipped. Rows of at most
 * {@link INSERTION_MAX} elements use a stable insertion sort on the same keys instead.
 *
 * Rows of at most {@link WASM_MAX} elements are sorted by the same algorithm compiled to
 * WebAssembly (`../../host/compiled/radixSort.c`, several times faster than V8 runs
 * this, with one more trick: once only the high 16 key bits remain to sort, each key's
 * spent low 16 bits carry its index and one array moves instead of two). This
 * TypeScript sort takes longer rows (so the module's
 * memory stays under 2 MiB for good) and every row where WebAssembly cannot be
 * compiled, and is kept plain: one scatter loop for every pass. Both give the same
 * order bit for bit.
 */
import { radixSortModule, type ModuleRow, type RadixSortModule } from '../../host/compiled/radixSortModule';
import { compiledBuildMissing, type HostOptions } from '../../host/options';

/** Longest row sorted by insertion; below this the histogram set-up dominates. */
const INSERTION_MAX = 32;

const RADIX = 256;
const PASSES = 4;

/** Longest row the WebAssembly sort takes (its packed passes need indices < 2¹⁶). */
const WASM_MAX = 0x10000;

/** Row buffers for one row length, reused across rows and calls. */
interface ScratchBase {
  readonly n: number;
  /** The row's input bits and output order, copied in and out in one block each. */
  readonly rowBits: Uint32Array;
  readonly rowOrder: Int32Array;
  /**
   * Stable argsort of the row in `rowBits` (float32 bits if `isFloat`, else int32; `flip`
   * 0 ascending, 0xffffffff descending): leaves the order in `rowOrder`.
   */
  argsort(isFloat: boolean, flip: number): void;
  /** The row's bits in the order of the last {@link argsort}, which {@link gatherSorted} leaves. */
  readonly rowSorted: Uint32Array;
  /** `rowSorted[k] = rowBits[rowOrder[k]]`: the sorted row, for callers that need its values. */
  gatherSorted(): void;
}

/**
 * The sort's buffers for rows of length n: in the WebAssembly module's memory (whose
 * other exports, EFDMix's row mix, may run on the same row) or TypeScript arrays.
 */
export type SortScratch =
  | (ScratchBase & { readonly engine: 'wasm'; readonly module: RadixSortModule; readonly row: ModuleRow })
  | (ScratchBase & { readonly engine: 'typescript' });

/** The TypeScript sort's working buffers. */
interface Buffers {
  readonly n: number;
  readonly keysA: Uint32Array;
  readonly keysB: Uint32Array;
  readonly indicesA: Int32Array;
  readonly indicesB: Int32Array;
  /** Per pass (256 digits each): counts, then each digit's next front slot. */
  readonly histogram: Int32Array;
  /** Per pass: one past each digit's next back slot (see {@link radixArgsort}). */
  readonly ends: Int32Array;
  readonly rowBits: Uint32Array;
  readonly rowOrder: Int32Array;
  readonly rowSorted: Uint32Array;
}

function typescriptScratch(n: number): SortScratch {
  const b: Buffers = {
    n,
    keysA: new Uint32Array(n),
    keysB: new Uint32Array(n),
    indicesA: new Int32Array(n),
    indicesB: new Int32Array(n),
    histogram: new Int32Array(RADIX * PASSES),
    ends: new Int32Array(RADIX * PASSES),
    rowBits: new Uint32Array(n),
    rowOrder: new Int32Array(n),
    rowSorted: new Uint32Array(n),
  };
  return {
    n,
    engine: 'typescript',
    rowBits: b.rowBits,
    rowOrder: b.rowOrder,
    rowSorted: b.rowSorted,
    gatherSorted() {
      const { rowBits, rowOrder, rowSorted } = b;
      for (let k = 0; k < n; k++) rowSorted[k] = rowBits[rowOrder[k] as number] as number;
    },
    argsort(isFloat, flip) {
      if (n <= INSERTION_MAX) {
        fillKeys(b.rowBits, b.keysA, isFloat, flip);
        insertionArgsort(b.keysA, b.rowOrder);
      } else {
        radixArgsort(b, isFloat, flip);
      }
    },
  };
}

/** The module's buffers for rows of length `n`, or undefined if its memory cannot grow. */
function moduleScratch(module: RadixSortModule, n: number): SortScratch | undefined {
  const row = module.reserve(n);
  if (row === undefined) return undefined;
  return {
    n,
    engine: 'wasm',
    module,
    row,
    rowBits: row.bits,
    rowOrder: row.order,
    argsort: (isFloat, flip) => module.argsort(n, isFloat ? 1 : 0, flip),
    rowSorted: row.sorted,
    gatherSorted: () => module.sorted(n),
  };
}

let scratch: SortScratch | undefined;

/**
 * The shared scratch for rows of length `n` (replaced when `n` or the engine changes):
 * the WebAssembly module's for rows it takes, unless `options` turn it off. One at a
 * time: a call for another length invalidates the previous one's buffers.
 */
export function scratchFor(n: number, options: HostOptions): SortScratch {
  const applies = n <= WASM_MAX && options.webAssembly !== 'off';
  const module = applies ? radixSortModule() : undefined;
  const engine = module === undefined ? 'typescript' : 'wasm';
  if (scratch === undefined || scratch.n !== n || scratch.engine !== engine) {
    scratch = (module && moduleScratch(module, n)) ?? typescriptScratch(n);
  }
  if (applies && scratch.engine !== 'wasm' && options.webAssembly === 'required') throw compiledBuildMissing('the radix sort');
  return scratch;
}

/**
 * The order-preserving key of `b`, the bits of a float32 (`isFloat`) or an int32;
 * `flip` is 0 for ascending and all ones for descending (complementing the key reverses
 * the unsigned order).
 */
function keyOf(b: number, isFloat: boolean, flip: number): number {
  if (!isFloat) return (b ^ 0x80000000 ^ flip) >>> 0;
  const v = b === 0x80000000 ? 0 : b | 0; // −0 equals +0
  // Branch-free (the sign of data is unpredictable): v >> 31 is −1 for a negative v,
  // which inverts every bit, and 0 for a positive one, which sets only the sign bit.
  return (v ^ ((v >> 31) | 0x80000000) ^ flip) >>> 0;
}

/** Writes the keys of `bits` into `keys`. */
function fillKeys(bits: Uint32Array, keys: Uint32Array, isFloat: boolean, flip: number): void {
  for (let i = 0; i < keys.length; i++) keys[i] = keyOf(bits[i] as number, isFloat, flip);
}

/** Stable insertion sort of one short row by key; leaves the order in `indices`. */
function insertionArgsort(keys: Uint32Array, indices: Int32Array): void {
  const n = keys.length;
  for (let i = 0; i < n; i++) indices[i] = i;
  for (let i = 1; i < n; i++) {
    const key = keys[i] as number;
    const index = indices[i] as number;
    let j = i - 1;
    // Strictly greater: an equal key stops the shift, so ties keep their order.
    while (j >= 0 && (keys[j] as number) > key) {
      keys[j + 1] = keys[j] as number;
      indices[j + 1] = indices[j] as number;
      j--;
    }
    keys[j + 1] = key;
    indices[j + 1] = index;
  }
}

/**
 * LSD radix argsort of the row in `s.rowBits`; leaves the order in `s.rowOrder`. The keys
 * and the identity order are made in the same read as the four histograms.
 *
 * Each scatter pass runs two streams at once: the front half of the row walks forward
 * and fills every bucket from its start, the back half walks backward and fills it from
 * its end. A bucket's front elements precede its back ones and each stream keeps its own
 * order, so the pass stays stable, and the two streams' slot counters are independent:
 * with one stream, keys that share a digit (most keys in the high-byte passes) make
 * every slot read wait for the previous element's slot write (the two streams are
 * faster per high-byte pass in V8: bench/README.md, "Design measurements"; compiled to
 * WebAssembly the single stream is faster).
 */
function radixArgsort(s: Buffers, isFloat: boolean, flip: number): void {
  const { n, histogram: lo, ends: hi, rowBits: bits, rowOrder: out } = s;
  let keysIn = s.keysA;
  let keysOut = s.keysB;
  let indicesIn = s.indicesA;
  let indicesOut = s.indicesB;
  lo.fill(0);
  for (let i = 0; i < n; i++) {
    const key = keyOf(bits[i] as number, isFloat, flip);
    keysIn[i] = key;
    indicesIn[i] = i;
    const d0 = key & 0xff;
    const d1 = RADIX + ((key >>> 8) & 0xff);
    const d2 = 2 * RADIX + ((key >>> 16) & 0xff);
    const d3 = 3 * RADIX + (key >>> 24);
    lo[d0] = (lo[d0] as number) + 1;
    lo[d1] = (lo[d1] as number) + 1;
    lo[d2] = (lo[d2] as number) + 1;
    lo[d3] = (lo[d3] as number) + 1;
  }
  // Passes whose digit differs between keys; the others would not move anything.
  const passes: number[] = [];
  const first = keysIn[0] as number;
  for (let pass = 0; pass < PASSES; pass++) {
    const offset = pass * RADIX;
    if (lo[offset + ((first >>> (8 * pass)) & 0xff)] === n) continue;
    passes.push(pass);
    // Counts → each digit's first slot (front stream) and one past its last (back stream).
    let sum = 0;
    for (let d = offset; d < offset + RADIX; d++) {
      const count = lo[d] as number;
      lo[d] = sum;
      sum += count;
      hi[d] = sum;
    }
  }
  if (passes.length === 0) {
    out.set(indicesIn);
    return;
  }
  for (let p = 0; p < passes.length; p++) {
    const pass = passes[p] as number;
    const offset = pass * RADIX;
    const shift = 8 * pass;
    // The last pass's indices are the order.
    const indicesTo = p === passes.length - 1 ? out : indicesOut;
    // Front element i, then (unless the streams met) back element j.
    for (let i = 0, j = n - 1; i <= j; i++, j--) {
      const a = keysIn[i] as number;
      const da = offset + ((a >>> shift) & 0xff);
      const sa = lo[da] as number;
      lo[da] = sa + 1;
      keysOut[sa] = a;
      indicesTo[sa] = indicesIn[i] as number;
      if (i === j) break;
      const b = keysIn[j] as number;
      const db = offset + ((b >>> shift) & 0xff);
      const sb = (hi[db] as number) - 1;
      hi[db] = sb;
      keysOut[sb] = b;
      indicesTo[sb] = indicesIn[j] as number;
    }
    [keysIn, keysOut] = [keysOut, keysIn];
    [indicesIn, indicesOut] = [indicesOut, indicesIn];
  }
}

/** The rows `sortRows` sorts. */
export interface SortedRowsSpec {
  readonly rows: number;
  /** Elements per row. */
  readonly length: number;
  /** float32 data (else int32). */
  readonly isFloat: boolean;
  readonly descending: boolean;
}

/**
 * Stable argsort of every row of `values` (`rows × length`): writes each row's order
 * (indices into the row) into `out`, row by row.
 */
export function sortRows(values: Float32Array | Int32Array, out: Int32Array, { rows, length: n, isFloat, descending }: SortedRowsSpec, options: HostOptions): void {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const flip = descending ? 0xffffffff : 0;
  const s = scratchFor(n, options);
  // Each row is copied into the sort's own buffers and its order copied back in one block:
  // on tfjs-backend-wasm the tensors are views of the backend's heap, whose element-wise
  // reads and scattered writes V8 runs slower than a plain typed array's (and the
  // WebAssembly build can only read its own memory).
  for (let r = 0; r < rows; r++) {
    const start = r * n;
    s.rowBits.set(bits.subarray(start, start + n));
    s.argsort(isFloat, flip);
    out.set(s.rowOrder, start);
  }
}
