import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';

import { ntXent } from '../../src';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { TOLERANCE } from '../helpers/tolerance';
import { ntXentReference } from '../reference/losses/ntXent';
import { draw, drawInputs, identicalRows, oneHotRows, permutation, permuteRows } from './embeddings';
import { expectFinite, expectNearZero, lossProperties, type LossCase } from './lossProperties';

const n = (c: LossCase) => c.inputs[0]?.shape[0] ?? 0;

describeBackendsBothPaths('ntXent', (backend) => {
  const tolerance = TOLERANCE[backend];

  lossProperties<LossCase>(backend, {
    cases: (constraints) =>
      draw(constraints).map((base) => ({ inputs: drawInputs(base, [base.n, base.n]), temperature: base.temperature, normalize: base.normalize, reduction: base.reduction })),
    run: ([a, b], { temperature, normalize, reduction }) => ntXent(a as tf.Tensor, b as tf.Tensor, { temperature, normalize, reduction }),
    reference: ([a, b], c) => ntXentReference(a as ArrayLike<number>, b as ArrayLike<number>, n(c), c),
    anchors: (c) => ({ rows: 2 * n(c), counted: 2 * n(c) }),
    positivesPerAnchor: () => 1,
    // Both views move together; swapping the views is a permutation of the 2N anchors too.
    permute: (c, seed) => {
      const order = permutation(n(c), seed);
      const views = c.inputs.map((x) => permuteRows(x, order));
      return { ...c, inputs: seed % 2 === 0 ? views : views.reverse() };
    },
  });

  it('returns a scalar, or [2N] per anchor with reduction none', async () => {
    const [a, b] = [tf.randomNormal([5, 3]), tf.randomNormal([5, 3])];
    await expectNoLeak(() => {
      const outs = [ntXent(a, b), ntXent(a, b, { reduction: 'none' }), ntXent([[1, 0]], [[0, 1]], { reduction: 'sum' })];
      expect(outs.map((o) => o.shape)).toEqual([[], [10], []]);
      tf.dispose(outs);
    });
    tf.dispose([a, b]);
  });

  it('gives log(2N − 1) for identical embeddings, with finite gradients', async () => {
    const same = identicalRows(8, 5, 3);
    const [a, b] = [tf.tensor2d(same.values.slice(0, 20), [4, 5]), tf.tensor2d(same.values.slice(20), [4, 5])];
    expectClose(await readAndDispose(ntXent(a, b)), [Math.log(7)], tolerance.value, 1 / 0.1);
    await expectFinite(tf.grads((x: tf.Tensor, y: tf.Tensor) => ntXent(x, y))([a, b]));
    tf.dispose([a, b]);
  });

  it('is near 0 for aligned one-hot views at a small temperature', async () => {
    const aligned = oneHotRows([0, 1, 2], 4);
    const x = tf.tensor2d(aligned.values, aligned.shape);
    await expectNearZero(ntXent(x, x, { temperature: 0.01 }), 1e-6);
    x.dispose();
  });

  it('gives no NaN for a zero embedding', async () => {
    const [a, b] = [tf.tensor2d([[0, 0], [1, 2]]), tf.tensor2d([[0, 0], [2, 1]])];
    const loss = await readAndDispose(ntXent(a, b));
    expect(Number.isFinite(loss[0])).toBe(true);
    await expectFinite(tf.grads((x: tf.Tensor, y: tf.Tensor) => ntXent(x, y))([a, b]));
    tf.dispose([a, b]);
  });

  it('rejects bad input with a featstats.ntXent message and leaks nothing', async () => {
    const [a, rows, columns, vector] = [tf.ones([4, 3]), tf.ones([3, 3]), tf.ones([4, 2]), tf.ones([4])];
    await expectThrowsWithoutLeak(() => ntXent(a, rows), /^featstats\.ntXent: b must have the shape of a \[4,3\] but got \[3,3\]$/);
    await expectThrowsWithoutLeak(() => ntXent(a, columns), /^featstats\.ntXent: b must have the shape of a \[4,3\] but got \[4,2\]$/);
    await expectThrowsWithoutLeak(() => ntXent(vector, vector), /^featstats\.ntXent: a must have rank 2 \(\[N, D\]\) but got rank 1 \(shape \[4\]\)$/);
    await expectThrowsWithoutLeak(() => ntXent(a, a, { temperature: 0 }), /^featstats\.ntXent: temperature must be a finite number > 0 but got 0$/);
    await expectThrowsWithoutLeak(() => ntXent(a, a, { normalize: 1 as unknown as boolean }), /^featstats\.ntXent: normalize must be a boolean but got 1$/);
    tf.dispose([a, rows, columns, vector]);
  });
});
