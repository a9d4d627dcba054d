/**
 * The property suite shared by styleContrastiveLoss and contentContrastiveLoss (one loss
 * with the roles of the id lists swapped): random id layouts and the paper's batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { ieContraAstIds } from '../../src';
import { makeValues } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, maxAbs, readAndDispose } from '../helpers/assert';
import type { BackendName } from '../helpers/backends';
import { TOLERANCE } from '../helpers/tolerance';
import { vjpByFiniteDifferences } from '../reference/finiteDifference';
import { ieContraAstBatchReference, idLossReference } from '../reference/losses/ieContraAst';
import { draw, drawInputs, identicalRows, oneHotRows, permutation, permuteRows, type DrawConstraints } from './embeddings';
import { expectFinite, expectNearZero, lossProperties, type LossCase } from './lossProperties';

export interface IdCase extends LossCase {
  readonly styleIds: number[];
  readonly contentIds: number[];
}

export type IdLoss = (
  emb: tf.Tensor | number[][],
  options: { styleIds: number[] | Int32Array | tf.Tensor1D; contentIds: number[] | Int32Array | tf.Tensor1D; temperature?: number; normalize?: boolean; reduction?: LossCase['reduction'] },
) => tf.Tensor;

/** Ids of the loss's positives ('styleIds' for the style loss) and the other list. */
function roles(c: IdCase, primary: 'styleIds' | 'contentIds'): [number[], number[]] {
  return primary === 'styleIds' ? [c.styleIds, c.contentIds] : [c.contentIds, c.styleIds];
}

/** Per anchor: its number of positives (same primary id, other secondary id). */
export function positiveCounts(primaryIds: readonly number[], secondaryIds: readonly number[]): number[] {
  return primaryIds.map((p, i) => primaryIds.filter((q, j) => q === p && secondaryIds[j] !== secondaryIds[i]).length);
}

function idCases(primary: 'styleIds' | 'contentIds', constraints: DrawConstraints): fc.Arbitrary<IdCase> {
  const random = fc.record({
    base: draw({ minRows: 2, maxRows: 8, ...constraints }),
    styles: fc.integer({ min: 1, max: 4 }),
    contents: fc.integer({ min: 1, max: 4 }),
    idSeed: fc.integer({ min: 0, max: 1e6 }),
  }).map(({ base, styles, contents, idSeed }) => ({
    base,
    styleIds: permutation(base.n, idSeed).map((i) => i % styles),
    contentIds: permutation(base.n, idSeed + 1).map((i) => i % contents),
  }));
  const paper = fc.record({ base: draw({ ...constraints, minRows: 12, maxRows: 12 }), half: fc.constantFrom(2, 3, 6) }).map(({ base, half }) => ({
    base: { ...base, n: 2 * half },
    ...ieContraAstIds(half),
  }));
  return fc
    .oneof(random, paper)
    .map(({ base, styleIds, contentIds }) => ({ inputs: drawInputs(base, [base.n]), styleIds, contentIds, temperature: base.temperature, normalize: base.normalize, reduction: base.reduction }))
    .filter((c) => positiveCounts(...roles(c, primary)).some((count) => count > 0));
}

export function idLossProperties(backend: BackendName, loss: IdLoss, primary: 'styleIds' | 'contentIds'): void {
  lossProperties<IdCase>(backend, {
    cases: (constraints) => idCases(primary, constraints),
    run: ([emb], { styleIds, contentIds, temperature, normalize, reduction }) => loss(emb as tf.Tensor, { styleIds, contentIds, temperature, normalize, reduction }),
    reference: ([emb], c) => idLossReference(emb as ArrayLike<number>, ...roles(c, primary), c),
    anchors: (c) => ({ rows: c.styleIds.length, counted: positiveCounts(...roles(c, primary)).filter((count) => count > 0).length }),
    positivesPerAnchor: (c) => Math.max(...positiveCounts(...roles(c, primary))),
    permute: (c, seed) => {
      const order = permutation(c.styleIds.length, seed);
      const pick = (ids: number[]) => order.map((i) => ids[i] as number);
      return { ...c, inputs: c.inputs.map((x) => permuteRows(x, order)), styleIds: pick(c.styleIds), contentIds: pick(c.contentIds) };
    },
  });
}

/**
 * The tests specific to the IEContraAST losses: the paper's 12-sample batch against the
 * hand-written reference, known values, zero rows, id forms and bad input.
 */
export function idLossTests(backend: BackendName, loss: IdLoss, op: string, primary: 'styleIds' | 'contentIds'): void {
  const tolerance = TOLERANCE[backend];
  const which = primary === 'styleIds' ? 'style' : 'content';
  const { styleIds, contentIds } = ieContraAstIds();

  it("matches the hand-written float64 reference on the paper's 12-sample batch (τ = 0.2, sum), value and gradient", async () => {
    for (const seed of [1, 2, 3]) {
      const values = makeValues([12 * 16], 'NHWC', 'spread', 1, seed);
      const emb = tf.tensor2d(values, [12, 16]);
      const expected = ieContraAstBatchReference(values, which);
      // 12 anchors, each a difference of logits of magnitude ≤ 1/τ = 5.
      expectClose(await readAndDispose(loss(emb, { styleIds, contentIds })), [expected], tolerance.value, 12 * 5);
      const expectedGradient = vjpByFiniteDifferences((v) => [ieContraAstBatchReference(v, which)], values, [1]);
      // Terms |w·p − W|/τ per anchor (Σ ≤ 2, as anchor and as candidate), divided by ‖x‖.
      const gradient = tf.grad((x: tf.Tensor) => loss(x, { styleIds, contentIds }))(emb);
      expect(gradient.shape).toEqual([12, 16]);
      const norms = Array.from({ length: 12 }, (_, i) => Math.hypot(...values.slice(16 * i, 16 * (i + 1))));
      expectClose(await readAndDispose(gradient), expectedGradient, tolerance.gradient, maxAbs(expectedGradient) + 4 / (0.2 * Math.min(...norms)));
      emb.dispose();
    }
  });

  it("gives every anchor 1 positive and 9 negatives in the paper's batch: log 10 each for identical embeddings", async () => {
    expect(primary === 'styleIds' ? positiveCounts(styleIds, contentIds) : positiveCounts(contentIds, styleIds)).toEqual(new Array(12).fill(1));
    const same = identicalRows(12, 8, 5);
    const emb = tf.tensor2d(same.values, same.shape);
    expectClose(await readAndDispose(loss(emb, { styleIds, contentIds })), [12 * Math.log(10)], tolerance.value, 12 * 5);
    expectClose(await readAndDispose(loss(emb, { styleIds, contentIds, reduction: 'mean' })), [Math.log(10)], tolerance.value, 5);
    await expectFinite([tf.grad((x: tf.Tensor) => loss(x, { styleIds, contentIds }))(emb)]);
    emb.dispose();
  });

  it(`is near 0 when embeddings are one-hot by ${which} at a small temperature`, async () => {
    const aligned = oneHotRows(primary === 'styleIds' ? styleIds : contentIds, 6);
    const emb = tf.tensor2d(aligned.values, aligned.shape);
    await expectNearZero(loss(emb, { styleIds, contentIds, temperature: 0.01 }), 1e-6);
    emb.dispose();
  });

  it('gives no NaN for a zero embedding, and 0 for a positive without negatives', async () => {
    const emb = tf.tensor2d([[0, 0, 0], [1, 2, 3], [3, 1, 2], [0, 1, 0]]);
    // 2×2 styles × contents: every anchor has 1 positive and 1 negative.
    const ids = { styleIds: [0, 0, 1, 1], contentIds: [0, 1, 0, 1] };
    await expectFinite([loss(emb, ids), tf.grad((x: tf.Tensor) => loss(x, ids))(emb)]);
    // One style (or content) id for all: positives exist, negatives do not; −log(e^s/e^s) = 0.
    const lonely = primary === 'styleIds' ? { styleIds: [0, 0, 0, 0], contentIds: [0, 1, 2, 3] } : { styleIds: [0, 1, 2, 3], contentIds: [0, 0, 0, 0] };
    expect(Array.from(await readAndDispose(loss(emb, { ...lonely, reduction: 'none' })))).toEqual([0, 0, 0, 0]);
    const lonelyGradient = await readAndDispose(tf.grad((x: tf.Tensor) => loss(x, lonely))(emb));
    expect(Array.from(lonelyGradient).every((g) => g === 0)).toBe(true);
    emb.dispose();
  });

  it('accepts ids as number[], Int32Array and int32 Tensor1D alike, and leaks nothing', async () => {
    const emb = tf.randomNormal([12, 4]);
    const tensors = { styleIds: tf.tensor1d(styleIds, 'int32'), contentIds: tf.tensor1d(contentIds, 'int32') };
    await expectNoLeak(() => tf.dispose([loss(emb, tensors), tf.grad((x: tf.Tensor) => loss(x, tensors))(emb)]));
    const values = await Promise.all(
      [loss(emb, { styleIds, contentIds }), loss(emb, { styleIds: Int32Array.from(styleIds), contentIds: Int32Array.from(contentIds) }), loss(emb, tensors)].map(readAndDispose),
    );
    expect(values.map((v) => Array.from(v))).toEqual([0, 0, 0].map(() => Array.from(values[0] as Float32Array)));
    tf.dispose([emb, tensors.styleIds, tensors.contentIds]);
  });

  it(`rejects bad input with a featstats.${op} message and leaks nothing`, async () => {
    const [emb, rank] = [tf.ones([4, 3]), tf.ones([4])];
    const ids = { styleIds: [0, 0, 1, 1], contentIds: [0, 1, 0, 1] };
    const message = (text: string) => new RegExp(`^featstats\\.${op}: ${text}$`);
    const positive = primary === 'styleIds' ? 'same style, different content' : 'same content, different style';
    const cases: [() => unknown, RegExp][] = [
      [() => loss(emb, { ...ids, styleIds: [0, 0, 1] }), message('styleIds must have length 4 \\(one per row of emb\\) but got length 3')],
      [() => loss(emb, { ...ids, contentIds: [0, 1, 0, 1, 2] }), message('contentIds must have length 4 \\(one per row of emb\\) but got length 5')],
      [() => loss(emb, { styleIds: ids.styleIds } as typeof ids), message('contentIds must be an int32 Tensor1D, number\\[\\] or Int32Array but got undefined')],
      [() => loss(emb, { styleIds: [0, 1, 2, 3], contentIds: [0, 1, 2, 3] }), message(`styleIds and contentIds must give some row a positive \\(${positive}\\) but got none`)],
      [() => loss(rank, ids), message('emb must have rank 2 \\(\\[N, D\\]\\) but got rank 1 \\(shape \\[4\\]\\)')],
      [() => loss(emb, { ...ids, temperature: 0 }), message('temperature must be a finite number > 0 but got 0')],
      [() => loss(emb, { ...ids, reduction: 'max' as 'sum' }), message(`reduction must be 'mean', 'sum' or 'none' but got "max"`)],
    ];
    for (const [body, pattern] of cases) await expectThrowsWithoutLeak(body, pattern);
    tf.dispose([emb, rank]);
  });
}
