/**
 * Float64 references of Keras's normalization layers for any channel axis, from Keras's
 * definitions: GroupNormalization (keras/src/layers/normalization/group_normalization.py)
 * reshapes the channel axis into (G, C/G) and takes moments over every axis but the batch
 * and group axes, then `(x − μ)·rsqrt(σ² + ε)·γ + β`; instance normalization is G = C
 * (tensorflow_addons' InstanceNormalization); BatchNormalization
 * (keras/src/layers/normalization/batch_normalization.py) takes moments over every axis
 * but `axis` while training and updates `moving = momentum·moving + (1 − momentum)·batch`
 * with the biased batch variance. The groups of elements are listed here from
 * coordinates; `normReference` (./norms.ts) does the arithmetic.
 */
import type { NormPlan } from './norms';

/** Coordinates of flat index i in a row-major tensor of `shape`. */
function coordinatesOf(shape: readonly number[]): (i: number) => number[] {
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  return (i) => shape.map((d, axis) => Math.floor(i / (strides[axis] as number)) % d);
}

/** Which statistic an element belongs to, for a channel axis. */
export type ChannelStatistic = { kind: 'group'; groups: number } | { kind: 'batch' };

/** The plan of a channel-axis normalization: groups of flat indices, γ/β index = channel. */
export function channelAxisPlan(shape: readonly number[], axis: number, statistic: ChannelStatistic): NormPlan {
  const coordinates = coordinatesOf(shape);
  const channels = shape[axis] as number;
  const size = shape.reduce((a, b) => a * b, 1);
  const byKey = new Map<string, number[]>();
  const channelOfIndex = new Array<number>(size);
  for (let i = 0; i < size; i++) {
    const coordinate = coordinates(i);
    const channel = coordinate[axis] as number;
    channelOfIndex[i] = channel;
    const key = statistic.kind === 'batch' ? `${channel}` : `${coordinate[0]},${Math.floor(channel / (channels / statistic.groups))}`;
    byKey.set(key, [...(byKey.get(key) ?? []), i]);
  }
  const keys = [...byKey.keys()];
  // Batch statistics in channel order, so moving statistics index them by channel.
  if (statistic.kind === 'batch') keys.sort((a, b) => Number(a) - Number(b));
  return { groups: keys.map((key) => byKey.get(key) as number[]), parameter: (i) => channelOfIndex[i] as number };
}

/** Per-channel biased mean and variance over every axis but `axis` (a batch's statistics). */
export function batchMoments(x: ArrayLike<number>, shape: readonly number[], axis: number): { mean: number[]; variance: number[] } {
  const plan = channelAxisPlan(shape, axis, { kind: 'batch' });
  const mean = plan.groups.map((group) => group.reduce((s, i) => s + (x[i] as number), 0) / group.length);
  const variance = plan.groups.map((group, c) => group.reduce((s, i) => s + ((x[i] as number) - (mean[c] as number)) ** 2, 0) / group.length);
  return { mean, variance };
}

/** Keras's moving-average update, applied `steps` times with the same batch statistic. */
export function kerasMovingAverage(initial: number, batch: number, momentum: number, steps: number): number {
  let moving = initial;
  for (let step = 0; step < steps; step++) moving = momentum * moving + (1 - momentum) * batch;
  return moving;
}
