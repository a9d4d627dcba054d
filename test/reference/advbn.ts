/**
 * Float64 reference of featstats.perturbMeanStd (AdvBN): μ_c over the batch and
 * positions, y = (x − μ_c)·s_c + μ_c·m_c, then max(y, 0) if relu. With `magnitude`, the
 * first-order float32 error scale (|x| + |μ| + σ)·|s| + (|μ| + σ)·|m| instead: the
 * computed mean is off by u·(|μ| + σ) (a refined mean of values spread by σ).
 */
import { type DataFormat } from './layout';
import { rowMoments } from './meanStd';
import { batchPlan } from './norms';

export function perturbMeanStdReference(
  x: ArrayLike<number>,
  shape: number[],
  meanScale: ArrayLike<number>,
  stdScale: ArrayLike<number>,
  options: { dataFormat: DataFormat; relu: boolean },
  magnitude = false,
): Float64Array {
  const out = new Float64Array(x.length);
  batchPlan(shape, options.dataFormat).groups.forEach((group, c) => {
    const [mu, variance] = rowMoments(group.map((i) => x[i] as number), false);
    const sigma = Math.sqrt(variance);
    const [m, s] = [meanScale[c] as number, stdScale[c] as number];
    for (const i of group) {
      const value = x[i] as number;
      const y = (value - mu) * s + mu * m;
      out[i] = magnitude ? (Math.abs(value) + Math.abs(mu) + sigma) * Math.abs(s) + (Math.abs(mu) + sigma) * Math.abs(m) : options.relu ? Math.max(y, 0) : y;
    }
  });
  return out;
}
