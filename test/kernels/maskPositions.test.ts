/**
 * The mask kernel (`src/_internal/kernels/corruption/contract.ts`) with the compiled pass
 * required and with the TypeScript loop (on cpu and wasm; elsewhere both runs are the
 * composite): both give x·m rounded once to float32, bit for bit, −0 kept and NaN
 * propagated, in NHWC with one to nine channels (three, the images' case, in its own
 * SIMD form) and NCHW, sizes that are and are not multiples of four positions.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { maskPositions } from '../../src/_internal/kernels/corruption/contract';
import { uniformFrom } from '../helpers/arbitraries';
import { expectNoLeak, expectSameValues } from '../helpers/assert';
import { describeBackends, isGpuBackend } from '../helpers/backends';
import { withEngine } from '../helpers/hostEngines';
import { runs } from '../helpers/properties';

/** Values in [−2, 2] with zeros of both signs, NaN and infinities mixed in. */
function values(size: number, seed: number, special: readonly number[]): Float32Array {
  const uniform = uniformFrom(seed);
  return Float32Array.from({ length: size }, () => (uniform() < 0.2 ? (special[Math.floor(uniform() * special.length)] as number) : 4 * uniform() - 2));
}

const maskCase = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  spatial: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 2 }),
  channels: fc.integer({ min: 1, max: 9 }),
  channelsLast: fc.boolean(),
  binary: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describeBackends('mask kernel', (backend) => {
  // The bit-for-bit promise is the host kernels' (cpu, wasm). A GPU backend runs tfjs's
  // multiply, which may flush subnormals and need not keep −0 or NaN (GLSL ES and WGSL
  // leave them open); randomMask's own suite checks the op there against its reference.
  it.runIf(!isGpuBackend(backend))('gives x·m in float32, the same bits compiled and in TypeScript', async () => {
    await fc.assert(
      fc.asyncProperty(maskCase, async ({ batch, spatial, channels, channelsLast, binary, seed }) => {
        const positions = spatial.reduce((a, b) => a * b, 1);
        const shape = channelsLast ? [batch, ...spatial, channels] : [batch, channels, ...spatial];
        const xValues = values(batch * positions * channels, seed, [0, -0, NaN, Infinity, -Infinity, 1e-40]);
        // A drawn mask (0 and 1) or any float32 (the contract's general case).
        const maskValues = binary ? values(batch * positions, seed + 1, [0, 1]).map((v) => (v > 0 ? 1 : 0)) : values(batch * positions, seed + 1, [0, -0, NaN, 1e-30]);
        const x = tf.tensor(xValues, shape);
        const mask = tf.tensor2d(maskValues, [batch, positions]);
        const expected = new Float32Array(xValues.length);
        for (let i = 0; i < xValues.length; i++) {
          const [n, rest] = [Math.floor(i / (positions * channels)), i % (positions * channels)];
          const l = channelsLast ? Math.floor(rest / channels) : rest % positions;
          expected[i] = Math.fround((xValues[i] as number) * (maskValues[n * positions + l] as number));
        }
        for (const engine of ['required', 'off'] as const) {
          await withEngine(engine, async () => {
            const y = maskPositions(x, mask, channelsLast);
            expect(y.shape).toEqual(shape);
            expectSameValues((await y.data()) as Float32Array, expected);
            y.dispose();
          });
        }
        tf.dispose([x, mask]);
      }),
      runs(80),
    );
  });

  it.runIf(!isGpuBackend(backend))('masks an image batch of the benchmarks in place of the TypeScript loop (NHWC, three channels)', async () => {
    const [batch, positions] = [2, 224 * 224];
    const xValues = values(batch * positions * 3, 3, [0, -0, NaN]);
    const maskValues = values(batch * positions, 4, [0, 1]).map((v) => (v > 0 ? 1 : 0));
    const x = tf.tensor4d(xValues, [batch, 224, 224, 3]);
    const mask = tf.tensor2d(maskValues, [batch, positions]);
    const results: Float32Array[] = [];
    for (const engine of ['required', 'off'] as const) {
      await withEngine(engine, async () => {
        const y = maskPositions(x, mask, true);
        results.push((await y.data()) as Float32Array);
        y.dispose();
      });
    }
    expectSameValues(results[0] as Float32Array, results[1] as Float32Array);
    tf.dispose([x, mask]);
  });

  it('leaks nothing', async () => {
    const [x, mask] = [tf.ones([2, 3, 3, 3]), tf.ones([2, 9])];
    await expectNoLeak(() => maskPositions(x, mask as tf.Tensor2D, true).dispose());
    tf.dispose([x, mask]);
  });
});
