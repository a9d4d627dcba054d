import * as tf from '@tensorflow/tfjs-core';

import { contrastiveLoss } from '../_internal/contrastive';
import { checkSameShape, embeddingsTensor, resolveContrastiveOptions } from '../_internal/contrastiveInputs';
import { infoNCETerms, ntXentTerms } from '../_internal/contrastivePlans';
import { customGrad, detach } from '../_internal/customGrad';
import { checkBoolean, checkChoice, checkOptions, type TensorInput } from '../_internal/validate';

const OP = 'contrastiveDistillation';

/**
 * Options of {@link contrastiveDistillation}. `mode` picks the loss: `'ntxent'` (default)
 * or `'clip'` with a temperature, or `'mse'`, which has none.
 */
export type ContrastiveDistillationOptions =
  | {
      /** NT-Xent over the 2N rows (default) or the symmetric InfoNCE of student and teacher rows. */
      mode?: 'ntxent' | 'clip';
      /** τ > 0 dividing the cosine similarities. Default 0.1 (the paper's). */
      temperature?: number;
      /** Cut the teacher from the gradient tape (default true). */
      detachTeacher?: boolean;
    }
  | {
      /** Mean squared error of the raw (unnormalised) embeddings. */
      mode: 'mse';
      /** Cut the teacher from the gradient tape (default true). */
      detachTeacher?: boolean;
    };

/**
 * Teacher–student distillation of a frozen encoder: a student encoder sees corrupted
 * inputs and learns to map them where the teacher maps the clean ones. Row i of both
 * tensors comes from the same image. Modes:
 *
 * - `'ntxent'`: {@link ntXent}(student, teacher) — NT-Xent over the 2N L2-normalised rows,
 *   each row's positive its counterpart, mean over the 2N anchors, τ = 0.1 by default;
 * - `'clip'`: {@link infoNCE}(student, teacher, { symmetric: true }) — the mean of the
 *   student→teacher and teacher→student cross-entropies over the N×N cosine logits;
 * - `'mse'`: `(1/(N·D))·Σ (student − teacher)²` on the raw embeddings.
 *
 * Gradients are closed form (those of ntXent and infoNCE; 2(s − t)/(N·D) for mse). By
 * default the teacher is detached: it is cut from the tape, so no gradient reaches it or
 * the network that produced it (asking `tf.grads` for it then fails, as for any input the
 * result does not depend on). With `detachTeacher: false` both sides get their gradient.
 * Double backpropagation is not supported.
 *
 * @param student Student embeddings `[N, D]` (of the corrupted inputs), float32 or int32.
 * @param teacher Teacher embeddings `[N, D]` (of the clean inputs), float32 or int32.
 * @param options See {@link ContrastiveDistillationOptions}.
 * @returns A scalar.
 * @throws If student or teacher is not a float32 or int32 tensor of rank 2 with N, D ≥ 1.
 * @throws If teacher's shape differs from student's.
 * @throws If mode is not 'ntxent', 'clip' or 'mse', temperature is not > 0 (or is given with 'mse'), or an option is unknown.
 *
 * @example
 * ```ts
 * const teacher = tf.randomNormal([8, 32]);                      // frozen encoder, clean images
 * const student = tf.add(teacher, tf.randomNormal([8, 32], 0, 0.5)); // encoder of corrupted ones
 * const loss = contrastiveDistillation(student, teacher); // NT-Xent, τ = 0.1
 * const mse = contrastiveDistillation(student, teacher, { mode: 'mse' }); // ≈ 0.25
 * ```
 * @see S. Ravula, G. Smyrnis, M. Jordan, A. G. Dimakis, "Inverse Problems Leveraging
 *   Pre-trained Contrastive Representations", NeurIPS 2021.
 */
export function contrastiveDistillation(student: TensorInput, teacher: TensorInput, options?: ContrastiveDistillationOptions): tf.Scalar {
  const all = checkOptions<{ mode?: string; temperature?: number; detachTeacher?: boolean }>(options, ['mode', 'temperature', 'detachTeacher'], OP);
  const mode = checkChoice(all.mode, 'mode', OP, ['ntxent', 'clip', 'mse'], 'ntxent');
  // 'mse' has no temperature: naming one is a mistake, not a no-op.
  const given = mode === 'mse' ? checkOptions(all, ['mode', 'detachTeacher'], OP) : all;
  const { temperature } = resolveContrastiveOptions(given, { temperature: 0.1, reduction: 'mean' }, OP);
  const detachTeacher = checkBoolean(given.detachTeacher ?? true, 'detachTeacher', OP);
  return tf.tidy(`featstats.${OP}`, () => {
    const s = embeddingsTensor(student, 'student', OP);
    const t = embeddingsTensor(teacher, 'teacher', OP);
    checkSameShape(t, 'teacher', s, 'student', OP);
    const target = (detachTeacher ? detach(t) : t) as tf.Tensor2D;
    const n = s.shape[0];
    if (mode === 'mse') return meanSquaredError(s, target);
    const terms = mode === 'ntxent' ? ntXentTerms(n) : infoNCETerms(n, 0, true);
    const counted = mode === 'ntxent' ? 2 * n : n;
    return contrastiveLoss([s, target], { temperature, normalize: true, reduction: 'mean', terms, counted }) as tf.Scalar;
  });
}

/** mean((s − t)²): d/ds = 2(s − t)/size, d/dt = −d/ds. */
function meanSquaredError(s: tf.Tensor2D, t: tf.Tensor2D): tf.Scalar {
  const mse = customGrad<[tf.Tensor, tf.Tensor]>(([student, teacher], save) => {
    save([student, teacher]);
    return {
      value: tf.mean(tf.square(tf.sub(student, teacher))),
      gradFunc: (dy, [savedStudent, savedTeacher]) => {
        const dStudent = tf.mul(tf.sub(savedStudent as tf.Tensor, savedTeacher as tf.Tensor), tf.mul(dy, 2 / s.size));
        return [dStudent, tf.neg(dStudent)];
      },
    };
  });
  return mse(s, t) as tf.Scalar;
}
