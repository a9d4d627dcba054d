/*
 * The run loops of the statistics kernels (../../statistics/host/: momentsRuns,
 * scaleShiftRuns and scaleShiftAlongRows, gradientSumsRuns and gradientSumsAlongRows,
 * inputGradientRuns), compiled to WebAssembly with SIMD (`npm run build:wasm`), for runs
 * of more than 16 contiguous elements (layer norm's `[B, 1, 1, M]`, NCHW instance and
 * group norm). On tfjs-backend-wasm the module imports that memory and works in place,
 * as planeSweeps.c does. The gradient sums' sliding pieces other than layer norm's (γ
 * along a run but not the same for every block: rare) stay TypeScript.
 *
 * The values are the TypeScript loops' bit for bit, which the tests check: the same
 * float64 operations in the same order. The TypeScript sums take four elements a step
 * into two accumulator pairs (`s1a += d0 + d2; s1b += d1 + d3`), which is one f64x2
 * accumulator [s1a, s1b] += [d0, d1] + [d2, d3]; the tail goes into s1a alone, then
 * total + s1a + s1b. Element-wise passes compute each element alone, so any grouping
 * gives the same values. No FMA (-ffp-contract=off).
 *
 * The memory is tfjs's: no static data, no globals, no address of a local (see
 * planeSweeps.c); scripts/build-wasm.mjs checks.
 */

#include <wasm_simd128.h>

typedef int i32;

#define EXPORT(name) __attribute__((export_name(name)))

static inline v128_t load2(const float *p) { return wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(p)); }

/* Lanes 0–1 and 2–3 of four floats as float64 pairs, and two pairs back as four floats
 * (one 16-byte store: an 8-byte store of one demoted pair makes clang extract and convert
 * lane by lane, much slower): exact conversions and one rounding per lane. */
static inline v128_t low2(v128_t v) { return wasm_f64x2_promote_low_f32x4(v); }

static inline v128_t high2(v128_t v) { return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3)); }

static inline v128_t pack4(v128_t lo, v128_t hi) { return wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5); }

#define ADD wasm_f64x2_add
#define SUB wasm_f64x2_sub
#define MUL wasm_f64x2_mul
#define SPLAT wasm_f64x2_splat

/* Σd and Σd², d = x − shift[r], of `runs` consecutive runs of `length`, added to sum[r]
 * and sumSquares[r]: momentsRuns. */
EXPORT("momentsRuns") void momentsRuns(const float *x, i32 runs, i32 length, const double *shift, double *sum, double *sumSquares) {
  for (i32 r = 0; r < runs; r++, x += length) {
    v128_t k = SPLAT(shift[r]);
    v128_t s1 = SPLAT(0), s2 = SPLAT(0);
    i32 i = 0;
    for (; i + 3 < length; i += 4) {
      v128_t d01 = SUB(load2(x + i), k), d23 = SUB(load2(x + i + 2), k);
      s1 = ADD(s1, ADD(d01, d23));
      s2 = ADD(s2, ADD(MUL(d01, d01), MUL(d23, d23)));
    }
    double s1a = wasm_f64x2_extract_lane(s1, 0), s2a = wasm_f64x2_extract_lane(s2, 0);
    for (; i < length; i++) {
      double d = x[i] - shift[r];
      s1a += d;
      s2a += d * d;
    }
    sum[r] = sum[r] + s1a + wasm_f64x2_extract_lane(s1, 1);
    sumSquares[r] = sumSquares[r] + s2a + wasm_f64x2_extract_lane(s2, 1);
  }
}

/* y = x·f + c over one piece of constant coefficients: scaleShiftRuns. y may be x. Four
 * elements a step, then one at a time (each element's arithmetic the same in both); so
 * the element-wise passes below. */
EXPORT("scaleShiftRun") void scaleShiftRun(const float *x, float *y, i32 length, double f, double c) {
  v128_t fv = SPLAT(f), cv = SPLAT(c);
  i32 i = 0;
  for (; i + 3 < length; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    wasm_v128_store(y + i, pack4(ADD(MUL(low2(v), fv), cv), ADD(MUL(high2(v), fv), cv)));
  }
  for (; i < length; i++) y[i] = (float)(x[i] * f + c);
}

/* y = (x − mean[r])·scale[r]·γ[t] + β[t] + shift[r] over `rows` rows of n with γ, β
 * along them: scaleShiftAlongRows (rows are layer norm's blocks), and a sliding piece of
 * scaleShiftRuns (one row, γ and β from the piece's first feature). y may be x. */
EXPORT("scaleShiftSlide") void scaleShiftSlide(const float *x, float *y, i32 rows, i32 n, const double *gamma, const double *beta, const double *mean, const double *scale, const double *shift) {
  for (i32 r = 0; r < rows; r++, x += n, y += n) {
    v128_t m = SPLAT(mean[r]), s = SPLAT(scale[r]), h = SPLAT(shift[r]);
    i32 t = 0;
    for (; t + 3 < n; t += 4) {
      v128_t v = wasm_v128_load(x + t);
      v128_t lo = ADD(ADD(MUL(MUL(SUB(low2(v), m), s), wasm_v128_load(gamma + t)), wasm_v128_load(beta + t)), h);
      v128_t hi = ADD(ADD(MUL(MUL(SUB(high2(v), m), s), wasm_v128_load(gamma + t + 2)), wasm_v128_load(beta + t + 2)), h);
      wasm_v128_store(y + t, pack4(lo, hi));
    }
    for (; t < n; t++) y[t] = (float)((x[t] - mean[r]) * scale[r] * gamma[t] + beta[t] + shift[r]);
  }
}

/* dx = dy·fd − x·fx + c over one piece of constant coefficients: inputGradientRuns. dx
 * may be x. */
EXPORT("gradApplyRun") void gradApplyRun(const float *x, const float *dy, float *dx, i32 length, double fd, double fx, double c) {
  v128_t dv = SPLAT(fd), xv = SPLAT(fx), cv = SPLAT(c);
  i32 i = 0;
  for (; i + 3 < length; i += 4) {
    v128_t g = wasm_v128_load(dy + i), v = wasm_v128_load(x + i);
    wasm_v128_store(dx + i, pack4(ADD(SUB(MUL(low2(g), dv), MUL(low2(v), xv)), cv), ADD(SUB(MUL(high2(g), dv), MUL(high2(v), xv)), cv)));
  }
  for (; i < length; i++) dx[i] = (float)(dy[i] * fd - x[i] * fx + c);
}

/* dx = dy·(γ[t]·out[r]) − x·fx[r] + c[r] over `rows` rows of n with γ along them:
 * inputGradientRuns' sliding pieces (layer norm's blocks in one call). dx may be x. */
EXPORT("gradApplySlide") void gradApplySlide(const float *x, const float *dy, float *dx, i32 rows, i32 n, const double *gamma, const double *out, const double *fx, const double *c) {
  for (i32 r = 0; r < rows; r++, x += n, dy += n, dx += n) {
    v128_t o = SPLAT(out[r]), f = SPLAT(fx[r]), cv = SPLAT(c[r]);
    i32 t = 0;
    for (; t + 3 < n; t += 4) {
      v128_t g = wasm_v128_load(dy + t), v = wasm_v128_load(x + t);
      v128_t lo = ADD(SUB(MUL(low2(g), MUL(wasm_v128_load(gamma + t), o)), MUL(low2(v), f)), cv);
      v128_t hi = ADD(SUB(MUL(high2(g), MUL(wasm_v128_load(gamma + t + 2), o)), MUL(high2(v), f)), cv);
      wasm_v128_store(dx + t, pack4(lo, hi));
    }
    for (; t < n; t++) dx[t] = (float)(dy[t] * (gamma[t] * out[r]) - x[t] * fx[r] + c[r]);
  }
}

/* Σdy and Σdy·(x − m) over one piece, into out[0] and out[1]: gradientSumsRuns. */
EXPORT("gradSumsRun") void gradSumsRun(const float *x, const float *dy, i32 length, double m, double *out) {
  v128_t mv = SPLAT(m), c1 = SPLAT(0), c2 = SPLAT(0);
  i32 i = 0;
  for (; i + 3 < length; i += 4) {
    v128_t e01 = load2(dy + i), e23 = load2(dy + i + 2);
    c1 = ADD(c1, ADD(e01, e23));
    c2 = ADD(c2, ADD(MUL(e01, SUB(load2(x + i), mv)), MUL(e23, SUB(load2(x + i + 2), mv))));
  }
  double c1a = wasm_f64x2_extract_lane(c1, 0), c2a = wasm_f64x2_extract_lane(c2, 0);
  for (; i < length; i++) {
    double e = dy[i];
    c1a += e;
    c2a += e * (x[i] - m);
  }
  out[0] = c1a + wasm_f64x2_extract_lane(c1, 1);
  out[1] = c2a + wasm_f64x2_extract_lane(c2, 1);
}

static inline v128_t pair(const float *p, i32 apart) { return wasm_f64x2_make(p[0], p[apart]); }

static inline double across(v128_t v) { return wasm_f64x2_extract_lane(v, 0) + wasm_f64x2_extract_lane(v, 1); }

/* Layer norm's sums with γ along the rows: gradientSumsAlongRows. Four rows a step, rows
 * (0, 2) in one vector and (1, 3) in the other, so that per-row accumulators stay in
 * their lanes and dβ[t] += (d0 + d1) + (d2 + d3) is the lanes of their sum added. */
EXPORT("gradSumsAlong") void gradSumsAlong(const float *x, const float *dy, i32 rows, i32 n, const double *gamma, const double *mean, const double *scale, double *sumG, double *sumGNormalized, double *dGamma, double *dBeta) {
  i32 o = 0;
  for (; o + 3 < rows; o += 4) {
    const float *xo = x + o * n, *go = dy + o * n;
    v128_t mA = wasm_f64x2_make(mean[o], mean[o + 2]), mB = wasm_f64x2_make(mean[o + 1], mean[o + 3]);
    v128_t sA = wasm_f64x2_make(scale[o], scale[o + 2]), sB = wasm_f64x2_make(scale[o + 1], scale[o + 3]);
    v128_t gA = SPLAT(0), gB = gA, nA = gA, nB = gA;
    for (i32 t = 0; t < n; t++) {
      v128_t gt = SPLAT(gamma[t]);
      v128_t dA = pair(go + t, 2 * n), dB = pair(go + t + n, 2 * n);
      v128_t cA = MUL(dA, SUB(pair(xo + t, 2 * n), mA)), cB = MUL(dB, SUB(pair(xo + t + n, 2 * n), mB));
      gA = ADD(gA, MUL(gt, dA));
      gB = ADD(gB, MUL(gt, dB));
      nA = ADD(nA, MUL(gt, cA));
      nB = ADD(nB, MUL(gt, cB));
      dBeta[t] = dBeta[t] + across(ADD(dA, dB));
      dGamma[t] = dGamma[t] + across(ADD(MUL(sA, cA), MUL(sB, cB)));
    }
    v128_t qA = MUL(sA, nA), qB = MUL(sB, nB);
    sumG[o] = wasm_f64x2_extract_lane(gA, 0);
    sumG[o + 1] = wasm_f64x2_extract_lane(gB, 0);
    sumG[o + 2] = wasm_f64x2_extract_lane(gA, 1);
    sumG[o + 3] = wasm_f64x2_extract_lane(gB, 1);
    sumGNormalized[o] = wasm_f64x2_extract_lane(qA, 0);
    sumGNormalized[o + 1] = wasm_f64x2_extract_lane(qB, 0);
    sumGNormalized[o + 2] = wasm_f64x2_extract_lane(qA, 1);
    sumGNormalized[o + 3] = wasm_f64x2_extract_lane(qB, 1);
  }
  for (; o < rows; o++) {
    const float *xo = x + o * n, *go = dy + o * n;
    double m = mean[o], sc = scale[o], g = 0, normalized = 0;
    for (i32 t = 0; t < n; t++) {
      double d = go[t], c = d * (xo[t] - m);
      g += gamma[t] * d;
      normalized += gamma[t] * c;
      dBeta[t] = dBeta[t] + d;
      dGamma[t] = dGamma[t] + sc * c;
    }
    sumG[o] = g;
    sumGNormalized[o] = sc * normalized;
  }
}
