import * as tf from '@tensorflow/tfjs-core';

import { contrastiveLoss, type Reduction } from '../_internal/contrastive';
import { checkSameShape, embeddingsTensor, resolveContrastiveOptions } from '../_internal/contrastiveInputs';
import { ntXentTerms } from '../_internal/contrastivePlans';
import { checkOptions, type TensorInput } from '../_internal/validate';

const OP = 'ntXent';

/** Options of {@link ntXent}. */
export interface NtXentOptions {
  /** τ > 0 dividing the cosine similarities. Default 0.1 (SimCLR's ImageNet setting; its CIFAR-10 setting is 0.5). */
  temperature?: number;
  /** L2-normalise every row first (cosine similarities), safely at zero rows. Default true. */
  normalize?: boolean;
  /** `'mean'` over the 2N anchors (default), `'sum'`, or `'none'` for `[2N]` (a's rows, then b's). */
  reduction?: Reduction;
}

/**
 * NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR. The 2N rows
 * z = [a; b] are L2-normalised (x·rsqrt(max(Σx², ε²)), ε = 1e-12); anchor k's positive is
 * the other view of its sample, k ± N, and its denominator every other row:
 *
 * `ℓ_k = −log( exp(s_{k,k±N}/τ) / Σ_{j≠k} exp(s_kj/τ) )`, `loss = (1/2N)·Σ_k ℓ_k`,
 *
 * with s_kj = ⟨ẑ_k, ẑ_j⟩ and the log-sum-exp computed with its maximum subtracted.
 *
 * The gradient is closed form (softmax over j ≠ k minus the one-hot positive, chained
 * through the Gram matrix and the normalisation); a zero row has a finite gradient.
 * Double backpropagation is not supported.
 *
 * @param a First view's embeddings `[N, D]`, float32 or int32.
 * @param b Second view's embeddings `[N, D]`: row i is the other view of a's row i.
 * @param options See {@link NtXentOptions}.
 * @returns A scalar, or `[2N]` with reduction `'none'`.
 * @throws If a or b is not a float32 or int32 tensor of rank 2 with N, D ≥ 1.
 * @throws If b's shape differs from a's.
 * @throws If temperature is not > 0, reduction is not 'mean', 'sum' or 'none', or an option is unknown.
 *
 * @example
 * ```ts
 * const view1 = tf.randomNormal([16, 64]);
 * const view2 = tf.add(view1, tf.randomNormal([16, 64], 0, 0.2));
 * const loss = ntXent(view1, view2); // scalar, well below log(31)
 * ntXent(view1, view2, { reduction: 'none' }).shape; // [32]
 * ```
 * @see T. Chen, S. Kornblith, M. Norouzi, G. Hinton, "A Simple Framework for Contrastive
 *   Learning of Visual Representations" (SimCLR), ICML 2020.
 */
export function ntXent(a: TensorInput, b: TensorInput, options?: NtXentOptions): tf.Tensor {
  const given = checkOptions(options, ['temperature', 'normalize', 'reduction'], OP);
  const resolved = resolveContrastiveOptions(given, { temperature: 0.1, reduction: 'mean' }, OP);
  return tf.tidy(`featstats.${OP}`, () => {
    const first = embeddingsTensor(a, 'a', OP);
    const second = embeddingsTensor(b, 'b', OP);
    checkSameShape(second, 'b', first, 'a', OP);
    const n = first.shape[0];
    return contrastiveLoss([first, second], { ...resolved, terms: ntXentTerms(n), counted: 2 * n });
  });
}
