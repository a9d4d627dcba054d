/*
 * The host radix argsort of one row, compiled to WebAssembly (`npm run build:wasm`, clang
 * --target=wasm32, no libc) and embedded in radixSortBinary.ts. It is the algorithm of
 * ../../sort/host/radixSort.ts (which documents it and stays the fallback for longer rows
 * and where WebAssembly cannot be compiled) plus packed passes (below); the same row
 * gives the same order bit for bit, which the tests check.
 *
 * Why a second copy: V8 runs the scatter passes' dependent loads and stores (bucket slot,
 * then key and index) several times slower than the same loop compiled ahead of time,
 * and the sort is most of EFDM's time (bench/README.md, "Design measurements").
 *
 * The module owns its memory (the linker's initial pages, until `reserve` grows it) and
 * knows nothing of tfjs. The caller reserves room for rows of length n, writes a row's
 * 32-bit patterns at the returned address, calls `argsort`, and reads the order at
 * address + 4n; `sorted` then puts the row's patterns in that order at address + 8n.
 * Single stream only: the two-stream scatter that helps V8 (radixSort.ts) made this
 * slower.
 */

typedef unsigned int u32;
typedef int i32;
typedef __SIZE_TYPE__ usize;

/* First free byte after the module's static data (provided by wasm-ld). */
extern unsigned char __heap_base;

#define RADIX 256
#define PASSES 4
#define INSERTION_MAX 32
#define EXPORT(name) __attribute__((export_name(name)))

static u32 *bits, *keysA, *keysB;
static i32 *order, *indicesA, *indicesB;
static i32 histogram[RADIX * PASSES];
static i32 capacity;

/*
 * Lays out the buffers for rows of length n (input bits, output order, two key and two
 * index arrays of n each), growing memory if needed. Returns the input's address, or 0
 * when memory cannot grow. The output order follows the input at address + 4n.
 */
EXPORT("reserve") u32 *reserve(i32 n) {
  usize base = ((usize)&__heap_base + 15) & ~(usize)15;
  if (n > capacity) {
    usize need = base + (usize)6 * 4 * (usize)n;
    usize have = __builtin_wasm_memory_size(0) * (usize)65536;
    if (need > have && __builtin_wasm_memory_grow(0, (need - have + 65535) / 65536) == (usize)-1) return 0;
    capacity = n;
  }
  bits = (u32 *)base;
  order = (i32 *)(bits + n);
  keysA = (u32 *)(order + n);
  keysB = keysA + n;
  indicesA = (i32 *)(keysB + n);
  indicesB = indicesA + n;
  return bits;
}

/* The order-preserving key of bit pattern b: radixSort.ts `keyOf`, line for line. */
static inline u32 keyOf(u32 b, i32 isFloat, u32 flip) {
  if (!isFloat) return b ^ 0x80000000u ^ flip;
  i32 v = b == 0x80000000u ? 0 : (i32)b; /* -0 equals +0 */
  return ((u32)v ^ ((u32)(v >> 31) | 0x80000000u)) ^ flip;
}

/* Stable insertion sort of a short row (strictly greater shifts, so ties keep order). */
static void insertionArgsort(i32 n, i32 isFloat, u32 flip) {
  for (i32 i = 0; i < n; i++) {
    keysA[i] = keyOf(bits[i], isFloat, flip);
    order[i] = i;
  }
  for (i32 i = 1; i < n; i++) {
    u32 key = keysA[i];
    i32 index = order[i];
    i32 j = i - 1;
    while (j >= 0 && keysA[j] > key) {
      keysA[j + 1] = keysA[j];
      order[j + 1] = order[j];
      j--;
    }
    keysA[j + 1] = key;
    order[j + 1] = index;
  }
}

/*
 * Stable argsort of the reserved row of length n (float32 bits if isFloat, else int32;
 * flip 0 ascending, 0xffffffff descending) into the order buffer.
 */
EXPORT("argsort") void argsort(i32 n, i32 isFloat, u32 flip) {
  if (n <= INSERTION_MAX) {
    insertionArgsort(n, isFloat, flip);
    return;
  }
  /* Keys and all four histograms in one read of the row. */
  for (i32 d = 0; d < RADIX * PASSES; d++) histogram[d] = 0;
  for (i32 i = 0; i < n; i++) {
    u32 k = keyOf(bits[i], isFloat, flip);
    keysA[i] = k;
    histogram[k & 0xff]++;
    histogram[RADIX + ((k >> 8) & 0xff)]++;
    histogram[2 * RADIX + ((k >> 16) & 0xff)]++;
    histogram[3 * RADIX + (k >> 24)]++;
  }
  /* Passes whose digit differs between keys; counts become each digit's first slot. */
  i32 passes[PASSES];
  i32 count = 0;
  for (i32 p = 0; p < PASSES; p++) {
    i32 *h = histogram + p * RADIX;
    if (h[(keysA[0] >> (8 * p)) & 0xff] == n) continue;
    passes[count++] = p;
    i32 sum = 0;
    for (i32 d = 0; d < RADIX; d++) {
      i32 c = h[d];
      h[d] = sum;
      sum += c;
    }
  }
  if (count == 0) {
    for (i32 i = 0; i < n; i++) order[i] = i;
    return;
  }
  u32 *keysIn = keysA, *keysOut = keysB;
  i32 *indicesIn = indicesA, *indicesOut = indicesB;
  /* Once only passes on the high 16 bits remain, each key's spent low 16 bits carry its
   * index (n <= 2^16): one array moves instead of two, which is faster here. */
  i32 packed = 0;
  for (i32 q = 0; q < count; q++) {
    i32 p = passes[q];
    i32 *slot = histogram + p * RADIX;
    u32 shift = 8 * (u32)p;
    i32 last = q == count - 1;
    i32 packNext = !last && n <= 0x10000 && passes[q + 1] >= 2;
    i32 *indicesTo = last ? order : indicesOut;
    if (packed && last) {
      for (i32 i = 0; i < n; i++) {
        u32 k = keysIn[i];
        order[slot[(k >> shift) & 0xff]++] = (i32)(k & 0xffff);
      }
    } else if (packed) {
      for (i32 i = 0; i < n; i++) {
        u32 k = keysIn[i];
        keysOut[slot[(k >> shift) & 0xff]++] = k;
      }
    } else if (packNext && q == 0) {
      /* The first pass reads indices implicitly (i). Loops are written out per case:
       * clang did not unswitch a q == 0 test inside them, which was slower. */
      for (i32 i = 0; i < n; i++) {
        u32 k = keysIn[i];
        keysOut[slot[(k >> shift) & 0xff]++] = (k & 0xffff0000u) | (u32)i;
      }
    } else if (packNext) {
      for (i32 i = 0; i < n; i++) {
        u32 k = keysIn[i];
        keysOut[slot[(k >> shift) & 0xff]++] = (k & 0xffff0000u) | (u32)indicesIn[i];
      }
    } else if (q == 0) {
      for (i32 i = 0; i < n; i++) {
        u32 k = keysIn[i];
        i32 s = slot[(k >> shift) & 0xff]++;
        keysOut[s] = k;
        indicesTo[s] = i;
      }
    } else {
      for (i32 i = 0; i < n; i++) {
        u32 k = keysIn[i];
        i32 s = slot[(k >> shift) & 0xff]++;
        keysOut[s] = k;
        indicesTo[s] = indicesIn[i];
      }
    }
    if (packNext) packed = 1;
    u32 *t = keysIn;
    keysIn = keysOut;
    keysOut = t;
    i32 *u = indicesIn;
    indicesIn = indicesOut;
    indicesOut = u;
  }
}

/*
 * The reserved row's patterns in the order of the last `argsort`, into the first key
 * buffer (address + 8n; the sort is done with it): the sorted values for callers that
 * need them, without a JavaScript gather, whose scattered reads V8 runs slower.
 */
EXPORT("sorted") void sorted(i32 n) {
  for (i32 k = 0; k < n; k++) keysA[k] = bits[order[k]];
}

/*
 * EFDMix's mix of one row (../../efdm/host/mixRow.ts), here because it runs on the rows
 * this module already holds: out[order[k]] = theirs[k]·wPartner + own[k]·wSelf in
 * float32, each product rounded and then the sum, with own at the row's input (address),
 * the order at address + 4n, theirs at address + 8n and out at address + 12n (the key
 * buffers: no argsort may run in between). V8 runs this scatter several times slower.
 * The TypeScript fallback (mixRow.ts) rounds float64 products and their sum to float32,
 * which gives these values: each float64 product of two float32 is exact, and a float64
 * sum of two float32 rounded to float32 is the float32 sum.
 */
EXPORT("mix") void mix(i32 n, float wPartner, float wSelf) {
  const float *own = (const float *)bits, *theirs = (const float *)keysA;
  float *out = (float *)keysB;
  for (i32 k = 0; k < n; k++) out[order[k]] = theirs[k] * wPartner + own[k] * wSelf;
}
