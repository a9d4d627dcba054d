import type * as tf from '@tensorflow/tfjs-core';

import { idContrastiveLoss, type IdContrastiveLossOptions } from '../_internal/idContrastive';
import type { TensorInput } from '../_internal/validate';

const OP = 'styleContrastiveLoss';

/** Options of {@link styleContrastiveLoss}: `styleIds` and `contentIds` are required. */
export type StyleContrastiveLossOptions = IdContrastiveLossOptions;

/**
 * The style contrastive loss of IEContraAST: embeddings of stylised images made with the
 * same style should agree whatever their content. With ê the L2-normalised rows
 * (x·rsqrt(max(Σx², ε²)), ε = 1e-12) and s_ij = ⟨êᵢ, êⱼ⟩, anchor i's positives P(i) have
 * its style and another content, its negatives N(i) another style and another content
 * (rows with its content and another style, and exact duplicates, are left out), and each
 * positive has its own denominator:
 *
 * `ℓᵢ = −Σ_{p∈P(i)} log( exp(s_ip/τ) / (exp(s_ip/τ) + Σ_{n∈N(i)} exp(s_in/τ)) )`, `loss = Σᵢ ℓᵢ`,
 *
 * computed as softplus(lseᵢ − s_ip/τ), lseᵢ the log-sum-exp over N(i) with its maximum
 * subtracted. In the paper's batch ({@link ieContraAstIds}: 12 stylisations, τ = 0.2)
 * every anchor has 1 positive and 9 negatives. {@link contentContrastiveLoss} swaps the
 * roles of style and content.
 *
 * The gradient is closed form: with gᵢₚ = σ(lseᵢ − s_ip/τ), ∂ℓᵢ/∂(s_ip/τ) = −gᵢₚ and
 * ∂ℓᵢ/∂(s_in/τ) = (Σₚ gᵢₚ)·softmax over N(i), chained through the Gram matrix and the
 * normalisation. Double backpropagation is not supported.
 *
 * @param emb Embeddings of the stylised images `[N, D]`, float32 or int32.
 * @param options `styleIds` and `contentIds` (each `number[]`, `Int32Array` or an int32
 *   Tensor1D of length N; a tensor is read with `dataSync`) and the other
 *   {@link StyleContrastiveLossOptions}.
 * @returns A scalar, or `[N]` with reduction `'none'`.
 * @throws If emb is not a float32 or int32 tensor of rank 2 with N, D ≥ 1.
 * @throws If styleIds or contentIds is missing, not integers, or not of length N.
 * @throws If no row has a positive (same style, different content).
 * @throws If temperature is not > 0, reduction is not 'mean', 'sum' or 'none', or an option is unknown.
 *
 * @example
 * ```ts
 * const { styleIds, contentIds } = ieContraAstIds(); // 12 stylisations of 6 pairs
 * const emb = tf.randomNormal([12, 128]);
 * const loss = styleContrastiveLoss(emb, { styleIds, contentIds }); // sum over 12 anchors
 * styleContrastiveLoss(emb, { styleIds, contentIds, reduction: 'none' }).shape; // [12]
 * ```
 * @see H. Chen, L. Zhao, Z. Wang, H. Zhang, Z. Zuo, A. Li, W. Xing, D. Lu, "Artistic Style Transfer
 *   with Internal-External Learning and Contrastive Learning", NeurIPS 2021.
 */
export function styleContrastiveLoss(emb: TensorInput, options: StyleContrastiveLossOptions): tf.Tensor {
  return idContrastiveLoss(emb, options, 'styleIds', OP);
}
