/**
 * The bottleneck's gates kernel (`src/_internal/kernels/bottleneck/contract.ts`):
 * σ(α), σ(−α), σ'(α) = σ(α)·σ(−α) and max(std, minStd) against float64 from first
 * principles on every backend, and on cpu, where it is one loop standing in for five
 * tfjs-backend-cpu ops, the same bits as those ops (fast paths on and off) — NaN, ±∞,
 * ±0 and |α| where σ(α) rounds to 1 included.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { it } from 'vitest';

import { bottleneckGates } from '../../src/_internal/kernels/bottleneck/contract';
import { uniformFrom } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, expectSameValues } from '../helpers/assert';
import { bothPaths, describeBackends, isGpuBackend } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';

const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 20, -20, 90, -90, 1e-40];

/** n values in [−spread, spread], a fifth of them special ones when `special` is given. */
function values(n: number, seed: number, spread: number, special?: readonly number[]): Float32Array {
  const uniform = uniformFrom(seed);
  return Float32Array.from({ length: n }, () => (special !== undefined && uniform() < 0.2 ? (special[Math.floor(uniform() * special.length)] as number) : spread * (2 * uniform() - 1)));
}

/** σ(x) in float64. */
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

const gateCase = fc.record({
  size: fc.integer({ min: 1, max: 300 }),
  spread: fc.constantFrom(1, 8, 40),
  minStd: fc.constantFrom(0.01, 0.3, 1e-6),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describeBackends('bottleneck gates kernel', (backend) => {
  const tolerance = TOLERANCE[backend].value;

  it('gives σ(α), σ(−α), σ(α)·σ(−α) and max(std, minStd) (float64 reference)', async () => {
    await fc.assert(
      fc.asyncProperty(gateCase, async ({ size, spread, minStd, seed }) => {
        const [alphaValues, stdValues] = [values(size, seed, spread), values(size, seed + 1, 1).map(Math.abs)];
        const [alpha, std] = [tf.tensor1d(alphaValues), tf.tensor1d(stdValues)];
        const { open, closed, slope, sigma } = bottleneckGates(alpha, std, minStd);
        const reference = (f: (a: number, s: number) => number) => Array.from(alphaValues, (a, i) => f(a, stdValues[i] as number));
        expectClose(await open.data(), reference((a) => sigmoid(a)), tolerance);
        expectClose(await closed.data(), reference((a) => sigmoid(-a)), tolerance);
        // σ'(α) is at most 1/4: a relative bound on its own scale.
        expectClose(await slope.data(), reference((a) => sigmoid(a) * sigmoid(-a)), tolerance, 0.25);
        expectClose(await sigma.data(), reference((_, s) => Math.max(s, Math.fround(minStd))), tolerance);
        tf.dispose([alpha, std, open, closed, slope, sigma]);
      }),
      runs(40),
    );
  });

  // The bit-for-bit promise is the cpu loop's against tfjs-backend-cpu's ops (on wasm and
  // the GPU backends both runs are tfjs's ops, whose special values the GPU backends may
  // not keep: GLSL ES and WGSL leave NaN and −0 open).
  it.runIf(!isGpuBackend(backend))('gives the composite’s bits with fast paths on and off, special values included', async () => {
    await fc.assert(
      fc.asyncProperty(gateCase, async ({ size, spread, minStd, seed }) => {
        const alpha = tf.tensor1d(values(size, seed, spread, SPECIAL));
        const std = tf.tensor1d(values(size, seed + 1, 1, [NaN, 0, -0, Infinity, minStd]));
        const { fused, composite } = await bothPaths(() => {
          const { open, closed, slope, sigma } = bottleneckGates(alpha, std, minStd);
          return [open, closed, slope, sigma];
        });
        fused.forEach((values, k) => expectSameValues(values, composite[k] as Float32Array));
        tf.dispose([alpha, std]);
      }),
      runs(40),
    );
  });

  it('leaks nothing', async () => {
    const [alpha, std] = [tf.tensor1d([0.5, -3, 40]), tf.tensor1d([0.2, 0.001, 2])];
    await expectNoLeak(() => {
      const { open, closed, slope, sigma } = bottleneckGates(alpha, std, 0.01);
      tf.dispose([open, closed, slope, sigma]);
    });
    tf.dispose([alpha, std]);
  });
});
