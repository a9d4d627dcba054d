import * as tf from '@tensorflow/tfjs-core';

import { contrastiveLoss, type Reduction } from '../_internal/contrastive';
import { checkSameShape, checkSameWidth, embeddingsTensor, resolveContrastiveOptions } from '../_internal/contrastiveInputs';
import { infoNCETerms } from '../_internal/contrastivePlans';
import { checkBoolean, checkOptions, type TensorInput } from '../_internal/validate';

const OP = 'infoNCE';

/** Options of {@link infoNCE}. */
export interface InfoNCEOptions {
  /** τ > 0 dividing the similarities. Default 0.07 (CLIP's initial value, MoCo v1). */
  temperature?: number;
  /** Extra negatives `[M, D]` shared by every anchor (a memory bank, hard negatives). Default none. */
  negatives?: TensorInput;
  /** Average the anchor→positive and positive→anchor losses (the CLIP loss). Default false. */
  symmetric?: boolean;
  /** L2-normalise every row first (cosine similarities), safely at zero rows. Default true. */
  normalize?: boolean;
  /** `'mean'` over the N anchors (default), `'sum'`, or `'none'` for the per-anchor losses `[N]`. */
  reduction?: Reduction;
}

/**
 * InfoNCE: each anchor must pick out its own positive among the other positives (and any
 * extra negatives). With â, p̂, n̂ the rows L2-normalised (x·rsqrt(max(Σx², ε²)), ε = 1e-12)
 * and logits `S_ij = ⟨âᵢ, k̂ⱼ⟩/τ` over the keys k = [p; n],
 *
 * `ℓᵢ = −log softmax(Sᵢ)ᵢ = log Σⱼ exp(S_ij) − S_ii`,
 *
 * computed as a log-sum-exp with the row maximum subtracted. With `symmetric`, ℓᵢ is the
 * mean of that and the positive→anchor loss `log Σⱼ exp(⟨p̂ᵢ, âⱼ⟩/τ) − ⟨p̂ᵢ, âᵢ⟩/τ` (extra
 * negatives take part only in the anchor→positive direction).
 *
 * The gradient is closed form: ∂ℓᵢ/∂S_ij = softmax(Sᵢ)ⱼ − [j = i] (softmax minus target),
 * chained through the product and the normalisation; a zero row has a finite gradient.
 * Double backpropagation is not supported.
 *
 * @param anchors Anchors `[N, D]`, float32 or int32.
 * @param positives Positives `[N, D]`: row i is anchor i's positive and every other row a negative.
 * @param options See {@link InfoNCEOptions}.
 * @returns A scalar, or `[N]` with reduction `'none'`.
 * @throws If anchors or positives is not a float32 or int32 tensor of rank 2 with N, D ≥ 1.
 * @throws If positives' shape differs from anchors'.
 * @throws If negatives is not a float32 `[M, D]` tensor with the anchors' D.
 * @throws If temperature is not > 0, reduction is not 'mean', 'sum' or 'none', or an option is unknown.
 *
 * @example
 * ```ts
 * const images = tf.randomNormal([8, 32]);
 * const texts = tf.add(images, tf.randomNormal([8, 32], 0, 0.1));
 * const clip = infoNCE(images, texts, { symmetric: true }); // small: each row finds its pair
 * infoNCE(images, texts, { reduction: 'none' }).shape; // [8]
 * ```
 * @see A. van den Oord, Y. Li, O. Vinyals, "Representation Learning with Contrastive
 *   Predictive Coding", arXiv 2018; A. Radford et al., "Learning Transferable Visual
 *   Models From Natural Language Supervision" (CLIP), ICML 2021.
 */
export function infoNCE(anchors: TensorInput, positives: TensorInput, options?: InfoNCEOptions): tf.Tensor {
  const given = checkOptions(options, ['temperature', 'negatives', 'symmetric', 'normalize', 'reduction'], OP);
  const resolved = resolveContrastiveOptions(given, { temperature: 0.07, reduction: 'mean' }, OP);
  const symmetric = checkBoolean(given.symmetric ?? false, 'symmetric', OP);
  return tf.tidy(`featstats.${OP}`, () => {
    const a = embeddingsTensor(anchors, 'anchors', OP);
    const p = embeddingsTensor(positives, 'positives', OP);
    checkSameShape(p, 'positives', a, 'anchors', OP);
    const inputs = [a, p];
    if (given.negatives !== undefined) {
      const negatives = embeddingsTensor(given.negatives, 'negatives', OP);
      checkSameWidth(negatives, 'negatives', a, 'anchors', OP);
      inputs.push(negatives);
    }
    const n = a.shape[0];
    const m = inputs[2]?.shape[0] ?? 0;
    return contrastiveLoss(inputs, { ...resolved, terms: infoNCETerms(n, m, symmetric), counted: n });
  });
}
