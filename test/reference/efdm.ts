/**
 * Float64 reference of featstats.efdm and efdmix, from the formulas: per (n, c), the
 * content's stable ascending ranks r(i), the style's sorted values y, the target
 * tᵢ = y₍r(i)₎ (linearly resampled at r·(L' − 1)/(L − 1) when L' ≠ L; the median
 * position when L = 1), and the output α·t + (1 − α)·x.
 */
import { channelRows, dims, pairedRows, type DataFormat } from './layout';
import { argsortReference } from './sort';

/** Stable ascending ranks of a row. */
export function ranksReference(row: readonly number[]): number[] {
  const rank = new Array<number>(row.length);
  argsortReference(row).forEach((i, k) => (rank[i] = k));
  return rank;
}

/**
 * Sorted `values` read at fractional position `position` by linear interpolation. With
 * `magnitude`, the same weights applied to |values|: the scale of its float32 rounding.
 */
export function quantileReference(sorted: readonly number[], position: number, magnitude = false): number {
  const low = Math.min(Math.floor(position), sorted.length - 1);
  const high = Math.min(low + 1, sorted.length - 1);
  const w = position - low;
  const read = (k: number) => (magnitude ? Math.abs(sorted[k] as number) : (sorted[k] as number));
  return (1 - w) * read(low) + w * read(high);
}

/** The target for content rank r out of L, from a sorted style row of length L'. */
export function targetPosition(rank: number, contentLength: number, styleLength: number): number {
  return contentLength === 1 ? (styleLength - 1) / 2 : (rank * (styleLength - 1)) / (contentLength - 1);
}

/**
 * The reference's output, or with `magnitude` the same sums over absolute values: the
 * first-order scale of float32 rounding in the interpolation and the blend.
 */
export function efdmReference(
  content: ArrayLike<number>,
  contentShape: readonly number[],
  style: ArrayLike<number>,
  styleShape: readonly number[],
  options: { dataFormat: DataFormat; alpha: number },
  magnitude = false,
): Float64Array {
  const out = new Float64Array(content.length);
  for (const { row, styleRow } of pairedRows(contentShape, styleShape, options.dataFormat)) {
    const sortedStyle = styleRow.map((i) => style[i] as number).sort((a, b) => a - b);
    const ranks = ranksReference(row.map((i) => content[i] as number));
    row.forEach((i, l) => {
      const t = quantileReference(sortedStyle, targetPosition(ranks[l] as number, row.length, styleRow.length), magnitude);
      const x = magnitude ? Math.abs(content[i] as number) : (content[i] as number);
      out[i] = options.alpha * t + (1 - options.alpha) * x;
    });
  }
  return out;
}

/**
 * Float64 reference of efdmix given its random draws: sample n mixes with partner
 * `partner[n]` with weight `lambda[n]`: λ·x + (1 − λ)·u, u = partner's sorted values at
 * x's ranks.
 */
export function efdmixReference(
  x: ArrayLike<number>,
  shape: readonly number[],
  options: { dataFormat: DataFormat; lambda: readonly number[]; partner: readonly number[] },
): Float64Array {
  const out = new Float64Array(x.length);
  const rows = channelRows(shape, options.dataFormat);
  const { channels } = dims(shape, options.dataFormat);
  rows.forEach((row, r) => {
    const n = Math.floor(r / channels);
    const partnerRow = rows[(options.partner[n] as number) * channels + (r % channels)] as number[];
    const sortedPartner = partnerRow.map((i) => x[i] as number).sort((a, b) => a - b);
    const ranks = ranksReference(row.map((i) => x[i] as number));
    const lambda = options.lambda[n] as number;
    row.forEach((i, l) => {
      out[i] = lambda * (x[i] as number) + (1 - lambda) * (sortedPartner[ranks[l] as number] as number);
    });
  });
  return out;
}

/**
 * The gradient rule of efdm, from its definition: the content gets dy (straight-through);
 * target tᵢ reads the sorted style at position p = targetPosition(r(i)), i.e. the style
 * elements of sorted positions ⌊p⌋ and ⌊p⌋ + 1 with weights (1 − w, w), so each of them
 * receives α·dyᵢ times its weight.
 */
export function efdmGradientReference(
  content: ArrayLike<number>,
  contentShape: readonly number[],
  style: ArrayLike<number>,
  styleShape: readonly number[],
  dy: ArrayLike<number>,
  options: { dataFormat: DataFormat; alpha: number },
): { content: Float64Array; style: Float64Array } {
  const dContent = Float64Array.from(dy);
  const dStyle = new Float64Array(style.length);
  for (const { row, styleRow } of pairedRows(contentShape, styleShape, options.dataFormat)) {
    const styleOrder = argsortReference(styleRow.map((i) => style[i] as number));
    const ranks = ranksReference(row.map((i) => content[i] as number));
    row.forEach((i, l) => {
      const position = targetPosition(ranks[l] as number, row.length, styleRow.length);
      const low = Math.min(Math.floor(position), styleRow.length - 1);
      const high = Math.min(low + 1, styleRow.length - 1);
      const w = position - low;
      const g = options.alpha * (dy[i] as number);
      accumulate(dStyle, styleRow[styleOrder[low] as number] as number, (1 - w) * g);
      accumulate(dStyle, styleRow[styleOrder[high] as number] as number, w * g);
    });
  }
  return { content: dContent, style: dStyle };
}

/**
 * The gradient rule of efdmix: dy to x (straight-through) plus, for sample n with partner
 * m, (1 − λₙ)·dyᵢ to the partner element at sorted position r(i) of the same channel.
 */
export function efdmixGradientReference(
  x: ArrayLike<number>,
  shape: readonly number[],
  dy: ArrayLike<number>,
  options: { dataFormat: DataFormat; lambda: readonly number[]; partner: readonly number[] },
): Float64Array {
  const gradient = Float64Array.from(dy);
  const rows = channelRows(shape, options.dataFormat);
  const { channels } = dims(shape, options.dataFormat);
  rows.forEach((row, r) => {
    const n = Math.floor(r / channels);
    const partnerRow = rows[(options.partner[n] as number) * channels + (r % channels)] as number[];
    const partnerOrder = argsortReference(partnerRow.map((i) => x[i] as number));
    const ranks = ranksReference(row.map((i) => x[i] as number));
    row.forEach((i, l) => {
      const target = partnerRow[partnerOrder[ranks[l] as number] as number] as number;
      accumulate(gradient, target, (1 - (options.lambda[n] as number)) * (dy[i] as number));
    });
  });
  return gradient;
}

function accumulate(values: Float64Array, index: number, amount: number): void {
  values[index] = (values[index] as number) + amount;
}
