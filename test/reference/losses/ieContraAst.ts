/**
 * Float64 references of featstats.styleContrastiveLoss / contentContrastiveLoss (Chen et
 * al., NeurIPS 2021): one from the definition over any ids, and one hand-written for the
 * paper's 12-sample batch that lists each anchor's positive and negatives by position.
 */
import { dot, logSumExp, reduce, rows, type Reduction } from './common';

export interface IdLossReferenceOptions {
  temperature: number;
  normalize: boolean;
  reduction: Reduction;
}

/** −log( e^{s_ip/τ} / (e^{s_ip/τ} + Σ_{n∈neg} e^{s_in/τ}) ) for one anchor and positive. */
function positiveTerm(e: number[][], i: number, p: number, negatives: readonly number[], temperature: number): number {
  const s = (j: number) => dot(e[i] as number[], e[j] as number[]) / temperature;
  return logSumExp([s(p), ...negatives.map(s)]) - s(p);
}

/**
 * Positives share `primary` and differ in `secondary`; negatives differ in both. The style
 * loss is (styleIds, contentIds), the content loss (contentIds, styleIds).
 */
export function idLossReference(
  x: ArrayLike<number>,
  primary: readonly number[],
  secondary: readonly number[],
  options: IdLossReferenceOptions,
): Float64Array {
  const n = primary.length;
  const e = rows(x, n, options.normalize);
  let counted = 0;
  const perAnchor = e.map((_, i) => {
    const others = Array.from({ length: n }, (__, j) => j).filter((j) => secondary[j] !== secondary[i]);
    const positives = others.filter((j) => primary[j] === primary[i]);
    const negatives = others.filter((j) => primary[j] !== primary[i]);
    if (positives.length > 0) counted++;
    return positives.reduce((total, p) => total + positiveTerm(e, i, p, negatives, options.temperature), 0);
  });
  return reduce(perAnchor, options.reduction, counted);
}

/**
 * The paper's batch, by hand: rows uᵢ = i hold (cᵢ, sᵢ) and rows dᵢ = 6 + i hold
 * (c₍ᵢ₊₁₎ mod 6, sᵢ), i = 0…5; τ = 0.2, sum over the 12 anchors.
 *
 * Style loss: uᵢ's positive is dᵢ (style sᵢ, content cᵢ₊₁); d₍ᵢ₋₁₎ (content cᵢ) is left
 * out; u_j (j ≠ i, 5 rows) and d_j (j ≠ i, i − 1, 4 rows) are the 9 negatives.
 * dᵢ's positive is uᵢ; u₍ᵢ₊₁₎ (content cᵢ₊₁) is left out; u_j (j ≠ i, i + 1) and d_j
 * (j ≠ i) are the negatives.
 *
 * Content loss: uᵢ's positive is d₍ᵢ₋₁₎ (content cᵢ, style sᵢ₋₁); dᵢ (style sᵢ) is left
 * out; negatives u_j (j ≠ i) and d_j (j ≠ i, i − 1). dᵢ's positive is u₍ᵢ₊₁₎; uᵢ (style sᵢ)
 * is left out; negatives u_j (j ≠ i, i + 1) and d_j (j ≠ i).
 */
export function ieContraAstBatchReference(x: ArrayLike<number>, loss: 'style' | 'content'): number {
  const e = rows(x, 12, true);
  const u = (i: number) => ((i % 6) + 6) % 6;
  const d = (i: number) => 6 + u(i);
  const range = [0, 1, 2, 3, 4, 5];
  let total = 0;
  for (const i of range) {
    const upNegatives = [...range.filter((j) => j !== i).map(u), ...range.filter((j) => j !== i && j !== u(i - 1)).map(d)];
    const downNegatives = [...range.filter((j) => j !== i && j !== u(i + 1)).map(u), ...range.filter((j) => j !== i).map(d)];
    const upPositive = loss === 'style' ? d(i) : d(i - 1);
    const downPositive = loss === 'style' ? u(i) : u(i + 1);
    total += positiveTerm(e, u(i), upPositive, upNegatives, 0.2) + positiveTerm(e, d(i), downPositive, downNegatives, 0.2);
  }
  return total;
}
