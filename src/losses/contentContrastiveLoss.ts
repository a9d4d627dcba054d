import type * as tf from '@tensorflow/tfjs-core';

import { idContrastiveLoss, type IdContrastiveLossOptions } from '../_internal/idContrastive';
import type { TensorInput } from '../_internal/validate';

const OP = 'contentContrastiveLoss';

/** Options of {@link contentContrastiveLoss}: `styleIds` and `contentIds` are required. */
export type ContentContrastiveLossOptions = IdContrastiveLossOptions;

/**
 * The content contrastive loss of IEContraAST: {@link styleContrastiveLoss} with the roles
 * of style and content swapped. Anchor i's positives P(i) have its content and another
 * style, its negatives N(i) another content and another style (rows with its style and
 * another content, and exact duplicates, are left out); with ê the L2-normalised rows
 * (x·rsqrt(max(Σx², ε²)), ε = 1e-12) and s_ij = ⟨êᵢ, êⱼ⟩,
 *
 * `ℓᵢ = −Σ_{p∈P(i)} log( exp(s_ip/τ) / (exp(s_ip/τ) + Σ_{n∈N(i)} exp(s_in/τ)) )`, `loss = Σᵢ ℓᵢ`,
 *
 * as a stable softplus of the log-sum-exp over N(i) (maximum subtracted). In the paper's
 * batch ({@link ieContraAstIds}, τ = 0.2) every anchor has 1 positive and 9 negatives.
 *
 * The gradient is closed form (see {@link styleContrastiveLoss}), chained through the Gram
 * matrix and the normalisation. Double backpropagation is not supported.
 *
 * @param emb Embeddings of the stylised images `[N, D]`, float32 or int32.
 * @param options `styleIds` and `contentIds` (each `number[]`, `Int32Array` or an int32
 *   Tensor1D of length N; a tensor is read with `dataSync`) and the other
 *   {@link ContentContrastiveLossOptions}.
 * @returns A scalar, or `[N]` with reduction `'none'`.
 * @throws If emb is not a float32 or int32 tensor of rank 2 with N, D ≥ 1.
 * @throws If styleIds or contentIds is missing, not integers, or not of length N.
 * @throws If no row has a positive (same content, different style).
 * @throws If temperature is not > 0, reduction is not 'mean', 'sum' or 'none', or an option is unknown.
 *
 * @example
 * ```ts
 * const { styleIds, contentIds } = ieContraAstIds();
 * const emb = tf.randomNormal([12, 128]);
 * const loss = contentContrastiveLoss(emb, { styleIds, contentIds, temperature: 0.2 }); // scalar
 * ```
 * @see H. Chen, L. Zhao, Z. Wang, H. Zhang, Z. Zuo, A. Li, W. Xing, D. Lu, "Artistic Style Transfer
 *   with Internal-External Learning and Contrastive Learning", NeurIPS 2021.
 */
export function contentContrastiveLoss(emb: TensorInput, options: ContentContrastiveLossOptions): tf.Tensor {
  return idContrastiveLoss(emb, options, 'contentIds', OP);
}
