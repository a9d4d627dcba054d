/**
 * Float64 building blocks of the contrastive-loss references, from the definitions:
 * rows of a flat row-major matrix, safe L2 normalisation, cosine logits, log-sum-exp.
 */
export type Reduction = 'mean' | 'sum' | 'none';

/** Rows of a flat `[n, d]` matrix, L2-normalised as x/max(‖x‖, 1e-12) when asked. */
export function rows(x: ArrayLike<number>, n: number, normalize: boolean): number[][] {
  const d = x.length / n;
  return Array.from({ length: n }, (_, i) => {
    const row = Array.from({ length: d }, (_, j) => x[i * d + j] as number);
    if (!normalize) return row;
    const norm = Math.sqrt(row.reduce((a, v) => a + v * v, 0));
    return row.map((v) => v / Math.max(norm, 1e-12));
  });
}

export function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, v, k) => s + v * (b[k] as number), 0);
}

/** log Σ exp(v), shifted by the maximum (−∞ for no values). */
export function logSumExp(values: readonly number[]): number {
  if (values.length === 0) return -Infinity;
  const max = Math.max(...values);
  return max + Math.log(values.reduce((s, v) => s + Math.exp(v - max), 0));
}

/** −log softmax: the cross-entropy of `logits` with the single target `target`. */
export function crossEntropy(logits: readonly number[], target: number): number {
  return logSumExp(logits) - (logits[target] as number);
}

/** The reduced loss as a one-element array, or the per-anchor losses for 'none'. */
export function reduce(perAnchor: readonly number[], reduction: Reduction, counted = perAnchor.length): Float64Array {
  const total = perAnchor.reduce((a, b) => a + b, 0);
  if (reduction === 'none') return Float64Array.from(perAnchor);
  return Float64Array.of(reduction === 'sum' ? total : total / counted);
}
