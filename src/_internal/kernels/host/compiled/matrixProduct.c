/*
 * Float32 matrix products for the host kernels (../../contrastive/host/: the block
 * logits Q·Kᵀ and the backward's dQ += dS·K, dK += dSᵀ·Q), compiled to WebAssembly with
 * SIMD (`npm run build:wasm`). Like planeSweeps.c it imports the memory it works in:
 * tfjs-backend-wasm's (the tensors in place) or the cpu kernels' staging memory.
 *
 * Register-tiled: each step of the inner loop keeps a 2×4 tile of dot products
 * (productTransposed) or a 4×8 tile of outputs (addProduct) in eight f32x4 registers, so
 * every vector loaded serves two to four products. Sums are float32, as PyTorch's and tfjs's matMul keep them; no
 * FMA (WebAssembly SIMD has none, and -ffp-contract=off says so).
 *
 * Edges cost no extra code: a tile that overhangs the last row (or column) reads that row
 * again in its spare slots and stores the same sums to the same place, and a depth that is
 * not a multiple of four ends one lane at a time (loads that zero the other lanes).
 *
 * The memory may be tfjs's: the module owns nothing in it (no data, no globals, no stack;
 * scripts/build-wasm.mjs checks).
 */

#include <wasm_simd128.h>

typedef int i32;

#define EXPORT(name) __attribute__((export_name(name)))
#define ADD wasm_f32x4_add
#define MUL wasm_f32x4_mul

static inline i32 clamp(i32 i, i32 last) { return i < last ? i : last; }

static inline float lanes(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) + (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

/* One step of a 2×4 tile of dot products over four (or, with `ONE`, one) elements of
 * depth: B's four vectors, then each row of A once. Eight sums and six operands fit the
 * sixteen vector registers V8 allocates on x64; a 4×4 tile (sixteen sums) spilled and ran
 * slower (bench/README.md, "Design measurements"). */
#define DOT_STEP(load, d)                                                                        \
  do {                                                                                           \
    v128_t y0 = load(b0 + d), y1 = load(b1 + d), y2 = load(b2 + d), y3 = load(b3 + d);           \
    v128_t x = load(a0 + d);                                                                     \
    s00 = ADD(s00, MUL(x, y0)); s01 = ADD(s01, MUL(x, y1)); s02 = ADD(s02, MUL(x, y2)); s03 = ADD(s03, MUL(x, y3)); \
    x = load(a1 + d);                                                                            \
    s10 = ADD(s10, MUL(x, y0)); s11 = ADD(s11, MUL(x, y1)); s12 = ADD(s12, MUL(x, y2)); s13 = ADD(s13, MUL(x, y3)); \
  } while (0)

#define ONE(p) wasm_v128_load32_zero(p)

/*
 * C[i·ldc + j] = Σ_d A[i·lda + d]·B[j·ldb + d] for i < m, j < n, d < depth: every pair of
 * rows of A and B, each a contiguous dot product (the logits of anchors against candidates).
 */
EXPORT("productTransposed") void productTransposed(const float *a, i32 lda, const float *b, i32 ldb, float *c, i32 ldc, i32 m, i32 n, i32 depth) {
  for (i32 i = 0; i < m; i += 2) {
    i32 i1 = clamp(i + 1, m - 1);
    const float *a0 = a + i * lda, *a1 = a + i1 * lda;
    for (i32 j = 0; j < n; j += 4) {
      i32 j1 = clamp(j + 1, n - 1), j2 = clamp(j + 2, n - 1), j3 = clamp(j + 3, n - 1);
      const float *b0 = b + j * ldb, *b1 = b + j1 * ldb, *b2 = b + j2 * ldb, *b3 = b + j3 * ldb;
      v128_t z = wasm_f32x4_splat(0);
      v128_t s00 = z, s01 = z, s02 = z, s03 = z, s10 = z, s11 = z, s12 = z, s13 = z;
      i32 d = 0;
      for (; d + 3 < depth; d += 4) DOT_STEP(wasm_v128_load, d);
      for (; d < depth; d++) DOT_STEP(ONE, d);
      /* Rows and columns past the edge were clamped to the last: same sums, same place. */
      float *c0 = c + i * ldc, *c1 = c + i1 * ldc;
      c0[j] = lanes(s00); c0[j1] = lanes(s01); c0[j2] = lanes(s02); c0[j3] = lanes(s03);
      c1[j] = lanes(s10); c1[j1] = lanes(s11); c1[j2] = lanes(s12); c1[j3] = lanes(s13);
    }
  }
}

/* One step of a 4-row tile over k: the row weights broadcast, `width` lanes of B's row k. */
#define WEIGHTS(k)                                                   \
  v128_t w0 = wasm_f32x4_splat(a[i * ars + (k) * acs]);              \
  v128_t w1 = wasm_f32x4_splat(a[clamp(i + 1, m - 1) * ars + (k) * acs]); \
  v128_t w2 = wasm_f32x4_splat(a[clamp(i + 2, m - 1) * ars + (k) * acs]); \
  v128_t w3 = wasm_f32x4_splat(a[clamp(i + 3, m - 1) * ars + (k) * acs])

/*
 * C[i·ldc + d] += Σ_k A[i·ars + k·acs]·B[k·ldb + d] for i < m, k < inner, d < depth: rows of
 * C gain weighted sums of rows of B, A read through any strides (dS as it is, or dSᵀ).
 * Tiles of four rows of C by eight columns (two vectors), then one column at a time.
 */
EXPORT("addProduct") void addProduct(const float *a, i32 ars, i32 acs, const float *b, i32 ldb, float *c, i32 ldc, i32 m, i32 inner, i32 depth) {
  for (i32 i = 0; i < m; i += 4) {
    float *c0 = c + i * ldc, *c1 = c + clamp(i + 1, m - 1) * ldc, *c2 = c + clamp(i + 2, m - 1) * ldc, *c3 = c + clamp(i + 3, m - 1) * ldc;
    i32 d = 0;
    for (; d + 7 < depth; d += 8) {
      v128_t t0 = wasm_v128_load(c0 + d), t1 = wasm_v128_load(c1 + d), t2 = wasm_v128_load(c2 + d), t3 = wasm_v128_load(c3 + d);
      v128_t u0 = wasm_v128_load(c0 + d + 4), u1 = wasm_v128_load(c1 + d + 4), u2 = wasm_v128_load(c2 + d + 4), u3 = wasm_v128_load(c3 + d + 4);
      for (i32 k = 0; k < inner; k++) {
        WEIGHTS(k);
        v128_t y = wasm_v128_load(b + k * ldb + d), z = wasm_v128_load(b + k * ldb + d + 4);
        t0 = ADD(t0, MUL(w0, y)); t1 = ADD(t1, MUL(w1, y)); t2 = ADD(t2, MUL(w2, y)); t3 = ADD(t3, MUL(w3, y));
        u0 = ADD(u0, MUL(w0, z)); u1 = ADD(u1, MUL(w1, z)); u2 = ADD(u2, MUL(w2, z)); u3 = ADD(u3, MUL(w3, z));
      }
      wasm_v128_store(c0 + d, t0); wasm_v128_store(c1 + d, t1); wasm_v128_store(c2 + d, t2); wasm_v128_store(c3 + d, t3);
      wasm_v128_store(c0 + d + 4, u0); wasm_v128_store(c1 + d + 4, u1); wasm_v128_store(c2 + d + 4, u2); wasm_v128_store(c3 + d + 4, u3);
    }
    /* The last columns one at a time, in lane 0 (loads that zero the other lanes). */
    for (; d < depth; d++) {
      v128_t t0 = ONE(c0 + d), t1 = ONE(c1 + d), t2 = ONE(c2 + d), t3 = ONE(c3 + d);
      for (i32 k = 0; k < inner; k++) {
        WEIGHTS(k);
        v128_t y = ONE(b + k * ldb + d);
        t0 = ADD(t0, MUL(w0, y)); t1 = ADD(t1, MUL(w1, y)); t2 = ADD(t2, MUL(w2, y)); t3 = ADD(t3, MUL(w3, y));
      }
      wasm_v128_store32_lane(c0 + d, t0, 0); wasm_v128_store32_lane(c1 + d, t1, 0);
      wasm_v128_store32_lane(c2 + d, t2, 0); wasm_v128_store32_lane(c3 + d, t3, 0);
    }
  }
}
