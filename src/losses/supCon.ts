import * as tf from '@tensorflow/tfjs-core';

import { contrastiveLoss, type Reduction } from '../_internal/contrastive';
import { embeddingsTensor, readIds, resolveContrastiveOptions, type IdsInput } from '../_internal/contrastiveInputs';
import { supConTerms } from '../_internal/contrastivePlans';
import { opError } from '../_internal/errors';
import { checkOptions, type TensorInput } from '../_internal/validate';

const OP = 'supCon';

/** Options of {@link supCon}. */
export interface SupConOptions {
  /** τ > 0 dividing the cosine similarities. Default 0.07 (as the paper's code). */
  temperature?: number;
  /** L2-normalise every row first, safely at zero rows. Default true. */
  normalize?: boolean;
  /**
   * `'mean'` over the anchors that have a positive (default), `'sum'`, or `'none'` for the
   * per-anchor losses `[N]` (0 for an anchor without a positive).
   */
  reduction?: Reduction;
}

/**
 * Supervised contrastive loss, the "L_out" form: every other sample with the anchor's
 * label is a positive. With ẑ the L2-normalised rows (x·rsqrt(max(Σx², ε²)), ε = 1e-12),
 * P(i) = {p ≠ i : label_p = label_i} and A(i) = {a ≠ i},
 *
 * `ℓᵢ = −(1/|P(i)|)·Σ_{p∈P(i)} log( exp(ẑᵢ·ẑ_p/τ) / Σ_{a∈A(i)} exp(ẑᵢ·ẑ_a/τ) )`,
 *
 * the log-sum-exp computed with its maximum subtracted. Anchors with no positive (a label
 * seen once in the batch) have no loss and are left out of the mean. For several views
 * per sample, stack them as rows with repeated labels (the reference code's
 * `contrast_mode='all'`). The reference code's extra factor τ/τ_base (1 at its defaults)
 * is not applied.
 *
 * The gradient is closed form: ∂ℓᵢ/∂(ẑᵢ·ẑ_a/τ) = softmax over A(i) minus 1/|P(i)| on the
 * positives, chained through the Gram matrix and the normalisation. Double
 * backpropagation is not supported.
 *
 * @param z Embeddings `[N, D]`, float32 or int32.
 * @param labels Class of each row: `number[]`, `Int32Array` or an int32 Tensor1D of length
 *   N (a tensor is read on the host with `dataSync`).
 * @param options See {@link SupConOptions}.
 * @returns A scalar, or `[N]` with reduction `'none'`.
 * @throws If z is not a float32 or int32 tensor of rank 2 with N, D ≥ 1.
 * @throws If labels are not integers, or their length is not N.
 * @throws If no anchor has a positive (every label is distinct).
 * @throws If temperature is not > 0, reduction is not 'mean', 'sum' or 'none', or an option is unknown.
 *
 * @example
 * ```ts
 * const z = tf.randomNormal([6, 16]);
 * const loss = supCon(z, [0, 0, 1, 1, 2, 2]); // scalar
 * supCon(z, [0, 0, 1, 1, 2, 3], { reduction: 'none' }).shape; // [6]
 * ```
 * @see P. Khosla, P. Teterwak, C. Wang, A. Sarna, Y. Tian, P. Isola, A. Maschinot, C. Liu,
 *   D. Krishnan, "Supervised Contrastive Learning", NeurIPS 2020.
 */
export function supCon(z: TensorInput, labels: IdsInput, options?: SupConOptions): tf.Tensor {
  const resolved = resolveContrastiveOptions(checkOptions(options, ['temperature', 'normalize', 'reduction'], OP), { temperature: 0.07, reduction: 'mean' }, OP);
  return tf.tidy(`featstats.${OP}`, () => {
    const embeddings = embeddingsTensor(z, 'z', OP);
    const plan = supConTerms(readIds(labels, 'labels', embeddings.shape[0], 'z', OP));
    if (plan.counted === 0) throw opError(OP, 'labels must give some row a positive (another row with its label) but got all distinct');
    return contrastiveLoss([embeddings], { ...resolved, ...plan });
  });
}
