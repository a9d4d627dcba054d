import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { stableRank } from '../../src';
import { sampleBatch } from '../helpers/arbitraries';
import { expectClose, expectThrowsWithoutLeak, maxAbs, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { cosineMatrixReference, stableRankReference, symmetricEigenvalues } from '../reference/diagnostics';
import { vjpByFiniteDifferences } from '../reference/finiteDifference';

/** The two largest eigenvalues of the samples' cosine Gram matrix. */
function topEigenvalues(values: ArrayLike<number>, n: number): [number, number] {
  const eigenvalues = symmetricEigenvalues(cosineMatrixReference(values, n), n).sort((a, b) => b - a);
  return [eigenvalues[0] ?? 0, eigenvalues[1] ?? 0];
}

describeBackendsBothPaths('stableRank', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('matches the float64 reference within the documented power-method tolerance', async () => {
    await fc.assert(
      fc.asyncProperty(sampleBatch({ maxBatch: 12 }), async ({ shape, values }) => {
        const n = shape[0] as number;
        const [first, second] = topEigenvalues(values, n);
        const expected = stableRankReference(values, n);
        const got = (await readAndDispose(stableRank(tf.tensor(values, shape))))[0] as number;
        // Documented: float32-level when λ₂/λ₁ ≤ 0.998, never worse than (λ₁ − λ₂)/λ₁.
        const gap = first === 0 ? 0 : (first - second) / first;
        const relative = gap >= 0.002 ? 1e-4 : Math.max(1e-4, gap);
        expect(Math.abs(got - expected)).toBeLessThanOrEqual(relative * Math.max(1, expected) + tolerance.value.atol * n);
        expect(got).toBeGreaterThanOrEqual(expected === 0 ? 0 : 1 - 1e-4);
        expect(got).toBeLessThanOrEqual(n + 1e-3);
      }),
      runs(40),
    );
  });

  it('is N for orthogonal samples, 1 for parallel ones, and 0 for all-zero activations', async () => {
    const cases: [number[][], number][] = [
      [[[1, 0, 0], [0, 2, 0], [0, 0, 3]], 3],
      [[[1, 2], [2, 4], [-3, -6]], 1],
      [[[0, 0], [0, 0]], 0],
    ];
    for (const [rows, expected] of cases) {
      expect((await readAndDispose(stableRank(tf.tensor2d(rows))))[0]).toBeCloseTo(expected, 5);
    }
  });

  it('has a gradient equal to finite differences of the reference when λ_max is simple', async () => {
    await fc.assert(
      fc.asyncProperty(sampleBatch({ minBatch: 2, maxBatch: 5, maxSize: 40, zeroSamples: false }), async ({ shape, values }) => {
        const n = shape[0] as number;
        const unit = Float32Array.from(values, (v) => v / maxAbs(values));
        const [first, second] = topEigenvalues(unit, n);
        fc.pre(first - second > 0.05);
        const norms = Array.from({ length: n }, (_, i) => Math.hypot(...unit.slice((i * unit.length) / n, ((i + 1) * unit.length) / n)));
        fc.pre(Math.min(...norms) > 0.05);
        const expected = vjpByFiniteDifferences((v) => [stableRankReference(v, n)], unit, [1], 1e-7);
        const x = tf.tensor(unit, shape);
        const gradient = tf.grad((v: tf.Tensor) => stableRank(v))(x);
        expect(gradient.shape).toEqual(shape);
        // dG = I/λ − tr(G)·vvᵀ/λ² cancels terms of size up to (1 + N)/λ (λ ≥ 1), which
        // dX̂ = 2·dG·X̂ sums N of and the normalisation divides by ‖x‖.
        const scale = maxAbs(expected) + (2 * n * (1 + n)) / Math.min(...norms);
        expectClose(await readAndDispose(gradient), expected, tolerance.gradient, scale);
        x.dispose();
      }),
      runs(30),
    );
  });

  it('does not depend on the scale of the Gram matrix: one sample of 1e-20 has stable rank 1 and gradient 0', async () => {
    // Samples below the normalisation's ε are scaled, not normalised, so their Gram matrix
    // is tiny (1e-16 here); the power steps once floored its vectors' norms and gave 9999.999.
    // The gradient of a scale-free result is O(1/|x|) in general (1e20 here): its rounding
    // is checked to stay finite; at ordinary scales it is 0 to float32 precision.
    for (const value of [1e-20, -3e-20, 1, 1e4]) {
      const x = tf.tensor2d([[value]]);
      expectClose(await readAndDispose(stableRank(x)), [1], TOLERANCE[backend].value);
      const gradient = (await readAndDispose(tf.grad((t: tf.Tensor) => stableRank(t))(x)))[0] as number;
      expect(Number.isFinite(gradient)).toBe(true);
      if (Math.abs(value) >= 1) expect(Math.abs(gradient)).toBeLessThanOrEqual(TOLERANCE[backend].gradient.atol);
      x.dispose();
    }
  });

  it('rejects bad input with a featstats.stableRank message and leaks nothing', async () => {
    const [vector, empty] = [tf.zeros([3]), tf.zeros([2, 0])];
    await expectThrowsWithoutLeak(() => stableRank(vector), /^featstats\.stableRank: x must have rank >= 2 \(\[N, \.\.\.\]\) but got rank 1 \(shape \[3\]\)$/);
    await expectThrowsWithoutLeak(() => stableRank(empty), /^featstats\.stableRank: x must not be empty but got shape \[2,0\]$/);
    tf.dispose([vector, empty]);
  });
});
