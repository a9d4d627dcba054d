/**
 * Float64 references for the image corruptions, from their definitions: the blur is a
 * direct convolution with reflection padding along each spatial axis (`smoothReference`,
 * written independently of the library's matrix form); the mask and the noise are applied
 * to given draws, since the draws themselves are checked statistically.
 */
import { smoothReference } from './iba';
import { channelsLast, dims, flatIndex, type DataFormat } from './layout';

/** The spatial axes of a `[N, ...S, C]` or `[N, C, ...S]` shape. */
export function spatialAxes(shape: readonly number[], dataFormat: DataFormat): number[] {
  const first = channelsLast(dataFormat) ? 1 : 2;
  return Array.from({ length: shape.length - 2 }, (_, i) => first + i);
}

/**
 * Gaussian blur of `x` over the spatial axes: normalised taps exp(−k²/(2σ²)), k = −r..r,
 * reflection padding. With `magnitude`, the blur of |x|: the scale of its float32 rounding.
 */
export function blurReference(
  x: ArrayLike<number>,
  shape: number[],
  options: { dataFormat: DataFormat; kernelSize: number; sigma: number },
  magnitude = false,
): Float64Array {
  const values = magnitude ? Float64Array.from(x, Math.abs) : x;
  return smoothReference(values, shape, spatialAxes(shape, options.dataFormat), options.sigma, options.kernelSize);
}

/** `x ⊙ m` for a spatial mask m `[N·L]` (1 kept, 0 removed) shared by the channels. */
export function maskReference(x: ArrayLike<number>, shape: readonly number[], dataFormat: DataFormat, mask: ArrayLike<number>): Float64Array {
  const { batch, channels, positions } = dims(shape, dataFormat);
  const out = new Float64Array(x.length);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      for (let l = 0; l < positions; l++) {
        const i = flatIndex(shape, dataFormat, n, c, l);
        out[i] = (x[i] as number) * (mask[n * positions + l] as number);
      }
    }
  }
  return out;
}

/** Per image, the positions l whose value is 0 in channel c of an output: `[n][c]` → sorted l. */
export function zeroPositions(y: ArrayLike<number>, shape: readonly number[], dataFormat: DataFormat): number[][][] {
  const { batch, channels, positions } = dims(shape, dataFormat);
  return Array.from({ length: batch }, (_, n) =>
    Array.from({ length: channels }, (_, c) => Array.from({ length: positions }, (_, l) => l).filter((l) => y[flatIndex(shape, dataFormat, n, c, l)] === 0)),
  );
}

/** ⌊L·f⌋ for a fraction f of at most 9 decimals, in exact integer arithmetic (no float64 rounding at integers). */
export function expectedRemovedCount(positions: number, fraction: number): number {
  return Number((BigInt(Math.round(fraction * 1e9)) * BigInt(positions)) / 1_000_000_000n);
}

/** NHWC values `[N, ...S, C]` rearranged to NCHW `[N, C, ...S]`, with the new shape. */
export function toChannelsFirst(values: ArrayLike<number>, shape: readonly number[]): { values: Float32Array; shape: number[] } {
  const channelsFirst = [shape[0] as number, shape[shape.length - 1] as number, ...shape.slice(1, -1)];
  const { batch, channels, positions } = dims(shape, 'NHWC');
  const out = new Float32Array(values.length);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      for (let l = 0; l < positions; l++) out[flatIndex(channelsFirst, 'NCHW', n, c, l)] = values[flatIndex(shape, 'NHWC', n, c, l)] as number;
    }
  }
  return { values: out, shape: channelsFirst };
}
