import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { contrastiveDistillation, infoNCE, ntXent } from '../../src';
import { expectClose, expectThrowsWithoutLeak, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { TOLERANCE } from '../helpers/tolerance';
import { contrastiveDistillationReference } from '../reference/losses/contrastiveDistillation';
import { draw, drawInputs, identicalRows, permutation, permuteRows } from './embeddings';
import { expectFinite, lossProperties, type LossCase } from './lossProperties';

type Mode = 'ntxent' | 'clip' | 'mse';

interface DistillationCase extends LossCase {
  readonly mode: Mode;
  readonly detachTeacher: boolean;
}

const n = (c: LossCase) => c.inputs[0]?.shape[0] ?? 0;

function run([student, teacher]: tf.Tensor[], { mode, temperature, detachTeacher }: DistillationCase): tf.Tensor {
  const options = mode === 'mse' ? { mode, detachTeacher } : { mode, temperature, detachTeacher };
  return contrastiveDistillation(student as tf.Tensor, teacher as tf.Tensor, options);
}

describeBackendsBothPaths('contrastiveDistillation', (backend) => {
  const tolerance = TOLERANCE[backend];

  lossProperties<DistillationCase>(backend, {
    // 'mse' compares raw embeddings; the other modes always normalise.
    cases: ({ normalize = [true, false], ...constraints }) =>
      fc
        .record({ base: draw(constraints), mode: fc.constantFrom<Mode>(...(normalize.includes(true) ? ['ntxent', 'clip'] as const : []), ...(normalize.includes(false) ? ['mse'] as const : [])), detachTeacher: fc.boolean() })
        .map(({ base, mode, detachTeacher }) => ({
          inputs: drawInputs(base, [base.n, base.n]),
          mode,
          detachTeacher,
          temperature: mode === 'mse' ? 1 : base.temperature,
          normalize: mode !== 'mse',
          reduction: 'mean' as const,
        })),
    run,
    reference: ([student, teacher], c) => Float64Array.of(contrastiveDistillationReference(student as ArrayLike<number>, teacher as ArrayLike<number>, n(c), c.mode, c.temperature)),
    anchors: (c) => (c.mode === 'mse' ? { rows: 1, counted: c.inputs[0]?.values.length ?? 1 } : { rows: c.mode === 'ntxent' ? 2 * n(c) : n(c), counted: c.mode === 'ntxent' ? 2 * n(c) : n(c) }),
    positivesPerAnchor: () => 1,
    permute: (c, seed) => {
      const order = permutation(n(c), seed);
      return { ...c, inputs: c.inputs.map((x) => permuteRows(x, order)) };
    },
    differentiable: (c) => [true, !c.detachTeacher],
  });

  it('is ntXent and the symmetric infoNCE of student and teacher, τ = 0.1 by default', async () => {
    const [student, teacher] = [tf.randomNormal([6, 5]), tf.randomNormal([6, 5])];
    const [ntxent, ntXentDirect, clip, clipDirect] = await Promise.all(
      [
        contrastiveDistillation(student, teacher),
        ntXent(student, teacher, { temperature: 0.1 }),
        contrastiveDistillation(student, teacher, { mode: 'clip' }),
        infoNCE(student, teacher, { symmetric: true, temperature: 0.1 }),
      ].map(readAndDispose),
    );
    expect(ntxent).toEqual(ntXentDirect);
    expect(clip).toEqual(clipDirect);
    tf.dispose([student, teacher]);
  });

  it('gives the mean squared error of the raw embeddings in mse mode', async () => {
    const teacher = tf.tensor2d([[1, -2, 3], [0, 4, -1]]);
    const student = tf.add(teacher, 0.5);
    expect(Array.from(await readAndDispose(contrastiveDistillation(student, teacher, { mode: 'mse' })))).toEqual([0.25]);
    const gradient = await readAndDispose(tf.grad((s: tf.Tensor) => contrastiveDistillation(s, teacher, { mode: 'mse' }))(student));
    expectClose(gradient, new Array(6).fill((2 * 0.5) / 6), tolerance.gradient);
    tf.dispose([teacher, student]);
  });

  it('detaches the teacher by default: no gradient path to it, the same student gradient', async () => {
    const [student, teacher] = [tf.randomNormal([4, 3]), tf.randomNormal([4, 3])];
    for (const mode of ['ntxent', 'clip', 'mse'] as const) {
      expect(() => tf.grads((s: tf.Tensor, t: tf.Tensor) => contrastiveDistillation(s, t, { mode }))([student, teacher])).toThrow(/Cannot compute gradient/);
      const detached = tf.grad((s: tf.Tensor) => contrastiveDistillation(s, teacher, { mode }))(student);
      const [attached, toTeacher] = tf.grads((s: tf.Tensor, t: tf.Tensor) => contrastiveDistillation(s, t, { mode, detachTeacher: false }))([student, teacher]);
      expect(Array.from(await readAndDispose(detached))).toEqual(Array.from(await readAndDispose(attached as tf.Tensor)));
      expect(Array.from(await readAndDispose(toTeacher as tf.Tensor)).some((g) => g !== 0)).toBe(true);
    }
    tf.dispose([student, teacher]);
  });

  it('gives log(2N − 1) (ntxent) and log N (clip) for identical embeddings, and no NaN at a zero row', async () => {
    const same = identicalRows(8, 3, 2);
    const [student, teacher] = [tf.tensor2d(same.values.slice(0, 12), [4, 3]), tf.tensor2d(same.values.slice(12), [4, 3])];
    expectClose(await readAndDispose(contrastiveDistillation(student, teacher)), [Math.log(7)], tolerance.value, 10);
    expectClose(await readAndDispose(contrastiveDistillation(student, teacher, { mode: 'clip' })), [Math.log(4)], tolerance.value, 10);
    const zero = tf.tensor2d([[0, 0, 0], [1, 2, 3]]);
    const other = tf.tensor2d([[1, 1, 1], [0, 0, 0]]);
    for (const mode of ['ntxent', 'clip', 'mse'] as const) {
      const grads = tf.grads((s: tf.Tensor, t: tf.Tensor) => contrastiveDistillation(s, t, { mode, detachTeacher: false }))([zero, other]);
      await expectFinite(grads);
    }
    tf.dispose([student, teacher, zero, other]);
  });

  it('rejects bad input with a featstats.contrastiveDistillation message and leaks nothing', async () => {
    const [s, rows, rank] = [tf.ones([4, 3]), tf.ones([5, 3]), tf.ones([4, 3, 2])];
    const message = (text: string) => new RegExp(`^featstats\\.contrastiveDistillation: ${text}$`);
    const cases: [() => unknown, RegExp][] = [
      [() => contrastiveDistillation(s, rows), message('teacher must have the shape of student \\[4,3\\] but got \\[5,3\\]')],
      [() => contrastiveDistillation(rank, s), message('student must have rank 2 \\(\\[N, D\\]\\) but got rank 3 \\(shape \\[4,3,2\\]\\)')],
      [() => contrastiveDistillation(s, s, { mode: 'cosine' as 'clip' }), message(`mode must be 'ntxent', 'clip' or 'mse' but got "cosine"`)],
      [() => contrastiveDistillation(s, s, { mode: 'mse', temperature: 0.1 } as { mode: 'mse' }), message("options must only name mode, detachTeacher but got 'temperature'")],
      [() => contrastiveDistillation(s, s, { temperature: 0 }), message('temperature must be a finite number > 0 but got 0')],
      [() => contrastiveDistillation(s, s, { detachTeacher: 'yes' as unknown as boolean }), message('detachTeacher must be a boolean but got "yes"')],
    ];
    for (const [body, pattern] of cases) await expectThrowsWithoutLeak(body, pattern);
    tf.dispose([s, rows, rank]);
  });
});
