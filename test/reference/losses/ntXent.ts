/** Float64 reference of featstats.ntXent (SimCLR's NT-Xent), anchor by anchor. */
import { dot, logSumExp, reduce, rows, type Reduction } from './common';

/** ℓ_k = −log( exp(s_{k,k±N}/τ) / Σ_{j≠k} exp(s_kj/τ) ) over z = [a; b]; mean over 2N. */
export function ntXentReference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  options: { temperature: number; normalize: boolean; reduction: Reduction },
): Float64Array {
  const z = [...rows(a, n, options.normalize), ...rows(b, n, options.normalize)];
  const perAnchor = z.map((anchor, k) => {
    const positive = (k + n) % (2 * n);
    const others = z.flatMap((other, j) => (j === k ? [] : [dot(anchor, other) / options.temperature]));
    return logSumExp(others) - dot(anchor, z[positive] as number[]) / options.temperature;
  });
  return reduce(perAnchor, options.reduction);
}
