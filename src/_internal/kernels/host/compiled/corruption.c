/*
 * randomMask's two host passes (../../corruption/host/, src/corruptions/randomMask.ts),
 * compiled to WebAssembly with SIMD (`npm run build:wasm`). Like planeSweeps.c it imports
 * the memory it works in: tfjs-backend-wasm's (the tensors in place), the cpu kernels'
 * staging memory, or the draw's own.
 *
 * The mask pass is float32 multiplication, four products per step where the layout lets
 * four lanes share a mask vector, so each element is x·m rounded once, as the TypeScript
 * loop stores it (−0 and NaN included; no FMA to contract: -ffp-contract=off).
 *
 * The draw is the TypeScript draw made cheaper, not a new one: xoshiro128** (state in the
 * caller's memory, so it moves in and out between images and the fraction draws stay in
 * TypeScript) and the same partial Fisher–Yates, j = i + ⌊u·(n − i)⌋ in float64 with
 * u = result/2³², which WebAssembly computes in IEEE double as JavaScript does (u·(n − i)
 * is non-negative, so truncation is the floor). A test compares it bit for bit.
 *
 * The memory may be tfjs's: the module owns nothing in it (no data, no globals, no stack;
 * scripts/build-wasm.mjs checks).
 */

#include <wasm_simd128.h>

typedef int i32;
typedef unsigned u32;

#define EXPORT(name) __attribute__((export_name(name)))
#define MUL wasm_f32x4_mul
#define LOAD wasm_v128_load
#define STORE wasm_v128_store

/* [N·L, C]: y[p·C + c] = x[p·C + c]·mask[p] over all `positions` (N·L) of the batch. */
EXPORT("maskChannelsLast")
void maskChannelsLast(const float *x, const float *mask, float *y, i32 positions, i32 channels) {
  i32 p = 0;
  if (channels == 3) {
    /* Four positions are twelve elements, three vectors: the mask lanes spread as 0001 1122 2333. */
    for (; p + 3 < positions; p += 4) {
      v128_t m = LOAD(mask + p);
      const float *a = x + 3 * p;
      float *b = y + 3 * p;
      STORE(b, MUL(LOAD(a), wasm_i32x4_shuffle(m, m, 0, 0, 0, 1)));
      STORE(b + 4, MUL(LOAD(a + 4), wasm_i32x4_shuffle(m, m, 1, 1, 2, 2)));
      STORE(b + 8, MUL(LOAD(a + 8), wasm_i32x4_shuffle(m, m, 2, 3, 3, 3)));
    }
  } else if ((channels & 3) == 0) {
    for (; p < positions; p++) {
      v128_t m = wasm_v128_load32_splat(mask + p);
      for (i32 i = p * channels, end = i + channels; i < end; i += 4) STORE(y + i, MUL(LOAD(x + i), m));
    }
  }
  for (; p < positions; p++) {
    float m = mask[p];
    for (i32 i = p * channels, end = i + channels; i < end; i++) y[i] = x[i] * m;
  }
}

/* [N, C, L]: each channel's plane against its image's mask row (channels 1 is NHWC's C = 1 too). */
EXPORT("maskChannelsFirst")
void maskChannelsFirst(const float *x, const float *mask, float *y, i32 batch, i32 channels, i32 positions) {
  for (i32 n = 0; n < batch; n++) {
    const float *m = mask + n * positions;
    for (i32 c = 0; c < channels; c++) {
      i32 base = (n * channels + c) * positions, l = 0;
      for (; l + 3 < positions; l += 4) STORE(y + base + l, MUL(LOAD(x + base + l), LOAD(m + l)));
      for (; l < positions; l++) y[base + l] = x[base + l] * m[l];
    }
  }
}

static inline u32 rotl(u32 x, i32 k) { return (x << k) | (x >> (32 - k)); }

/* One step of xoshiro128** on a state in four variables (a, b, c, d as random.ts names
 * them), setting `result`. A macro, so the draw loop keeps its state in locals: read
 * through the state pointer, every step would reload it after the pool and mask stores,
 * which the compiler must assume may alias it. */
#define XOSHIRO(result, a, b, c, d) \
  do {                              \
    result = rotl(b * 5, 7) * 9;    \
    u32 t = b << 9;                 \
    c ^= a;                         \
    d ^= b;                         \
    b ^= c;                         \
    a ^= d;                         \
    c ^= t;                         \
    d = rotl(d, 11);                \
  } while (0)

/* The next uniform from the state at `s`, result/2³². */
static inline double next(u32 *s) {
  u32 a = s[0], b = s[1], c = s[2], d = s[3], result;
  XOSHIRO(result, a, b, c, d);
  s[0] = a;
  s[1] = b;
  s[2] = c;
  s[3] = d;
  return (double)result / 4294967296.0;
}

/* One uniform from `state` (the fraction draws of a range). */
EXPORT("uniform")
double uniform(u32 *state) { return next(state); }

/*
 * One image's mask, `positions` values (1 kept, 0 removed): the first `count` steps of a
 * Fisher–Yates shuffle of 0..positions−1 in `pool`, as sampleWithoutReplacement takes them.
 */
EXPORT("drawMask")
void drawMask(u32 *state, i32 *pool, float *mask, i32 positions, i32 count) {
  i32 i = 0;
  v128_t at = wasm_i32x4_make(0, 1, 2, 3), four = wasm_i32x4_splat(4), one = wasm_f32x4_splat(1.0f);
  for (; i + 3 < positions; i += 4, at = wasm_i32x4_add(at, four)) {
    STORE(pool + i, at);
    STORE(mask + i, one);
  }
  for (; i < positions; i++) {
    pool[i] = i;
    mask[i] = 1.0f;
  }
  u32 a = state[0], b = state[1], c = state[2], d = state[3], result;
  for (i = 0; i < count; i++) {
    XOSHIRO(result, a, b, c, d);
    i32 j = i + (i32)((double)result / 4294967296.0 * (double)(positions - i));
    i32 chosen = pool[j];
    pool[j] = pool[i];
    pool[i] = chosen;
    mask[chosen] = 0.0f;
  }
  state[0] = a;
  state[1] = b;
  state[2] = c;
  state[3] = d;
}
