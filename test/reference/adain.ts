/** Float64 reference of featstats.adain: t = σ_s·(c − μ_c)/σ_c + μ_s, out = α·t + (1 − α)·c. */
import { pairedRows, type DataFormat } from './layout';
import { rowMoments } from './meanStd';

export interface AdainReferenceOptions {
  dataFormat: DataFormat;
  epsilon: number;
  unbiased: boolean;
  alpha: number;
}

export function adainReference(
  content: ArrayLike<number>,
  contentShape: readonly number[],
  style: ArrayLike<number>,
  styleShape: readonly number[],
  options: AdainReferenceOptions,
): Float64Array {
  const { dataFormat, epsilon, unbiased, alpha } = options;
  const out = new Float64Array(content.length);
  // A style of batch 1 serves every sample: row n·C + c reads style row c.
  for (const { row, styleRow } of pairedRows(contentShape, styleShape, dataFormat)) {
    const [muC, varC] = rowMoments(row.map((i) => content[i] as number), unbiased);
    const [muS, varS] = rowMoments(styleRow.map((i) => style[i] as number), unbiased);
    const sigmaC = Math.sqrt(varC + epsilon);
    const sigmaS = Math.sqrt(varS + epsilon);
    for (const i of row) {
      const c = content[i] as number;
      const normalized = sigmaC === 0 ? 0 : (c - muC) / sigmaC;
      out[i] = alpha * (sigmaS * normalized + muS) + (1 - alpha) * c;
    }
  }
  return out;
}
