/*
 * The smoothing kernel's sums (../../smoothing/host/smoothAxis.ts), compiled to
 * WebAssembly with SIMD (`npm run build:wasm`). Like planeSweeps.c it imports the memory
 * it works in: tfjs-backend-wasm's (the tensors in place) or the cpu kernel's staging
 * memory.
 *
 * x is seen as `[outer, L, inner]` around the smoothed axis, each outer block a plane of
 * L·inner elements. A run of output rows that share one stencil (a Gaussian's rows away
 * from the borders) is one contiguous stretch of each plane, and each tap adds a copy of
 * x shifted by a whole number of lines: so one function serves the run of rows (taps at
 * `first + t·step`) and, one tap per call, the border rows (whose reflected columns are
 * not evenly spaced). Each output element is the float32 sum of its taps in tap order,
 * lane by lane, so a vector lane and the scalar tail give the same value; no FMA
 * (-ffp-contract=off).
 *
 * The memory may be tfjs's: the module owns nothing in it (no data, no globals, no stack;
 * scripts/build-wasm.mjs checks).
 */

#include <wasm_simd128.h>

typedef int i32;

#define EXPORT(name) __attribute__((export_name(name)))
#define ADD wasm_f32x4_add
#define MUL wasm_f32x4_mul

/*
 * For o < outer and k < stretch, with p = o·plane:
 *   y[p + start + k] (+)= Σ_{t < taps} weights[t]·x[p + first + t·step + k]
 * adding to y when `accumulate` is nonzero, else writing it. Sixteen outputs (four
 * vectors) per step of the tap loop, then four, then one.
 */
EXPORT("shiftedSums")
void shiftedSums(const float *x, float *y, i32 outer, i32 plane, i32 start, i32 stretch, i32 first, i32 step, const float *weights, i32 taps, i32 accumulate) {
  for (i32 o = 0; o < outer; o++) {
    const float *from = x + o * plane + first;
    float *to = y + o * plane + start;
    i32 k = 0;
    for (; k + 15 < stretch; k += 16) {
      v128_t z = wasm_f32x4_splat(0);
      v128_t s0 = z, s1 = z, s2 = z, s3 = z;
      if (accumulate) {
        s0 = wasm_v128_load(to + k); s1 = wasm_v128_load(to + k + 4);
        s2 = wasm_v128_load(to + k + 8); s3 = wasm_v128_load(to + k + 12);
      }
      const float *p = from + k;
      for (i32 t = 0; t < taps; t++, p += step) {
        v128_t w = wasm_f32x4_splat(weights[t]);
        s0 = ADD(s0, MUL(w, wasm_v128_load(p))); s1 = ADD(s1, MUL(w, wasm_v128_load(p + 4)));
        s2 = ADD(s2, MUL(w, wasm_v128_load(p + 8))); s3 = ADD(s3, MUL(w, wasm_v128_load(p + 12)));
      }
      wasm_v128_store(to + k, s0); wasm_v128_store(to + k + 4, s1);
      wasm_v128_store(to + k + 8, s2); wasm_v128_store(to + k + 12, s3);
    }
    for (; k + 3 < stretch; k += 4) {
      v128_t s = accumulate ? wasm_v128_load(to + k) : wasm_f32x4_splat(0);
      const float *p = from + k;
      for (i32 t = 0; t < taps; t++, p += step) s = ADD(s, MUL(wasm_f32x4_splat(weights[t]), wasm_v128_load(p)));
      wasm_v128_store(to + k, s);
    }
    for (; k < stretch; k++) {
      float s = accumulate ? to[k] : 0.0f;
      const float *p = from + k;
      for (i32 t = 0; t < taps; t++, p += step) s = s + weights[t] * *p;
      to[k] = s;
    }
  }
}
