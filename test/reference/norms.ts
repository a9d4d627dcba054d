/**
 * Float64 references of the normalisation ops, from the formula
 * `y = (x − μ)·(σ² + ε)^(−1/2)·γ + β` with the biased variance over each group of
 * elements. Each norm is the same computation over a different partition of the
 * elements into groups, so each reference only lists its groups.
 */
import { channelsLast, channelRows, dims, type DataFormat } from './layout';
import { rowMoments } from './meanStd';

export interface Affine {
  gamma?: ArrayLike<number>;
  beta?: ArrayLike<number>;
}

/**
 * Normalises each group of flat indices; `parameter(i)` indexes γ and β for element i.
 * With `magnitude`, returns instead the first-order scale of float32 rounding at each
 * element, `(|x| + |μ|)·r·|γ| + |γ| + |β|` (the mean's rounding amplified by r).
 */
export function normalizeGroups(
  x: ArrayLike<number>,
  groups: readonly (readonly number[])[],
  epsilon: number,
  affine: Affine,
  parameter: (i: number) => number,
  statistics?: (group: number) => [number, number],
  magnitude = false,
): Float64Array {
  const out = new Float64Array(x.length);
  groups.forEach((group, g) => {
    const [mu, variance] = statistics?.(g) ?? rowMoments(group.map((i) => x[i] as number), false);
    const inverseStd = 1 / Math.sqrt(variance + epsilon);
    for (const i of group) {
      const p = parameter(i);
      const gamma = (affine.gamma?.[p] as number | undefined) ?? 1;
      const beta = (affine.beta?.[p] as number | undefined) ?? 0;
      const value = x[i] as number;
      out[i] = magnitude
        ? (Math.abs(value) + Math.abs(mu)) * inverseStd * Math.abs(gamma) + Math.abs(gamma) + Math.abs(beta)
        : (value - mu) * inverseStd * gamma + beta;
    }
  });
  return out;
}

/** How a norm partitions the elements: its groups, and the γ/β index of each element. */
export interface NormPlan {
  readonly groups: number[][];
  readonly parameter: (i: number) => number;
}

/** Channel of flat index i. */
export function channelOf(shape: readonly number[], dataFormat: DataFormat): (i: number) => number {
  const { channels, positions } = dims(shape, dataFormat);
  return channelsLast(dataFormat) ? (i) => i % channels : (i) => Math.floor(i / positions) % channels;
}

/** Instance norm: one group per (n, c). */
export function instancePlan(shape: number[], dataFormat: DataFormat): NormPlan {
  return { groups: channelRows(shape, dataFormat), parameter: channelOf(shape, dataFormat) };
}

/** Group norm: one group per (n, g) over C/G consecutive channels and all positions. */
export function groupPlan(shape: number[], dataFormat: DataFormat, groupCount: number): NormPlan {
  const { batch, channels } = dims(shape, dataFormat);
  const rows = channelRows(shape, dataFormat);
  const perGroup = channels / groupCount;
  const groups: number[][] = [];
  for (let n = 0; n < batch; n++) {
    for (let g = 0; g < groupCount; g++) {
      groups.push(rows.slice(n * channels + g * perGroup, n * channels + (g + 1) * perGroup).flat());
    }
  }
  return { groups, parameter: channelOf(shape, dataFormat) };
}

/** Batch norm: one group per channel, over every (n, position). */
export function batchPlan(shape: number[], dataFormat: DataFormat): NormPlan {
  const { batch, channels } = dims(shape, dataFormat);
  const rows = channelRows(shape, dataFormat);
  const groups = Array.from({ length: channels }, (_, c) => Array.from({ length: batch }, (_, n) => rows[n * channels + c] as number[]).flat());
  return { groups, parameter: channelOf(shape, dataFormat) };
}

/** Layer norm over sorted non-negative `axes`: γ/β index = position within the normalised dims. */
export function layerPlan(shape: number[], axes: number[]): NormPlan {
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  const coordinates = (i: number) => shape.map((d, axis) => Math.floor(i / (strides[axis] as number)) % d);
  const size = shape.reduce((a, b) => a * b, 1);
  const groupsByKey = new Map<string, number[]>();
  const parameterIndex = new Array<number>(size);
  for (let i = 0; i < size; i++) {
    const coordinate = coordinates(i);
    const key = coordinate.filter((_, axis) => !axes.includes(axis)).join(',');
    groupsByKey.set(key, [...(groupsByKey.get(key) ?? []), i]);
    parameterIndex[i] = axes.reduce((p, axis) => p * (shape[axis] as number) + (coordinate[axis] as number), 0);
  }
  return { groups: [...groupsByKey.values()], parameter: (i) => parameterIndex[i] as number };
}

/** The reference output of a norm (or, with `magnitude`, its float32 error scale). */
export function normReference(
  x: ArrayLike<number>,
  plan: NormPlan,
  epsilon: number,
  affine: Affine = {},
  moving?: { mean: ArrayLike<number>; variance: ArrayLike<number> },
  magnitude = false,
): Float64Array {
  const statistics = moving === undefined ? undefined : (g: number): [number, number] => [moving.mean[g] as number, moving.variance[g] as number];
  return normalizeGroups(x, plan.groups, epsilon, affine, plan.parameter, statistics, magnitude);
}
