/**
 * The property suite every contrastive loss shares (one definition, used by each loss's
 * test file): values against the float64 reference, gradients of every input against
 * finite differences, invariance to a consistent permutation of the batch and (when
 * normalising) to rescaling rows, finite results at logits of magnitude 1e4 and at zero
 * rows, and no leaks. Each loss supplies its cases, how to run it and its reference.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { makeValues } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, maxAbs, readAndDispose } from '../helpers/assert';
import type { BackendName } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { vjpByFiniteDifferences } from '../reference/finiteDifference';
import type { Reduction } from '../reference/losses/common';
import { logitBound, rowNorms, scaleRows, type DrawConstraints, type Embeddings } from './embeddings';

export interface LossCase {
  /** The embedding inputs, in the op's argument order. */
  readonly inputs: Embeddings[];
  readonly temperature: number;
  readonly normalize: boolean;
  readonly reduction: Reduction;
}

export interface LossUnderTest<Case extends LossCase> {
  cases: (constraints: DrawConstraints) => fc.Arbitrary<Case>;
  run: (inputs: tf.Tensor[], testCase: Case) => tf.Tensor;
  reference: (inputs: readonly ArrayLike<number>[], testCase: Case) => Float64Array;
  /** Anchors: R (the length of 'none') and those that have a positive ('mean' divides by them). */
  anchors: (testCase: Case) => { rows: number; counted: number };
  /** The largest number of positive terms of one anchor (its weight Σ_c W_rc). */
  positivesPerAnchor: (testCase: Case) => number;
  /** The case with its batch permuted consistently: the 'mean' loss must not change. */
  permute: (testCase: Case, seed: number) => Case;
  /** Which inputs receive a gradient (default: all). */
  differentiable?: (testCase: Case) => boolean[];
}

/**
 * First-order float32 error scale of the loss: each logit carries rounding relative to
 * Σ_d |x_d·y_d|/τ, and a loss term is a difference of a logit and a log-sum-exp of them,
 * counted once per positive and, for 'sum', once per anchor.
 */
function valueScale<Case extends LossCase>(loss: LossUnderTest<Case>, testCase: Case): number {
  const bound = logitBound(testCase.inputs, testCase.normalize, testCase.temperature) + 1;
  return bound * loss.positivesPerAnchor(testCase) * (testCase.reduction === 'sum' ? loss.anchors(testCase).rows : 1);
}

/** Asserts that the tensors hold only finite values (no NaN, no ±∞), and disposes them. */
export async function expectFinite(values: readonly tf.Tensor[]): Promise<void> {
  for (const t of values) expect(Array.from(await readAndDispose(t)).every(Number.isFinite)).toBe(true);
}

/** Asserts that a loss is in [0, bound), and disposes it. */
export async function expectNearZero(loss: tf.Tensor, bound: number): Promise<void> {
  const [value] = await readAndDispose(loss);
  expect(value).toBeGreaterThanOrEqual(0);
  expect(value).toBeLessThan(bound);
}

function tensors(inputs: readonly Embeddings[]): tf.Tensor[] {
  return inputs.map((x) => tf.tensor2d(x.values, x.shape));
}

/** Gradients of the loss with respect to the inputs that receive one, given dy. */
function gradients<Case extends LossCase>(loss: LossUnderTest<Case>, inputs: tf.Tensor[], testCase: Case, dy: tf.Tensor): tf.Tensor[] {
  const flags = loss.differentiable?.(testCase) ?? inputs.map(() => true);
  return tf.grads((...xs: tf.Tensor[]) => {
    let next = 0;
    return loss.run(inputs.map((x, i) => (flags[i] ? (xs[next++] as tf.Tensor) : x)), testCase);
  })(inputs.filter((_, i) => flags[i]), dy);
}

/** dy for the loss's output: a scalar, or `[R]` for reduction 'none'. */
function upstream(values: Float32Array, testCase: LossCase): tf.Tensor {
  return tf.tensor(values, testCase.reduction === 'none' ? [values.length] : []);
}

export function lossProperties<Case extends LossCase>(backend: BackendName, loss: LossUnderTest<Case>): void {
  const tolerance = TOLERANCE[backend];

  /** Loss of the case as float32 values (disposes everything it makes). */
  const evaluate = async (testCase: Case) => {
    const inputs = tensors(testCase.inputs);
    const values = await readAndDispose(loss.run(inputs, testCase));
    tf.dispose(inputs);
    return values;
  };

  it('matches the float64 reference (kinds, magnitudes, zero rows, temperatures, reductions)', async () => {
    await fc.assert(
      fc.asyncProperty(loss.cases({}), async (testCase) => {
        const expected = loss.reference(testCase.inputs.map((x) => x.values), testCase);
        const inputs = tensors(testCase.inputs);
        const out = loss.run(inputs, testCase);
        expect(out.shape).toEqual(testCase.reduction === 'none' ? [loss.anchors(testCase).rows] : []);
        expectClose(await readAndDispose(out), expected, tolerance.value, valueScale(loss, testCase));
        tf.dispose(inputs);
      }),
      runs(40),
    );
  });

  it('has gradients equal to finite differences of the reference for every input', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Unit-scale rows away from zero: the finite-difference step must stay far below
        // every row's norm (the normalisation's curvature scale).
        loss.cases({ kinds: ['spread'], scales: [1], zeroRows: false }).filter((c) => rowNorms(c.inputs).min > 0.1),
        fc.integer({ min: 0, max: 1e6 }),
        async (testCase, seed) => {
          const { rows, counted } = loss.anchors(testCase);
          const dy = testCase.reduction === 'none' ? makeValues([rows], 'NHWC', 'spread', 1, seed) : Float32Array.of(0.5 + (seed % 100) / 100);
          const flags = loss.differentiable?.(testCase) ?? testCase.inputs.map(() => true);
          const all = tensors(testCase.inputs);
          const dyTensor = upstream(dy, testCase);
          // The closed form sums terms |dℓ|·(w·p − W)/τ, Σ|w·p − W| ≤ 2w per anchor (w = Σ_c W_rc),
          // once as anchor and once as candidate, then divides by ‖x‖ (or multiplies by ‖k‖ without
          // normalisation): rounding is relative to that, not to a gradient cancelled to ~0.
          const norms = rowNorms(testCase.inputs);
          const rowGradient = maxAbs(dy) / (testCase.reduction === 'mean' ? counted : 1);
          const terms = (4 * rowGradient * loss.positivesPerAnchor(testCase) * (testCase.normalize ? 1 / norms.min : norms.max)) / testCase.temperature;
          await expectNoLeak(async () => {
            const grads = gradients(loss, all, testCase, dyTensor);
            let next = 0;
            for (const [i, input] of testCase.inputs.entries()) {
              if (!flags[i]) continue;
              const gradient = grads[next++] as tf.Tensor;
              expect(gradient.shape).toEqual(input.shape);
              const expected = vjpByFiniteDifferences(
                (v) => loss.reference(testCase.inputs.map((x, j) => (j === i ? v : x.values)), testCase),
                input.values,
                dy,
              );
              expectClose(await readAndDispose(gradient), expected, tolerance.gradient, maxAbs(expected) + terms);
            }
          });
          tf.dispose([...all, dyTensor]);
        },
      ),
      runs(30),
    );
  });

  it('gives the same mean loss for a consistently permuted batch', async () => {
    await fc.assert(
      fc.asyncProperty(loss.cases({ reductions: ['mean'] }), fc.integer({ min: 0, max: 1e6 }), async (testCase, seed) => {
        const [original, permuted] = [await evaluate(testCase), await evaluate(loss.permute(testCase, seed))];
        expectClose(permuted, original, tolerance.value, 2 * valueScale(loss, testCase));
      }),
      runs(25),
    );
  });

  it('gives the same normalised loss when rows are rescaled by positive factors', async () => {
    await fc.assert(
      fc.asyncProperty(loss.cases({ normalize: [true], scales: [1e-3, 1] }), fc.integer({ min: 0, max: 1e6 }), async (testCase, seed) => {
        const rescaled = { ...testCase, inputs: testCase.inputs.map((x, i) => scaleRows(x, seed + i)) };
        expectClose(await evaluate(rescaled), await evaluate(testCase), tolerance.value, 2 * valueScale(loss, testCase));
      }),
      runs(25),
    );
  });

  it('stays finite and accurate at logits of magnitude 1e4 and at zero rows', async () => {
    const large = fc.oneof(
      loss.cases({ normalize: [true], temperatures: [1e-4], kinds: ['spread', 'ties'], scales: [1] }),
      loss.cases({ normalize: [false], temperatures: [1], kinds: ['spread'], scales: [100] }),
    );
    await fc.assert(
      fc.asyncProperty(large, async (testCase) => {
        const inputs = tensors(testCase.inputs);
        const out = loss.run(inputs, testCase);
        const dy = upstream(new Float32Array(out.size).fill(1), testCase);
        const grads = gradients(loss, inputs, testCase, dy);
        const values = await readAndDispose(out);
        expectClose(values, loss.reference(testCase.inputs.map((x) => x.values), testCase), tolerance.value, valueScale(loss, testCase));
        await expectFinite(grads);
        tf.dispose([...inputs, dy]);
      }),
      runs(15),
    );
  });

  it('leaks no tensor through forward and backward', async () => {
    await fc.assert(
      fc.asyncProperty(loss.cases({ maxRows: 4 }), async (testCase) => {
        const inputs = tensors(testCase.inputs);
        const dy = upstream(new Float32Array(loss.anchors(testCase).rows).fill(1).subarray(0, testCase.reduction === 'none' ? undefined : 1), testCase);
        await expectNoLeak(() => {
          const out = loss.run(inputs, testCase);
          tf.dispose([out, ...gradients(loss, inputs, testCase, dy)]);
        });
        tf.dispose([...inputs, dy]);
      }),
      runs(5),
    );
  });
}
