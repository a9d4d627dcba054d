/**
 * Keras names a normalization layer's feature axis by number (`axis: -1` channels last,
 * `axis: 1` channels first, any other axis allowed). Around that axis every tensor is
 * `[N, P, C, Q]` in memory order, with P the product of the dims between the batch and
 * the channel axis and Q the product of those after it, so each channel statistic is a
 * statistics view (`kernels/statistics/view.ts`) for any axis, with no transpose and no
 * copy of x:
 *
 * | statistic | view `[outer, reducedOuter, kept, reducedInner]` |
 * |---|---|
 * | per (n, group of C/G channels): group and instance norm | `[N, P, G, (C/G)·Q]` |
 * | per c: batch norm | `[1, N·P, C, Q]` |
 *
 * and γ/β, one per channel, have stride Q. For `axis: -1` these are exactly the views of
 * the functional ops in NHWC, for `axis: 1` in NCHW, so a layer and its op compute
 * bit-identical values.
 */
import { NO_FEATURES, type FeatureLayout, type StatisticsView } from '../kernels/statistics/view';

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

/** Statistics per (sample, group of consecutive channels along `axis`). */
export function groupChannelView(shape: readonly number[], axis: number, groups: number): StatisticsView {
  const { batch, before, channels, after } = aroundAxis(shape, axis);
  return { outer: batch, reducedOuter: before, kept: groups, reducedInner: (channels / groups) * after };
}

/** Statistics per channel along `axis`, over the batch and every other axis. */
export function batchChannelAxisView(shape: readonly number[], axis: number): StatisticsView {
  const { batch, before, channels, after } = aroundAxis(shape, axis);
  return { outer: 1, reducedOuter: batch * before, kept: channels, reducedInner: after };
}

/** γ/β `[C]` along `axis`: stride Q (the elements after the axis), as `channelFeatureLayout`. */
export function channelAxisFeatures(shape: readonly number[], axis: number): FeatureLayout {
  const { channels, after } = aroundAxis(shape, axis);
  return channels === 1 ? NO_FEATURES : { stride: after, size: channels };
}
