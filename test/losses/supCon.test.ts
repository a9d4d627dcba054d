import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { supCon } from '../../src';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { TOLERANCE } from '../helpers/tolerance';
import { supConReference } from '../reference/losses/supCon';
import { draw, drawInputs, identicalRows, oneHotRows, permutation, permuteRows } from './embeddings';
import { expectFinite, expectNearZero, lossProperties, type LossCase } from './lossProperties';

interface SupConCase extends LossCase {
  readonly labels: number[];
}

/** Anchors that share their label with another row. */
const counted = (labels: readonly number[]) => labels.filter((l, i) => labels.some((other, j) => j !== i && other === l)).length;

describeBackendsBothPaths('supCon', (backend) => {
  const tolerance = TOLERANCE[backend];

  lossProperties<SupConCase>(backend, {
    cases: (constraints) =>
      fc
        .record({ base: draw({ minRows: 2, maxRows: 8, ...constraints }), classes: fc.integer({ min: 1, max: 4 }), labelSeed: fc.integer({ min: 0, max: 1e6 }) })
        .map(({ base, classes, labelSeed }) => {
          const labels = permutation(base.n, labelSeed).map((i) => i % classes);
          return { inputs: drawInputs(base, [base.n]), labels, temperature: base.temperature, normalize: base.normalize, reduction: base.reduction };
        })
        .filter((c) => counted(c.labels) > 0),
    run: ([z], { labels, temperature, normalize, reduction }) => supCon(z as tf.Tensor, labels, { temperature, normalize, reduction }),
    reference: ([z], c) => supConReference(z as ArrayLike<number>, c.labels, c),
    anchors: (c) => ({ rows: c.labels.length, counted: counted(c.labels) }),
    positivesPerAnchor: () => 1,
    permute: (c, seed) => {
      const order = permutation(c.labels.length, seed);
      return { ...c, inputs: c.inputs.map((x) => permuteRows(x, order)), labels: order.map((i) => c.labels[i] as number) };
    },
  });

  it('accepts labels as number[], Int32Array and an int32 Tensor1D alike', async () => {
    const z = tf.randomNormal([5, 4]);
    const labels = [3, 1, 3, 1, 7];
    const tensorLabels = tf.tensor1d(labels, 'int32');
    await expectNoLeak(() => tf.dispose([supCon(z, tensorLabels), tf.grad((x: tf.Tensor) => supCon(x, tensorLabels))(z)]));
    const [fromArray, fromTyped, fromTensor] = await Promise.all(
      [supCon(z, labels), supCon(z, Int32Array.from(labels)), supCon(z, tensorLabels)].map(readAndDispose),
    );
    expect(Array.from(fromTyped as Float32Array)).toEqual(Array.from(fromArray as Float32Array));
    expect(Array.from(fromTensor as Float32Array)).toEqual(Array.from(fromArray as Float32Array));
    tf.dispose([z, tensorLabels]);
  });

  it('leaves anchors without a positive out of the mean (0 with reduction none)', async () => {
    const z = tf.randomNormal([5, 4]);
    const perAnchor = await readAndDispose(supCon(z, [0, 1, 0, 1, 2], { reduction: 'none' }));
    const mean = await readAndDispose(supCon(z, [0, 1, 0, 1, 2]));
    expect(perAnchor[4]).toBe(0);
    expectClose(mean, [Array.from(perAnchor).reduce((a, b) => a + b, 0) / 4], tolerance.value, 2 / 0.07);
    z.dispose();
  });

  it('gives log(N − 1) for identical embeddings, with a finite gradient', async () => {
    const same = identicalRows(6, 3, 11);
    const z = tf.tensor2d(same.values, same.shape);
    expectClose(await readAndDispose(supCon(z, [0, 0, 1, 1, 1, 2])), [Math.log(5)], tolerance.value, 1 / 0.07);
    await expectFinite([tf.grad((x: tf.Tensor) => supCon(x, [0, 0, 1, 1, 1, 2]))(z)]);
    z.dispose();
  });

  it('is near 0 for one-hot embeddings of pairs of a class at a small temperature', async () => {
    const labels = [0, 1, 2, 0, 1, 2];
    const aligned = oneHotRows(labels, 3);
    const z = tf.tensor2d(aligned.values, aligned.shape);
    await expectNearZero(supCon(z, labels, { temperature: 0.01 }), 1e-6);
    z.dispose();
  });

  it('gives no NaN for a zero embedding', async () => {
    const z = tf.tensor2d([[0, 0], [1, 2], [2, 1]]);
    const loss = await readAndDispose(supCon(z, [0, 0, 0]));
    expect(Number.isFinite(loss[0])).toBe(true);
    await expectFinite([tf.grad((x: tf.Tensor) => supCon(x, [0, 0, 0]))(z)]);
    z.dispose();
  });

  it('rejects bad input with a featstats.supCon message and leaks nothing', async () => {
    const [z, rank, floatLabels, longLabels] = [tf.ones([4, 3]), tf.ones([2, 2, 2]), tf.tensor1d([0, 0, 1, 1]), tf.tensor1d([0, 0, 1, 1, 1], 'int32')];
    await expectThrowsWithoutLeak(() => supCon(z, [0, 0, 1]), /^featstats\.supCon: labels must have length 4 \(one per row of z\) but got length 3$/);
    await expectThrowsWithoutLeak(() => supCon(z, longLabels), /^featstats\.supCon: labels must have length 4 \(one per row of z\) but got length 5$/);
    await expectThrowsWithoutLeak(() => supCon(z, floatLabels as tf.Tensor1D), /^featstats\.supCon: labels must be an int32 Tensor1D, number\[\] or Int32Array but got a float32 tensor of shape \[4\]$/);
    await expectThrowsWithoutLeak(() => supCon(z, [0, 0.5, 1, 1]), /^featstats\.supCon: labels must hold integers but got 0\.5 at labels\[1\]$/);
    await expectThrowsWithoutLeak(() => supCon(z, [0, 1, 2, 3]), /^featstats\.supCon: labels must give some row a positive \(another row with its label\) but got all distinct$/);
    await expectThrowsWithoutLeak(() => supCon(rank, [0, 0]), /^featstats\.supCon: z must have rank 2 \(\[N, D\]\) but got rank 3 \(shape \[2,2,2\]\)$/);
    await expectThrowsWithoutLeak(() => supCon(z, [0, 0, 1, 1], { temperature: Number.NaN }), /^featstats\.supCon: temperature must be a finite number > 0 but got NaN$/);
    tf.dispose([z, rank, floatLabels, longLabels]);
  });
});
