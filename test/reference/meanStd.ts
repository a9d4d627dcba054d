/** Float64 reference of featstats.meanStd, from its formula (two-pass, ε inside the root). */
import { channelRows, type DataFormat } from './layout';

export interface MeanStdReferenceOptions {
  dataFormat: DataFormat;
  epsilon: number;
  unbiased: boolean;
}

/** Mean and std of each channel instance, in (n, c) order (the order of every stats shape). */
export function meanStdReference(x: ArrayLike<number>, shape: readonly number[], options: MeanStdReferenceOptions) {
  const rows = channelRows(shape, options.dataFormat);
  const mean = new Float64Array(rows.length);
  const std = new Float64Array(rows.length);
  rows.forEach((row, r) => {
    const [mu, variance] = rowMoments(row.map((i) => x[i] as number), options.unbiased);
    mean[r] = mu;
    std[r] = Math.sqrt(variance + options.epsilon);
  });
  return { mean, std };
}

/** Mean and variance of values (÷(L − 1) if unbiased, else ÷L). */
export function rowMoments(values: readonly number[], unbiased: boolean): [number, number] {
  const mu = values.reduce((a, b) => a + b, 0) / values.length;
  const squares = values.reduce((a, v) => a + (v - mu) ** 2, 0);
  return [mu, squares / (values.length - (unbiased ? 1 : 0))];
}
