/** Float64 reference of featstats.infoNCE (and the CLIP loss), anchor by anchor. */
import { crossEntropy, dot, reduce, rows, type Reduction } from './common';

export interface InfoNCEReferenceOptions {
  temperature: number;
  symmetric: boolean;
  normalize: boolean;
  reduction: Reduction;
}

/**
 * ℓᵢ = −log softmax([âᵢ·p̂ⱼ/τ]ⱼ ++ [âᵢ·n̂ₘ/τ]ₘ)ᵢ; symmetric: the mean of that and
 * −log softmax([p̂ᵢ·âⱼ/τ]ⱼ)ᵢ (extra negatives only in the anchor→positive direction).
 */
export function infoNCEReference(
  anchors: ArrayLike<number>,
  positives: ArrayLike<number>,
  negatives: ArrayLike<number> | undefined,
  n: number,
  m: number,
  options: InfoNCEReferenceOptions,
): Float64Array {
  const { temperature, normalize } = options;
  const a = rows(anchors, n, normalize);
  const p = rows(positives, n, normalize);
  const negs = negatives === undefined ? [] : rows(negatives, m, normalize);
  const perAnchor = a.map((anchor, i) => {
    const forward = crossEntropy([...p, ...negs].map((key) => dot(anchor, key) / temperature), i);
    if (!options.symmetric) return forward;
    const backward = crossEntropy(a.map((key) => dot(p[i] as number[], key) / temperature), i);
    return (forward + backward) / 2;
  });
  return reduce(perAnchor, options.reduction);
}
