/*
 * The element-wise passes of IBA's bottleneck kernels (../../bottleneck/host/),
 * compiled to WebAssembly with SIMD (`npm run build:wasm`). Like planeSweeps.c they
 * import the memory they work in: tfjs-backend-wasm's (the tensors in place) or the cpu
 * kernels' staging memory.
 *
 * R is `batch` samples of `sample` elements; element i of a sample uses element i of
 * each per-sample factor, which the TypeScript side computes once per call (logarithms
 * and divisions included), so these passes are multiplications and additions in float32,
 * four elements per step and the last of a sample one at a time, in the same operations
 * (no FMA: -ffp-contract=off). The weight gradients' batch sums add sample after sample.
 *
 * The memory may be tfjs's: the module owns nothing in it (no data, no globals, no stack;
 * scripts/build-wasm.mjs checks).
 */

#include <wasm_simd128.h>

typedef int i32;

#define EXPORT(name) __attribute__((export_name(name)))
#define ADD wasm_f32x4_add
#define SUB wasm_f32x4_sub
#define MUL wasm_f32x4_mul
#define LOAD wasm_v128_load
#define STORE wasm_v128_store

/* Each element of every sample: `VECTOR` on four at a time (i..i+3), then `SCALAR` on the rest. */
#define EACH_ELEMENT(VECTOR, SCALAR)              \
  for (i32 n = 0; n < batch; n++) {               \
    i32 base = n * sample, i = 0;                 \
    for (; i + 3 < sample; i += 4) { VECTOR; }    \
    for (; i < sample; i++) { SCALAR; }           \
  }

/* y = weight·R + shift + spread·noise. */
EXPORT("outputForward")
void outputForward(const float *r, const float *noise, float *y, i32 batch, i32 sample, const float *weight, const float *shift, const float *spread) {
  EACH_ELEMENT(
      STORE(y + base + i, ADD(ADD(MUL(LOAD(weight + i), LOAD(r + base + i)), LOAD(shift + i)), MUL(LOAD(spread + i), LOAD(noise + base + i)))),
      y[base + i] = (weight[i] * r[base + i] + shift[i]) + spread[i] * noise[base + i])
}

/* y = gain·(shift − z²) with z = weight·(R − centre). */
EXPORT("capacityForward")
void capacityForward(const float *r, float *y, i32 batch, i32 sample, const float *weight, const float *centre, const float *shift, const float *gain) {
  EACH_ELEMENT(
      v128_t z = MUL(LOAD(weight + i), SUB(LOAD(r + base + i), LOAD(centre + i)));
      STORE(y + base + i, MUL(LOAD(gain + i), SUB(LOAD(shift + i), MUL(z, z)))),
      float z = weight[i] * (r[base + i] - centre[i]);
      y[base + i] = gain[i] * (shift[i] - z * z))
}

/* With o = mask·dy: dR = o·lambda, sumR += o·R, sumO += o, sumNoise += o·noise. */
EXPORT("outputBackward")
void outputBackward(const float *r, const float *noise, const float *dy, float *dR, i32 batch, i32 sample, const float *mask, const float *lambda, float *sumR, float *sumO, float *sumNoise) {
  EACH_ELEMENT(
      v128_t o = MUL(LOAD(dy + base + i), LOAD(mask + i));
      STORE(dR + base + i, MUL(o, LOAD(lambda + i)));
      STORE(sumR + i, ADD(LOAD(sumR + i), MUL(o, LOAD(r + base + i))));
      STORE(sumO + i, ADD(LOAD(sumO + i), o));
      STORE(sumNoise + i, ADD(LOAD(sumNoise + i), MUL(o, LOAD(noise + base + i)))),
      float o = dy[base + i] * mask[i];
      dR[base + i] = o * lambda[i];
      sumR[i] = sumR[i] + o * r[base + i];
      sumO[i] = sumO[i] + o;
      sumNoise[i] = sumNoise[i] + o * noise[base + i])
}

/* With o = mask·dy, d = R − centre: dR = (o·factor)·d, sumSquares += (o·d)·d, sumO += o. */
EXPORT("capacityBackward")
void capacityBackward(const float *r, const float *dy, float *dR, i32 batch, i32 sample, const float *mask, const float *centre, const float *factor, float *sumSquares, float *sumO) {
  EACH_ELEMENT(
      v128_t o = MUL(LOAD(dy + base + i), LOAD(mask + i));
      v128_t d = SUB(LOAD(r + base + i), LOAD(centre + i));
      STORE(dR + base + i, MUL(MUL(o, LOAD(factor + i)), d));
      STORE(sumSquares + i, ADD(LOAD(sumSquares + i), MUL(MUL(o, d), d)));
      STORE(sumO + i, ADD(LOAD(sumO + i), o)),
      float o = dy[base + i] * mask[i];
      float d = r[base + i] - centre[i];
      dR[base + i] = (o * factor[i]) * d;
      sumSquares[i] = sumSquares[i] + (o * d) * d;
      sumO[i] = sumO[i] + o)
}
