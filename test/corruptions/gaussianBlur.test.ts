import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { gaussianBlur, type GaussianBlurOptions } from '../../src/corruptions';
import { featureCase, makeValues } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, maxAbs, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { blurReference } from '../reference/corruptions';
import { vjpByFiniteDifferences } from '../reference/finiteDifference';
import type { DataFormat } from '../reference/layout';

/**
 * First-order float32 error scale of the blur: each stored weight w is off by
 * u·max(|w|, 2⁻¹²⁶) (below float32's normal range the rounding is absolute: σ = 0.3 has
 * weights of 1e-39), so the error is within u·(blur(|x|) + taps·axes·2⁻¹²⁶·max|x|).
 */
function blurScale(values: Float32Array, shape: number[], options: { dataFormat: DataFormat; kernelSize: number; sigma: number }, flush = 0): Float64Array {
  const floor = options.kernelSize * (shape.length - 2) * 2 ** -126 * (maxAbs(values) + flush);
  return blurReference(values, shape, options, true).map((v) => v + floor);
}

/**
 * GPUs may flush subnormal float32 to zero (GLSL ES allows it; SwiftShader does): then a
 * product or partial sum below 2⁻¹²⁶ becomes 0, an absolute loss of up to 2⁻¹²⁶ for each
 * of a tap's product and sum, per axis, whatever the data's magnitude (seen: 9.9e-42
 * expected, 0 returned); and a tap's weight below 2⁻¹²⁶ (σ 0.3, four pixels out: e⁻⁸⁹)
 * becomes 0, a loss of up to 2⁻¹²⁶·|x| for that tap (seen: 4.9e-35 expected from a
 * weight of 2.5e-39 times 20 000, 0 returned). In {@link blurScale}'s units that is
 * (2 + max|x|)/atol, added on webgl only.
 */
const flushAllowance = (backend: string, atol: number, values: Float32Array): number => (backend === 'webgl' ? (2 + maxAbs(values)) / atol : 0);

/** Kernels from none (1 tap) to wider than any test image (the paper's 37 taps, σ 9). */
const kernel = fc.record({ kernelSize: fc.constantFrom(1, 3, 5, 9, 15, 37), sigma: fc.constantFrom(0.3, 1, 2.5, 9) });

describeBackendsBothPaths('gaussianBlur', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('rejects bad input with a featstats.gaussianBlur message and leaks nothing', async () => {
    const [images, flat] = [tf.ones([2, 4, 4, 3]), tf.ones([4, 4])];
    const kernelError = (got: string) => new RegExp(`^featstats\\.gaussianBlur: kernelSize must be a positive odd integer <= 65535 but got ${got}$`);
    await expectThrowsWithoutLeak(() => gaussianBlur(images, { kernelSize: 4, sigma: 1 }), kernelError('4'));
    await expectThrowsWithoutLeak(() => gaussianBlur(images, { kernelSize: 0, sigma: 1 }), kernelError('0'));
    await expectThrowsWithoutLeak(() => gaussianBlur(images, { kernelSize: -3, sigma: 1 }), kernelError('-3'));
    await expectThrowsWithoutLeak(() => gaussianBlur(images, { kernelSize: 2.5, sigma: 1 }), kernelError('2\\.5'));
    await expectThrowsWithoutLeak(() => gaussianBlur(images, { kernelSize: '3' as unknown as number, sigma: 1 }), kernelError('"3"'));
    await expectThrowsWithoutLeak(() => gaussianBlur(images, { sigma: 1 } as GaussianBlurOptions), kernelError('undefined'));
    await expectThrowsWithoutLeak(() => gaussianBlur(images, { kernelSize: 3, sigma: 0 }), /^featstats\.gaussianBlur: sigma must be a finite number > 0 but got 0$/);
    await expectThrowsWithoutLeak(() => gaussianBlur(images, { kernelSize: 3, sigma: -1 }), /^featstats\.gaussianBlur: sigma must be a finite number > 0 but got -1$/);
    await expectThrowsWithoutLeak(() => gaussianBlur(images, { kernelSize: 3 } as GaussianBlurOptions), /^featstats\.gaussianBlur: sigma must be a finite number > 0 but got undefined$/);
    await expectThrowsWithoutLeak(() => gaussianBlur(images, { kernelSize: 3, sigma: 1, padding: 'reflect' } as GaussianBlurOptions), /^featstats\.gaussianBlur: options must only name kernelSize, sigma, dataFormat but got 'padding'$/);
    await expectThrowsWithoutLeak(() => gaussianBlur(flat, { kernelSize: 3, sigma: 1 }), /^featstats\.gaussianBlur: images must have rank >= 4 \(\[N, \.\.\.S, C\]\) for dataFormat 'NHWC' but got rank 2 \(shape \[4,4\]\)$/);
    await expectThrowsWithoutLeak(() => gaussianBlur([], { kernelSize: 3, sigma: 1 }), /^featstats\.gaussianBlur: images must have rank >= 4 .* but got rank 1 \(shape \[0\]\)$/);
    tf.dispose([images, flat]);
  });

  it('blurs an impulse into the normalised taps, mirrored at the border without repeating the edge', async () => {
    // 3 taps of σ = 1: e^(−1/2) and 1 over their sum 1 + 2e^(−1/2). An impulse next to the
    // edge reaches position 0 twice (… x₁ | x₀ x₁ …): 2·e^(−1/2)/sum ('symmetric' padding,
    // … x₀ | x₀ x₁ …, would give half that).
    const [edge, centre] = [Math.exp(-0.5) / (1 + 2 * Math.exp(-0.5)), 1 / (1 + 2 * Math.exp(-0.5))];
    const inside = await readAndDispose(gaussianBlur(tf.tensor3d([[[0], [0], [1], [0], [0]]]), { kernelSize: 3, sigma: 1, dataFormat: 'NWC' }));
    expectClose(inside, [0, edge, centre, edge, 0], tolerance.value);
    const border = await readAndDispose(gaussianBlur(tf.tensor3d([[[0], [1], [0], [0], [0]]]), { kernelSize: 3, sigma: 1, dataFormat: 'NWC' }));
    expectClose(border, [2 * edge, centre, edge, 0, 0], tolerance.value);
  });

  it('equals the float64 reflected convolution (ranks, layouts, kernels wider than the image)', async () => {
    await fc.assert(
      fc.asyncProperty(featureCase({ maxSize: 1024 }), kernel, async (data, options) => {
        const reference = { dataFormat: data.dataFormat, ...options };
        const out = gaussianBlur(tf.tensor(data.values, data.shape), reference);
        expect(out.shape).toEqual(data.shape);
        expectClose(await readAndDispose(out), blurReference(data.values, data.shape, reference), tolerance.value, blurScale(data.values, data.shape, reference, flushAllowance(backend, tolerance.value.atol, data.values)));
      }),
      runs(40),
    );
  });

  it('keeps a constant image', async () => {
    await fc.assert(
      fc.asyncProperty(featureCase({ maxSize: 1024 }), kernel, fc.constantFrom(0.5, 1, 1e-3, 255), async (data, options, value) => {
        const out = await readAndDispose(gaussianBlur(tf.fill(data.shape, value), { dataFormat: data.dataFormat, ...options }));
        expectClose(out, new Float64Array(out.length).fill(value), tolerance.value, value);
      }),
      runs(20),
    );
  });

  it("blurs with the paper's kernel 37, σ 9, images smaller and larger than the kernel", async () => {
    const cases: [number[], DataFormat][] = [[[2, 9, 40, 3], 'NHWC'], [[1, 3, 50, 20], 'NCHW'], [[1, 64, 2], 'NWC']];
    for (const [shape, dataFormat] of cases) {
      const values = makeValues(shape, dataFormat, 'spread', 1, 5).map((v) => 0.5 + v / 2);
      const options = { kernelSize: 37, sigma: 9, dataFormat };
      const out = await readAndDispose(gaussianBlur(tf.tensor(values, shape), options));
      expectClose(out, blurReference(values, shape, options), tolerance.value, blurScale(values, shape, options));
    }
  });

  it('is the identity for kernel size 1 and for a σ so small that σ² underflows', async () => {
    const images = tf.randomUniform([2, 5, 4, 3]);
    const values = Array.from(await images.data());
    for (const options of [{ kernelSize: 1, sigma: 2 }, { kernelSize: 5, sigma: 1e-200 }, { kernelSize: 37, sigma: Number.MIN_VALUE }]) {
      expect(Array.from(await readAndDispose(gaussianBlur(images, options)))).toEqual(values);
    }
    images.dispose();
  });

  it('returns a copy of images without spatial extent, and passes dy through', async () => {
    const images = tf.tensor4d([[[[1, 2, 3]]], [[[4, 5, 6]]]]);
    await expectNoLeak(async () => {
      const out = gaussianBlur(images, { kernelSize: 37, sigma: 9 });
      expect(out).not.toBe(images);
      expect(Array.from(await readAndDispose(out))).toEqual([1, 2, 3, 4, 5, 6]);
      const gradient = tf.grad((x: tf.Tensor) => gaussianBlur(x, { kernelSize: 5, sigma: 1 }))(images, images);
      expect(Array.from(await readAndDispose(gradient))).toEqual([1, 2, 3, 4, 5, 6]);
    });
    images.dispose();
  });

  it('has the gradient Bᵀ·dy: finite differences of the reference', async () => {
    await fc.assert(
      fc.asyncProperty(featureCase({ maxSize: 96 }, ['spread'], [1]), kernel, fc.integer({ min: 0, max: 1e6 }), async (data, options, seed) => {
        const reference = { dataFormat: data.dataFormat, ...options };
        const dy = makeValues(data.shape, 'NHWC', 'spread', 1, seed);
        const expected = vjpByFiniteDifferences((x) => blurReference(x, data.shape, reference), data.values, dy);
        const [x, dyTensor] = [tf.tensor(data.values, data.shape), tf.tensor(dy, data.shape)];
        await expectNoLeak(async () => {
          const gradient = tf.grad((input: tf.Tensor) => gaussianBlur(input, reference))(x, dyTensor);
          expect(gradient.shape).toEqual(data.shape);
          // Bᵀ sums |dy| with weights up to 2 per axis where reflection folds: scale max|dy|.
          expectClose(await readAndDispose(gradient), expected, tolerance.gradient, maxAbs(expected) + maxAbs(dy));
        });
        tf.dispose([x, dyTensor]);
      }),
      runs(30),
    );
  });

  it('leaks no tensor through forward, backward and array inputs', async () => {
    const images = tf.randomUniform([2, 7, 5, 3]);
    await expectNoLeak(() => {
      const out = gaussianBlur(images, { kernelSize: 37, sigma: 9 });
      const gradient = tf.grad((x: tf.Tensor) => gaussianBlur(x, { kernelSize: 3, sigma: 1, dataFormat: 'NCHW' }))(images);
      const fromArrays = gaussianBlur([[[1], [2], [3]]], { kernelSize: 3, sigma: 1, dataFormat: 'NWC' });
      tf.dispose([out, gradient, fromArrays]);
    });
    images.dispose();
  });
});
