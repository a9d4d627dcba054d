import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { efdmix, type EfdmixOptions } from '../../src';
import { drawEfdmixPlan } from '../../src/ops/efdmix';
import { featureCase, makeValues } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, maxAbs, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { efdmixGradientReference, efdmixReference } from '../reference/efdm';

const mixingOptions = fc.record({
  alpha: fc.constantFrom(0.1, 0.5, 2),
  mode: fc.constantFrom<'random' | 'crossdomain'>('random', 'crossdomain'),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

/** Feature cases with an even batch (crossdomain needs two equal halves). */
const evenBatchCase = (maxSize = 2048) =>
  featureCase({ maxSize }).filter((data) => (data.shape[0] as number) % 2 === 0);

describe('efdmix mixing plan', () => {
  it('draws the same plan for the same seed', () => {
    const options = { p: 1, alpha: 0.1, mode: 'random' as const, training: true };
    expect(drawEfdmixPlan(8, options, 42)).toEqual(drawEfdmixPlan(8, options, 42));
    expect(drawEfdmixPlan(8, options, 42)).not.toEqual(drawEfdmixPlan(8, options, 43));
  });

  it('pairs samples by a permutation, across the two halves in crossdomain mode', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), mixingOptions, (half, { alpha, mode, seed }) => {
        const batch = 2 * half;
        const plan = drawEfdmixPlan(batch, { p: 1, alpha, mode, training: true }, seed);
        if (plan === undefined) throw new Error('p = 1 must always mix');
        expect([...plan.partner].sort((a, b) => a - b)).toEqual(Array.from({ length: batch }, (_, i) => i));
        plan.partner.forEach((m, n) => expect(plan.inverse[m]).toBe(n));
        if (mode === 'crossdomain') plan.partner.forEach((m, n) => expect(m < half).toBe(n >= half));
        for (const lambda of plan.lambda) {
          expect(lambda).toBeGreaterThanOrEqual(0);
          expect(lambda).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('draws λ with the mean and variance of Beta(α, α) and mixes with probability p', () => {
    for (const alpha of [0.1, 1, 3]) {
      const draws = Array.from({ length: 4000 }, (_, seed) => drawEfdmixPlan(4, { p: 1, alpha, mode: 'random', training: true }, seed)?.lambda ?? []).flat();
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws.length - 1);
      // Beta(α, α): mean 1/2, variance 1/(4(2α + 1)); 16000 draws give a standard error
      // of the mean below 0.004, so 0.02 is five standard errors.
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
      expect(Math.abs(variance - 1 / (4 * (2 * alpha + 1)))).toBeLessThan(0.01);
      expect(draws.every(Number.isFinite)).toBe(true);
    }
    const mixed = Array.from({ length: 4000 }, (_, seed) => drawEfdmixPlan(2, { p: 0.3, alpha: 0.1, mode: 'random', training: true }, seed)).filter(Boolean).length;
    expect(Math.abs(mixed / 4000 - 0.3)).toBeLessThan(0.04);
    expect(drawEfdmixPlan(2, { p: 1, alpha: 0.1, mode: 'random', training: false }, 1)).toBeUndefined();
    expect(drawEfdmixPlan(2, { p: 0, alpha: 0.1, mode: 'random', training: true }, 1)).toBeUndefined();
  });
});

describeBackendsBothPaths('efdmix', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('rejects bad input with a featstats.efdmix message and leaks nothing', async () => {
    const [x, odd] = [tf.zeros([2, 4, 4, 3]), tf.zeros([3, 4, 4, 3])];
    await expectThrowsWithoutLeak(() => efdmix(odd, { mode: 'crossdomain' }), /^featstats\.efdmix: x must have an even batch for mode 'crossdomain' but got shape \[3,4,4,3\]$/);
    await expectThrowsWithoutLeak(() => efdmix(x, { p: 2 }), /^featstats\.efdmix: p must be a finite number >= 0 and <= 1 but got 2$/);
    await expectThrowsWithoutLeak(() => efdmix(x, { alpha: 0 }), /^featstats\.efdmix: alpha must be a finite number > 0 but got 0$/);
    await expectThrowsWithoutLeak(() => efdmix(x, { mode: 'domain' as 'random' }), /^featstats\.efdmix: mode must be 'random' or 'crossdomain' but got "domain"$/);
    await expectThrowsWithoutLeak(() => efdmix(x, { seed: 1.5 }), /^featstats\.efdmix: seed must be an integer >= -2147483648 and <= 4294967295 but got 1\.5$/);
    await expectThrowsWithoutLeak(() => efdmix(x, { lambda: 1 } as EfdmixOptions), /^featstats\.efdmix: options must only name .* but got 'lambda'$/);
    tf.dispose([x, odd]);
  });

  it('matches the float64 reference given the drawn λ and partners', async () => {
    await fc.assert(
      fc.asyncProperty(evenBatchCase(), mixingOptions, async (data, { alpha, mode, seed }) => {
        const plan = drawEfdmixPlan(data.shape[0] as number, { p: 1, alpha, mode, training: true }, seed);
        if (plan === undefined) throw new Error('p = 1 must always mix');
        const expected = efdmixReference(data.values, data.shape, { dataFormat: data.dataFormat, ...plan });
        const out = await readAndDispose(efdmix(tf.tensor(data.values, data.shape), { p: 1, alpha, mode, seed, dataFormat: data.dataFormat }));
        const scale = Float64Array.from(expected, (e, i) => Math.abs(e) + Math.abs(data.values[i] as number));
        expectClose(out, expected, tolerance.value, scale);
      }),
      runs(40),
    );
  });

  it('returns x unchanged when not training or when the draw does not mix', async () => {
    const x = tf.randomNormal([4, 3, 3, 2]);
    const values = Array.from(await x.data());
    for (const options of [{ training: false, p: 1 }, { p: 0 }]) {
      const out = efdmix(x, options);
      expect(Array.from(await readAndDispose(out))).toEqual(values);
      const gradient = tf.grad((input: tf.Tensor) => efdmix(input, options))(x, x);
      expect(Array.from(await readAndDispose(gradient))).toEqual(values);
    }
    x.dispose();
  });

  it('passes dy straight through and routes (1 − λ)·dy into each partner', async () => {
    await fc.assert(
      fc.asyncProperty(evenBatchCase(512), mixingOptions, async (data, { alpha, mode, seed }) => {
        const plan = drawEfdmixPlan(data.shape[0] as number, { p: 1, alpha, mode, training: true }, seed);
        if (plan === undefined) throw new Error('p = 1 must always mix');
        const dy = makeValues(data.shape, 'NHWC', 'spread', 1, seed);
        const expected = efdmixGradientReference(data.values, data.shape, dy, { dataFormat: data.dataFormat, ...plan });
        const [x, dyTensor] = [tf.tensor(data.values, data.shape), tf.tensor(dy, data.shape)];
        await expectNoLeak(async () => {
          const gradient = tf.grad((input: tf.Tensor) => efdmix(input, { p: 1, alpha, mode, seed, dataFormat: data.dataFormat }))(x, dyTensor);
          expect(gradient.shape).toEqual(data.shape);
          expectClose(await readAndDispose(gradient), expected, tolerance.gradient, maxAbs(expected));
        });
        tf.dispose([x, dyTensor]);
      }),
      runs(30),
    );
  });

  it('draws afresh on each call without a seed', async () => {
    const x = tf.randomNormal([8, 4, 4, 3]);
    const [a, b] = [efdmix(x, { p: 1 }), efdmix(x, { p: 1 })];
    expect(Array.from(await readAndDispose(a))).not.toEqual(Array.from(await readAndDispose(b)));
    x.dispose();
  });

  it('leaks no tensor through forward and backward', async () => {
    const x = tf.randomNormal([4, 4, 4, 3]);
    await expectNoLeak(() => {
      const outputs = [efdmix(x, { p: 1, seed: 1 }), tf.grad((input: tf.Tensor) => efdmix(input, { p: 1, seed: 1, mode: 'crossdomain' }))(x)];
      tf.dispose(outputs);
    });
    x.dispose();
  });
});
