/**
 * The property suite every normalisation op shares (one definition, used by each norm's
 * test file): values against the float64 reference, zero mean and unit variance per
 * group, gradients of x, γ and β against finite differences, finite results for constant
 * groups, and no leaks. Each norm supplies its cases and its partition into groups.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { channelsLast, formatForRank } from '../reference/layout';

import { vjpByFiniteDifferences } from '../reference/finiteDifference';
import { rowMoments } from '../reference/meanStd';
import { normReference, type NormPlan } from '../reference/norms';
import { makeValues, type FeatureCase } from './arbitraries';
import { expectClose, expectNoLeak, maxAbs, readAndDispose } from './assert';
import type { BackendName } from './backends';
import { runs } from './properties';
import { TOLERANCE } from './tolerance';

export interface NormUnderTest<Case extends FeatureCase> {
  /** Cases: shapes, layouts, values (and e.g. group counts); `scales` restricts magnitudes. */
  cases: (constraints: { maxSize?: number; scales?: number[]; kinds?: FeatureCase['kind'][] }) => fc.Arbitrary<Case>;
  /** Runs the op with optional γ and β. */
  run: (x: tf.Tensor, gamma: tf.Tensor | undefined, beta: tf.Tensor | undefined, testCase: Case) => tf.Tensor;
  /** How the case's elements are grouped, and the γ/β index of each. */
  plan: (testCase: Case) => NormPlan;
  /** Shape of γ and β for the case. */
  affineShape: (testCase: Case) => number[];
  /** Whether the op takes a dataFormat (then NHWC and NCHW must agree). */
  layouts: boolean;
}

const EPSILON = 1e-5;

function affineValues(shape: number[], seed: number) {
  const gamma = makeValues(shape, 'NHWC', 'spread', 2, seed).map((v) => v + Math.sign(v || 1) * 0.5);
  const beta = makeValues(shape, 'NHWC', 'spread', 1, seed + 1);
  return { gamma, beta };
}

export function normProperties<Case extends FeatureCase>(backend: BackendName, norm: NormUnderTest<Case>): void {
  const tolerance = TOLERANCE[backend];

  it('matches the float64 reference, with and without affine parameters', async () => {
    await fc.assert(
      fc.asyncProperty(norm.cases({}), fc.boolean(), fc.integer({ min: 0, max: 1e6 }), async (testCase, withAffine, seed) => {
        const affineShape = norm.affineShape(testCase);
        const parameters = affineValues(affineShape, seed);
        const affine = withAffine ? parameters : {};
        const plan = norm.plan(testCase);
        const expected = normReference(testCase.values, plan, EPSILON, affine);
        const scale = normReference(testCase.values, plan, EPSILON, affine, undefined, true);
        const tensors = [tf.tensor(testCase.values, testCase.shape), ...(withAffine ? [tf.tensor(parameters.gamma, affineShape), tf.tensor(parameters.beta, affineShape)] : [])];
        const out = norm.run(tensors[0] as tf.Tensor, tensors[1], tensors[2], testCase);
        expect(out.shape).toEqual(testCase.shape);
        expectClose(await readAndDispose(out), expected, tolerance.value, scale);
        tf.dispose(tensors);
      }),
      runs(40),
    );
  });

  it('gives each group mean 0 and variance 1 without affine parameters', async () => {
    await fc.assert(
      fc.asyncProperty(norm.cases({ kinds: ['spread'], scales: [1, 1e4] }), async (testCase) => {
        const out = await readAndDispose(norm.run(tf.tensor(testCase.values, testCase.shape), undefined, undefined, testCase));
        const plan = norm.plan(testCase);
        const scale = normReference(testCase.values, plan, EPSILON, {}, undefined, true);
        for (const group of plan.groups) {
          if (group.length < 2) continue;
          const [mean, variance] = rowMoments(group.map((i) => out[i] as number), false);
          const [, inputVariance] = rowMoments(group.map((i) => testCase.values[i] as number), false);
          // Each output carries float32 error up to atol·scale (the mean's rounding
          // amplified by 1/σ); ε in the root makes the variance v/(v + ε), not 1.
          const bound = tolerance.value.atol * Math.max(...group.map((i) => scale[i] as number));
          expect(Math.abs(mean)).toBeLessThanOrEqual(bound);
          expect(Math.abs(variance - inputVariance / (inputVariance + EPSILON))).toBeLessThanOrEqual(4 * bound);
        }
      }),
      runs(25),
    );
  });

  it('has x, gamma and beta gradients equal to finite differences of the reference', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Scale 1 keeps the finite-difference step far below a constant group's √ε.
        norm.cases({ maxSize: 96, scales: [1], kinds: ['spread', 'constantChannels', 'ties'] }),
        fc.integer({ min: 0, max: 1e6 }),
        async (testCase, seed) => {
          const affineShape = norm.affineShape(testCase);
          const affine = affineValues(affineShape, seed);
          const plan = norm.plan(testCase);
          const dy = makeValues(testCase.shape, 'NHWC', 'spread', 1, seed + 2);
          const expected = {
            x: vjpByFiniteDifferences((x) => normReference(x, plan, EPSILON, affine), testCase.values, dy),
            gamma: vjpByFiniteDifferences((gamma) => normReference(testCase.values, plan, EPSILON, { ...affine, gamma }), affine.gamma, dy),
            beta: vjpByFiniteDifferences((beta) => normReference(testCase.values, plan, EPSILON, { ...affine, beta }), affine.beta, dy),
          };
          // dx subtracts terms of size r·|g| with r = (σ² + ε)^(−1/2): rounding is relative to those.
          const inverseStd = Math.max(...plan.groups.map((group) => 1 / Math.sqrt(rowMoments(group.map((i) => testCase.values[i] as number), false)[1] + EPSILON)));
          const xScale = maxAbs(expected.x) + inverseStd * maxAbs(dy) * maxAbs(affine.gamma);
          // dγ and dβ are sums whose terms may cancel: rounding is relative to Σ|dy·x̂| and Σ|dy|.
          const normalized = normReference(testCase.values, plan, EPSILON);
          const gammaScale = dy.reduce((a, g, i) => a + Math.abs(g * (normalized[i] as number)), 0);
          const betaScale = dy.reduce((a, g) => a + Math.abs(g), 0);
          const inputs = [tf.tensor(testCase.values, testCase.shape), tf.tensor(affine.gamma, affineShape), tf.tensor(affine.beta, affineShape)];
          const dyTensor = tf.tensor(dy, testCase.shape);
          await expectNoLeak(async () => {
            const grads = tf.grads((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => norm.run(x, gamma, beta, testCase))(inputs, dyTensor);
            expect(grads.map((g) => g.shape)).toEqual([testCase.shape, affineShape, affineShape]);
            expectClose(await readAndDispose(grads[0] as tf.Tensor), expected.x, tolerance.gradient, xScale);
            expectClose(await readAndDispose(grads[1] as tf.Tensor), expected.gamma, tolerance.gradient, gammaScale);
            expectClose(await readAndDispose(grads[2] as tf.Tensor), expected.beta, tolerance.gradient, betaScale);
          });
          // The backward may write dx into the engine's private copy of the saved x (wasm),
          // never into x itself.
          expect(Array.from(await (inputs[0] as tf.Tensor).data())).toEqual(Array.from(Float32Array.from(testCase.values)));
          tf.dispose([...inputs, dyTensor]);
        },
      ),
      runs(30),
    );
  });

  it('gives finite outputs and gradients for constant groups', async () => {
    await fc.assert(
      fc.asyncProperty(norm.cases({ maxSize: 512 }), async (testCase) => {
        const constant = new Float32Array(testCase.values.length).fill(testCase.values[0] ?? 3);
        const x = tf.tensor(constant, testCase.shape);
        const out = norm.run(x, undefined, undefined, testCase);
        const gradient = tf.grad((input: tf.Tensor) => norm.run(input, undefined, undefined, testCase))(x);
        expect(Array.from(await readAndDispose(out)).every((v) => v === 0)).toBe(true);
        expect(Array.from(await readAndDispose(gradient)).every(Number.isFinite)).toBe(true);
        x.dispose();
      }),
      runs(15),
    );
  });

  if (norm.layouts) {
    it('gives the same result in NHWC and NCHW after transposition', async () => {
      await fc.assert(
        fc.asyncProperty(norm.cases({}).filter((c) => channelsLast(c.dataFormat)), async (testCase) => {
          const rank = testCase.shape.length;
          const toChannelsFirst = [0, rank - 1, ...testCase.shape.slice(1, -1).map((_, i) => i + 1)];
          const toChannelsLast = [0, ...testCase.shape.slice(2).map((_, i) => i + 2), 1];
          const x = tf.tensor(testCase.values, testCase.shape);
          const channelsFirst = tf.transpose(x, toChannelsFirst);
          const nhwc = norm.run(x, undefined, undefined, testCase);
          const nchw = norm.run(channelsFirst, undefined, undefined, { ...testCase, shape: channelsFirst.shape, dataFormat: formatForRank('NCHW', rank) });
          const back = tf.transpose(nchw, toChannelsLast);
          const scale = normReference(testCase.values, norm.plan(testCase), EPSILON, {}, undefined, true);
          expectClose(await readAndDispose(back), await readAndDispose(nhwc), tolerance.value, scale);
          tf.dispose([x, channelsFirst, nchw]);
        }),
        runs(15),
      );
    });
  }

  it('leaks no tensor through forward and backward', async () => {
    await fc.assert(
      fc.asyncProperty(norm.cases({ maxSize: 256 }), async (testCase) => {
        const affineShape = norm.affineShape(testCase);
        const inputs = [tf.tensor(testCase.values, testCase.shape), tf.ones(affineShape), tf.zeros(affineShape)];
        await expectNoLeak(() => {
          const out = norm.run(inputs[0] as tf.Tensor, inputs[1], inputs[2], testCase);
          const grads = tf.grads((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => norm.run(x, gamma, beta, testCase))(inputs);
          tf.dispose([out, ...grads]);
        });
        tf.dispose(inputs);
      }),
      runs(5),
    );
  });
}
