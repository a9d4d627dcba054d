/*
 * The plane sweeps of the statistics kernels (../../statistics/host/: momentsSweep,
 * scaleShiftSweep, gradientSumsSweep, inputGradientSweep), compiled to WebAssembly with
 * SIMD (`npm run build:wasm`). On tfjs-backend-wasm, where the tensors already live in
 * one WebAssembly memory, this module imports that memory and works on the tensors in
 * place, with no copy in or out; on the cpu backend it runs on a small memory of its
 * own that rows are staged through.
 *
 * Each function is the inner sweep of one plane (`rows` rows of `columns` float32
 * elements, contiguous) over per-column float64 coefficients that the TypeScript kernels
 * compute, in the same float64 operations in the same order as the TypeScript sweeps,
 * two columns per f64x2 vector (columns are independent, so vectorising across them
 * changes no sum). The results are the TypeScript sweeps' bit for bit, which the tests
 * check; no FMA (WebAssembly SIMD has none, and -ffp-contract=off says so).
 *
 * Why: V8 runs these loops over typed arrays at a fraction of native speed; compiled, the
 * sweeps run several times faster (bench/README.md, "Design measurements").
 *
 * The memory is tfjs's: the module must own nothing in it. No static data and no
 * globals, and no function takes an address of a local (so clang keeps everything in
 * wasm locals and never moves the stack pointer); scripts/build-wasm.mjs checks the
 * binary has no data, global or start section.
 */

#include <wasm_simd128.h>

typedef int i32;

#define EXPORT(name) __attribute__((export_name(name)))

static inline v128_t load2(const float *p) { return wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(p)); }

static inline void store2(float *p, v128_t v) { wasm_v128_store64_lane(p, wasm_f32x4_demote_f64x2_zero(v), 0); }

/* Lanes 0–1 and 2–3 of four floats as float64 pairs, and two float64 pairs back as four
 * floats: exact conversions and a rounding per lane, as load2/store2. */
static inline v128_t low2(v128_t v) { return wasm_f64x2_promote_low_f32x4(v); }

static inline v128_t high2(v128_t v) { return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3)); }

static inline v128_t pack4(v128_t lo, v128_t hi) { return wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5); }

#define ADD wasm_f64x2_add
#define SUB wasm_f64x2_sub
#define MUL wasm_f64x2_mul

/* Σd and Σd² per column, d = x − k: momentsSweep. */
EXPORT("momentsPlane") void momentsPlane(const float *x, i32 rows, i32 columns, const double *k, double *s1, double *s2) {
  i32 a = 0;
  for (; a + 3 < rows; a += 4) {
    const float *r0 = x + a * columns, *r1 = r0 + columns, *r2 = r1 + columns, *r3 = r2 + columns;
    i32 j = 0;
    for (; j + 1 < columns; j += 2) {
      v128_t kj = wasm_v128_load(k + j);
      v128_t d0 = SUB(load2(r0 + j), kj), d1 = SUB(load2(r1 + j), kj);
      v128_t d2 = SUB(load2(r2 + j), kj), d3 = SUB(load2(r3 + j), kj);
      wasm_v128_store(s1 + j, ADD(wasm_v128_load(s1 + j), ADD(ADD(d0, d1), ADD(d2, d3))));
      wasm_v128_store(s2 + j, ADD(wasm_v128_load(s2 + j), ADD(ADD(MUL(d0, d0), MUL(d1, d1)), ADD(MUL(d2, d2), MUL(d3, d3)))));
    }
    for (; j < columns; j++) {
      double kj = k[j];
      double d0 = r0[j] - kj, d1 = r1[j] - kj, d2 = r2[j] - kj, d3 = r3[j] - kj;
      s1[j] += d0 + d1 + (d2 + d3);
      s2[j] += d0 * d0 + d1 * d1 + (d2 * d2 + d3 * d3);
    }
  }
  for (; a < rows; a++) {
    const float *r = x + a * columns;
    for (i32 j = 0; j < columns; j++) {
      double d = r[j] - k[j];
      s1[j] += d;
      s2[j] += d * d;
    }
  }
}

/* y = x·f + o per column: scaleShiftSweep. y may be x. Four columns a step (one
 * 16-byte load and store), then two, then one; the per-element float64 arithmetic is
 * the same in each, so the values do not depend on which step wrote them. */
EXPORT("scaleShiftPlane") void scaleShiftPlane(const float *x, float *y, i32 rows, i32 columns, const double *f, const double *o) {
  for (i32 a = 0; a < rows; a++) {
    const float *r = x + a * columns;
    float *w = y + a * columns;
    i32 j = 0;
    for (; j + 3 < columns; j += 4) {
      v128_t v = wasm_v128_load(r + j);
      v128_t lo = ADD(MUL(low2(v), wasm_v128_load(f + j)), wasm_v128_load(o + j));
      v128_t hi = ADD(MUL(high2(v), wasm_v128_load(f + j + 2)), wasm_v128_load(o + j + 2));
      wasm_v128_store(w + j, pack4(lo, hi));
    }
    for (; j + 1 < columns; j += 2) store2(w + j, ADD(MUL(load2(r + j), wasm_v128_load(f + j)), wasm_v128_load(o + j)));
    for (; j < columns; j++) w[j] = (float)(r[j] * f[j] + o[j]);
  }
}

/* Σdy and Σdy·(x − m) per column: gradientSumsSweep. */
EXPORT("gradSumsPlane") void gradSumsPlane(const float *x, const float *dy, i32 rows, i32 columns, const double *m, double *sumDy, double *sumDyCentered) {
  i32 a = 0;
  for (; a + 3 < rows; a += 4) {
    const float *x0 = x + a * columns, *x1 = x0 + columns, *x2 = x1 + columns, *x3 = x2 + columns;
    const float *g0 = dy + a * columns, *g1 = g0 + columns, *g2 = g1 + columns, *g3 = g2 + columns;
    i32 j = 0;
    for (; j + 1 < columns; j += 2) {
      v128_t mj = wasm_v128_load(m + j);
      v128_t e0 = load2(g0 + j), e1 = load2(g1 + j), e2 = load2(g2 + j), e3 = load2(g3 + j);
      v128_t c0 = MUL(e0, SUB(load2(x0 + j), mj)), c1 = MUL(e1, SUB(load2(x1 + j), mj));
      v128_t c2 = MUL(e2, SUB(load2(x2 + j), mj)), c3 = MUL(e3, SUB(load2(x3 + j), mj));
      wasm_v128_store(sumDy + j, ADD(wasm_v128_load(sumDy + j), ADD(ADD(e0, e1), ADD(e2, e3))));
      wasm_v128_store(sumDyCentered + j, ADD(wasm_v128_load(sumDyCentered + j), ADD(ADD(c0, c1), ADD(c2, c3))));
    }
    for (; j < columns; j++) {
      double mj = m[j];
      double e0 = g0[j], e1 = g1[j], e2 = g2[j], e3 = g3[j];
      sumDy[j] += e0 + e1 + (e2 + e3);
      sumDyCentered[j] += e0 * (x0[j] - mj) + e1 * (x1[j] - mj) + (e2 * (x2[j] - mj) + e3 * (x3[j] - mj));
    }
  }
  for (; a < rows; a++) {
    const float *r = x + a * columns, *g = dy + a * columns;
    for (i32 j = 0; j < columns; j++) {
      double e = g[j];
      sumDy[j] += e;
      sumDyCentered[j] += e * (r[j] - m[j]);
    }
  }
}

/* dx = dy·fd − x·fx + c per column: inputGradientSweep. dx may be x. Four columns a
 * step, then two, then one, as scaleShiftPlane. */
EXPORT("gradApplyPlane") void gradApplyPlane(const float *x, const float *dy, float *dx, i32 rows, i32 columns, const double *fd, const double *fx, const double *c) {
  for (i32 a = 0; a < rows; a++) {
    const float *r = x + a * columns, *g = dy + a * columns;
    float *w = dx + a * columns;
    i32 j = 0;
    for (; j + 3 < columns; j += 4) {
      v128_t xv = wasm_v128_load(r + j), gv = wasm_v128_load(g + j);
      v128_t lo = ADD(SUB(MUL(low2(gv), wasm_v128_load(fd + j)), MUL(low2(xv), wasm_v128_load(fx + j))), wasm_v128_load(c + j));
      v128_t hi = ADD(SUB(MUL(high2(gv), wasm_v128_load(fd + j + 2)), MUL(high2(xv), wasm_v128_load(fx + j + 2))), wasm_v128_load(c + j + 2));
      wasm_v128_store(w + j, pack4(lo, hi));
    }
    for (; j + 1 < columns; j += 2) {
      v128_t v = ADD(SUB(MUL(load2(g + j), wasm_v128_load(fd + j)), MUL(load2(r + j), wasm_v128_load(fx + j))), wasm_v128_load(c + j));
      store2(w + j, v);
    }
    for (; j < columns; j++) w[j] = (float)(g[j] * fd[j] - r[j] * fx[j] + c[j]);
  }
}
