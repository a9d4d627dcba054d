import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { activationSimilarity, cosineSimilarityMatrix } from '../../src';
import { makeValues, sampleBatch } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, maxAbs, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { activationSimilarityReference, cosineMatrixReference } from '../reference/diagnostics';
import { vjpByFiniteDifferences } from '../reference/finiteDifference';

/** Every sample's norm is at least 1e-2 of the largest (ties data may hold zero samples). */
function everySampleAwayFromZero({ shape, values }: { shape: number[]; values: Float32Array }): boolean {
  const n = shape[0] as number;
  const d = values.length / n;
  const norms = Array.from({ length: n }, (_, i) => Math.hypot(...values.slice(i * d, (i + 1) * d)));
  return Math.min(...norms) > 1e-2 * Math.max(...norms);
}

describeBackendsBothPaths('cosineSimilarityMatrix and activationSimilarity', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('match the float64 reference, zero samples included', async () => {
    await fc.assert(
      fc.asyncProperty(sampleBatch({ minBatch: 2 }), async ({ shape, values }) => {
        const n = shape[0] as number;
        const x = tf.tensor(values, shape);
        const matrix = cosineSimilarityMatrix(x);
        expect(matrix.shape).toEqual([n, n]);
        // Cosines are sums of D products of unit-scale terms: rounding relative to 1.
        expectClose(await readAndDispose(matrix), cosineMatrixReference(values, n), tolerance.value, 1);
        expectClose([(await readAndDispose(activationSimilarity(x)))[0] as number], [activationSimilarityReference(values, n)], tolerance.value, 1);
        x.dispose();
      }),
      runs(40),
    );
  });

  it('give gradients equal to finite differences of the reference', async () => {
    await fc.assert(
      fc.asyncProperty(sampleBatch({ minBatch: 2, maxSize: 64, zeroSamples: false }).filter(everySampleAwayFromZero), fc.integer({ min: 0, max: 1e6 }), async ({ shape, values }, seed) => {
        const n = shape[0] as number;
        // Finite differences need a step far below every sample's norm (zero samples,
        // where the map is x/ε, are checked for finiteness below).
        const scaled = Float32Array.from(values, (v) => (values.some((u) => Math.abs(u) > 10) ? v / 1e4 : v));
        const dy = makeValues([n, n], 'NHWC', 'spread', 1, seed);
        const x = tf.tensor(scaled, shape);
        const dyTensor = tf.tensor(dy, [n, n]);
        await expectNoLeak(async () => {
          const expectedMatrix = vjpByFiniteDifferences((v) => cosineMatrixReference(v, n), scaled, dy, 1e-7);
          const gradient = tf.grad((v: tf.Tensor) => cosineSimilarityMatrix(v))(x, dyTensor);
          expect(gradient.shape).toEqual(shape);
          const rowScale = maxAbs(expectedMatrix) + maxAbs(dy) * n * Math.max(...Array.from({ length: n }, (_, i) => 1 / Math.max(1e-12, Math.hypot(...scaled.slice((i * scaled.length) / n, ((i + 1) * scaled.length) / n)))));
          expectClose(await readAndDispose(gradient), expectedMatrix, tolerance.gradient, Number.isFinite(rowScale) ? rowScale : 1);
          const expectedSimilarity = vjpByFiniteDifferences((v) => [activationSimilarityReference(v, n)], scaled, [1], 1e-7);
          const similarityGradient = tf.grad((v: tf.Tensor) => activationSimilarity(v))(x);
          expectClose(await readAndDispose(similarityGradient), expectedSimilarity, tolerance.gradient, rowScale);
        });
        tf.dispose([x, dyTensor]);
      }),
      runs(30),
    );
  });

  it('give zero, not NaN, for a zero sample', async () => {
    const x = tf.tensor2d([[0, 0], [1, 1]]);
    expectClose(await readAndDispose(cosineSimilarityMatrix(x)), [0, 0, 0, 1], tolerance.value);
    const gradient = await readAndDispose(tf.grad((v: tf.Tensor) => activationSimilarity(v))(x));
    expect(Array.from(gradient).every(Number.isFinite)).toBe(true);
    x.dispose();
  });

  it('reject bad input with a featstats message and leak nothing', async () => {
    const [vector, single, integers] = [tf.zeros([3]), tf.ones([1, 4]), tf.ones([2, 2], 'bool')];
    await expectThrowsWithoutLeak(() => cosineSimilarityMatrix(vector), /^featstats\.cosineSimilarityMatrix: x must have rank >= 2 \(\[N, \.\.\.\]\) but got rank 1 \(shape \[3\]\)$/);
    await expectThrowsWithoutLeak(() => activationSimilarity(single), /^featstats\.activationSimilarity: x must have at least 2 non-empty samples but got shape \[1,4\]$/);
    await expectThrowsWithoutLeak(() => activationSimilarity(integers), /^featstats\.activationSimilarity: x must be a float32 or int32 tensor but got bool \(shape \[2,2\]\)$/);
    tf.dispose([vector, single, integers]);
  });
});
