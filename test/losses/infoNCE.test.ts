import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { infoNCE } from '../../src';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { TOLERANCE } from '../helpers/tolerance';
import { infoNCEReference } from '../reference/losses/infoNCE';
import { draw, drawInputs, identicalRows, oneHotRows, permutation, permuteRows, type Embeddings } from './embeddings';
import { expectFinite, expectNearZero, lossProperties, type LossCase } from './lossProperties';

interface InfoNCECase extends LossCase {
  readonly symmetric: boolean;
}

const n = (c: LossCase) => c.inputs[0]?.shape[0] ?? 0;
const m = (c: LossCase) => c.inputs[2]?.shape[0] ?? 0;

function run(inputs: tf.Tensor[], c: InfoNCECase): tf.Tensor {
  const { temperature, symmetric, normalize, reduction } = c;
  const negatives = inputs[2];
  return infoNCE(inputs[0] as tf.Tensor, inputs[1] as tf.Tensor, { temperature, symmetric, normalize, reduction, ...(negatives === undefined ? {} : { negatives }) });
}

describeBackendsBothPaths('infoNCE', (backend) => {
  const tolerance = TOLERANCE[backend];

  lossProperties<InfoNCECase>(backend, {
    cases: (constraints) =>
      fc.record({ base: draw(constraints), symmetric: fc.boolean(), negatives: fc.integer({ min: 0, max: 4 }) }).map(({ base, symmetric, negatives }) => ({
        inputs: drawInputs(base, negatives === 0 ? [base.n, base.n] : [base.n, base.n, negatives]),
        temperature: base.temperature,
        normalize: base.normalize,
        reduction: base.reduction,
        symmetric,
      })),
    run,
    reference: ([a, p, negatives], c) => infoNCEReference(a as ArrayLike<number>, p as ArrayLike<number>, negatives, n(c), m(c), c),
    anchors: (c) => ({ rows: n(c), counted: n(c) }),
    positivesPerAnchor: () => 1,
    // Anchors and positives move together; the extra negatives in any order.
    permute: (c, seed) => {
      const order = permutation(n(c), seed);
      const [a, p, negatives] = c.inputs as [Embeddings, Embeddings, Embeddings?];
      const permuted = [permuteRows(a, order), permuteRows(p, order)];
      if (negatives !== undefined) permuted.push(permuteRows(negatives, permutation(m(c), seed + 1)));
      return { ...c, inputs: permuted };
    },
  });

  it('returns a scalar, or [N] per anchor with reduction none', async () => {
    const [a, p, negatives] = [tf.randomNormal([5, 3]), tf.randomNormal([5, 3]), tf.randomNormal([7, 3])];
    await expectNoLeak(() => {
      const outs = [infoNCE(a, p), infoNCE(a, p, { negatives, reduction: 'none' }), infoNCE([[1, 0]], [[0, 1]])];
      expect(outs.map((o) => o.shape)).toEqual([[], [5], []]);
      tf.dispose(outs);
    });
    tf.dispose([a, p, negatives]);
  });

  it('gives log(#candidates) for identical embeddings, in both directions', async () => {
    const same = identicalRows(9, 4, 7);
    const [a, p, negatives] = [tf.tensor2d(same.values.slice(0, 12), [3, 4]), tf.tensor2d(same.values.slice(12, 24), [3, 4]), tf.tensor2d(same.values.slice(24), [3, 4])];
    const plain = await readAndDispose(infoNCE(a, p, { negatives }));
    const symmetric = await readAndDispose(infoNCE(a, p, { negatives, symmetric: true }));
    // Logits are all 1/τ ≈ 14.3: rounding relative to that.
    expectClose(plain, [Math.log(6)], tolerance.value, 1 / 0.07);
    expectClose(symmetric, [(Math.log(6) + Math.log(3)) / 2], tolerance.value, 1 / 0.07);
    const gradients = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => infoNCE(x, y, { negatives: z, symmetric: true }))([a, p, negatives]);
    await expectFinite(gradients);
    tf.dispose([a, p, negatives]);
  });

  it('is near 0 for aligned one-hot embeddings at a small temperature', async () => {
    const aligned = oneHotRows([0, 1, 2, 3], 6);
    const x = tf.tensor2d(aligned.values, aligned.shape);
    await expectNearZero(infoNCE(x, x, { temperature: 0.01, symmetric: true }), 1e-6);
    x.dispose();
  });

  it('is the mean of both directions when symmetric (CLIP), unchanged by swapping the sides', async () => {
    const [a, p] = [tf.randomNormal([6, 5]), tf.randomNormal([6, 5])];
    const [forward, backward, symmetric, swapped] = await Promise.all(
      [infoNCE(a, p), infoNCE(p, a), infoNCE(a, p, { symmetric: true }), infoNCE(p, a, { symmetric: true })].map(readAndDispose),
    );
    const expected = ((forward?.[0] as number) + (backward?.[0] as number)) / 2;
    expectClose(symmetric as Float32Array, [expected], tolerance.value, 2 / 0.07);
    expectClose(swapped as Float32Array, [expected], tolerance.value, 2 / 0.07);
    tf.dispose([a, p]);
  });

  it('gives no NaN for a zero embedding', async () => {
    const [a, p] = [tf.tensor2d([[0, 0, 0], [1, 2, 3]]), tf.tensor2d([[0, 0, 0], [1, 0, 0]])];
    const loss = await readAndDispose(infoNCE(a, p));
    expect(Number.isFinite(loss[0])).toBe(true);
    await expectFinite(tf.grads((x: tf.Tensor, y: tf.Tensor) => infoNCE(x, y))([a, p]));
    tf.dispose([a, p]);
  });

  it('rejects bad input with a featstats.infoNCE message and leaks nothing', async () => {
    const [a, rows, columns, rank, ints, negatives] = [tf.ones([4, 3]), tf.ones([5, 3]), tf.ones([4, 2]), tf.ones([4, 3, 1]), tf.ones([4, 3], 'bool'), tf.ones([2, 5])];
    const cases: [() => unknown, RegExp][] = [
      [() => infoNCE(a, rows), /^featstats\.infoNCE: positives must have the shape of anchors \[4,3\] but got \[5,3\]$/],
      [() => infoNCE(a, columns), /^featstats\.infoNCE: positives must have the shape of anchors \[4,3\] but got \[4,2\]$/],
      [() => infoNCE(rank, rank), /^featstats\.infoNCE: anchors must have rank 2 \(\[N, D\]\) but got rank 3 \(shape \[4,3,1\]\)$/],
      [() => infoNCE(ints, a), /^featstats\.infoNCE: anchors must be a float32 or int32 tensor but got bool \(shape \[4,3\]\)$/],
      [() => infoNCE(a, a, { negatives }), /^featstats\.infoNCE: negatives must have 3 columns \(D of anchors\) but got shape \[2,5\]$/],
      [() => infoNCE(a, a, { temperature: 0 }), /^featstats\.infoNCE: temperature must be a finite number > 0 but got 0$/],
      [() => infoNCE(a, a, { temperature: -1 }), /^featstats\.infoNCE: temperature must be a finite number > 0 but got -1$/],
      [() => infoNCE(a, a, { reduction: 'avg' as 'mean' }), /^featstats\.infoNCE: reduction must be 'mean', 'sum' or 'none' but got "avg"$/],
      [() => infoNCE(a, a, { temprature: 1 } as object), /^featstats\.infoNCE: options must only name temperature, negatives, symmetric, normalize, reduction but got 'temprature'$/],
      [() => infoNCE([[]], [[]]), /^featstats\.infoNCE: anchors must not be empty but got shape \[1,0\]$/],
    ];
    for (const [body, pattern] of cases) await expectThrowsWithoutLeak(body, pattern);
    tf.dispose([a, rows, columns, rank, ints, negatives]);
  });
});
