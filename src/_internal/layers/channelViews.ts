/**
 * Keras names a normalization layer's feature axis by number (`axis: -1` channels last,
 * `axis: 1` channels first, any other axis allowed). Around that axis every tensor is
 * `[N, P, C, Q]` in memory order, with P the product of the dims between the batch and
 * the channel axis and Q the product of those after it, so each channel statistic is a
 * reduction of the shared `[outer, reduceA, keep, reduceB]` view (`../layout.ts`) — for
 * any axis, with no transpose and no copy of x:
 *
 * | statistic | view |
 * |---|---|
 * | per (n, group of C/G channels): group norm | `[N, P, G, (C/G)·Q]` |
 * | per (n, c): instance norm | `[N, P, C, Q]` |
 * | per c: batch norm | `[1, N·P, C, Q]` |
 *
 * For `axis: -1` these are exactly the views of the functional ops in NHWC, for `axis: 1`
 * in NCHW, so a layer and its op compute bit-identical values.
 */
import type { View4 } from '../layout';

/** x around its channel axis: `[N, P, C, Q]`. */
interface AroundAxis {
  readonly batch: number;
  readonly before: number;
  readonly channels: number;
  readonly after: number;
}

function aroundAxis(shape: readonly number[], axis: number): AroundAxis {
  const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  return {
    batch: shape[0] as number,
    before: product(shape.slice(1, axis)),
    channels: shape[axis] as number,
    after: product(shape.slice(axis + 1)),
  };
}

/** Statistics per (sample, group of consecutive channels). */
export function groupChannelView(shape: readonly number[], axis: number, groups: number): View4 {
  const { batch, before, channels, after } = aroundAxis(shape, axis);
  return [batch, before, groups, (channels / groups) * after];
}

/** Statistics per channel over the batch and every other axis. */
export function batchChannelAxisView(shape: readonly number[], axis: number): View4 {
  const { batch, before, channels, after } = aroundAxis(shape, axis);
  return [1, batch * before, channels, after];
}

/** γ/β `[C]` shaped to broadcast against x: C at the channel axis, 1 elsewhere. */
export function channelAxisAffineShape(rank: number, axis: number, channels: number): number[] {
  const shape = new Array<number>(rank).fill(1);
  shape[axis] = channels;
  return shape;
}
