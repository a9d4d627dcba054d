/** Float64 reference of featstats.supCon (Khosla et al. 2020, L_out), anchor by anchor. */
import { dot, logSumExp, reduce, rows, type Reduction } from './common';

/**
 * ℓᵢ = −(1/|P(i)|)·Σ_{p∈P(i)} log( exp(zᵢ·z_p/τ) / Σ_{a≠i} exp(zᵢ·z_a/τ) ); anchors with
 * no positive have ℓᵢ = 0 and are not counted by the mean.
 */
export function supConReference(
  z: ArrayLike<number>,
  labels: readonly number[],
  options: { temperature: number; normalize: boolean; reduction: Reduction },
): Float64Array {
  const n = labels.length;
  const e = rows(z, n, options.normalize);
  let counted = 0;
  const perAnchor = e.map((anchor, i) => {
    const positives = labels.flatMap((label, p) => (p !== i && label === labels[i] ? [p] : []));
    if (positives.length === 0) return 0;
    counted++;
    const denominator = logSumExp(e.flatMap((other, a) => (a === i ? [] : [dot(anchor, other) / options.temperature])));
    return positives.reduce((s, p) => s + denominator - dot(anchor, e[p] as number[]) / options.temperature, 0) / positives.length;
  });
  return reduce(perAnchor, options.reduction, counted);
}
