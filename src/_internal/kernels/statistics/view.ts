/**
 * How the statistics kernels see a tensor: its flat row-major elements as four axes, two
 * kept and two reduced,
 *
 *   `[outer, reducedOuter, kept, reducedInner]`,
 *
 * one statistic per (outer, kept) pair, summarising `reducedOuter·reducedInner` elements.
 * The reduced axes are flax's `reduction_axes`; where γ and β vary is flax's
 * `feature_axes`, a {@link FeatureLayout} (`flax/linen/normalization.py` passes both to
 * one `_normalize`). Every statistic of featstats is one of these views, made by the one
 * constructor per statistic below; no caller writes a view by hand:
 *
 * | statistic | constructor | NHWC view | NCHW view |
 * |---|---|---|---|
 * | per (n, c): meanStd, adain, instance norm | {@link instanceNormView} | `[N, L, C, 1]` | `[N, 1, C, L]` |
 * | per (n, group): group norm | {@link groupNormView} | `[N, L, G, C/G]` | `[N, 1, G, (C/G)·L]` |
 * | per c: batch norm, AdvBN, channelVariance | {@link batchNormView} | `[1, N·L, C, 1]` | `[1, N, C, L]` |
 * | over trailing axes: layer norm | {@link layerNormView} | `[B, 1, 1, M]` | same |
 *
 * Both per-(n, c) views give statistics in the same (n, c) order, so switching layout
 * never transposes the data and the statistics reshape freely to the user's broadcast
 * shape. Statistics are shaped `[outer, 1, kept, 1]` ({@link statisticsShape}) so that
 * they broadcast against the view.
 *
 * A view travels to a kernel as the attr `view` and comes back out through
 * {@link statisticsViewOf}, the one parser every backend's kernels use.
 */
import type { ChannelLayout } from '../../layout';

/** The four axes of a statistics view (a plain object type, so it can be a kernel attr). */
export type StatisticsView = {
  /** Kept, outermost: independent blocks of statistics (samples; 1 for batch norm; layer norm's rows). */
  readonly outer: number;
  /** Reduced, between the blocks and the kept axis (positions in NHWC). */
  readonly reducedOuter: number;
  /** Kept: the statistics of one block (channels, groups). */
  readonly kept: number;
  /** Reduced, innermost and contiguous (positions in NCHW, a group's channels in NHWC). */
  readonly reducedInner: number;
};

/**
 * Where γ and β vary over the flat elements of x (flax's `feature_axes`): element i uses
 * `γ[⌊i / stride⌋ mod size]`. Per channel that is stride 1, size C in NHWC and stride L,
 * size C in NCHW; layer norm's element-wise γ is stride 1, size M. `stride·size` divides
 * `kept·reducedInner`, so the index depends only on an element's place in its row.
 */
export type FeatureLayout = {
  readonly stride: number;
  readonly size: number;
};

/** No γ or β: one feature. */
export const NO_FEATURES: FeatureLayout = { stride: 1, size: 1 };

/** Per (n, c): `[N, L, C, 1]` (NHWC) or `[N, 1, C, L]` (NCHW). */
export function instanceNormView({ batch, positions, channels, dataFormat }: ChannelLayout): StatisticsView {
  return dataFormat === 'NHWC'
    ? { outer: batch, reducedOuter: positions, kept: channels, reducedInner: 1 }
    : { outer: batch, reducedOuter: 1, kept: channels, reducedInner: positions };
}

/**
 * Per (n, group) of `groups` consecutive channel groups. NHWC keeps channels innermost:
 * `[N, L, G, C/G]`; NCHW keeps each group's channels and positions contiguous:
 * `[N, 1, G, (C/G)·L]`.
 */
export function groupNormView({ batch, positions, channels, dataFormat }: ChannelLayout, groups: number): StatisticsView {
  const perGroup = channels / groups;
  return dataFormat === 'NHWC'
    ? { outer: batch, reducedOuter: positions, kept: groups, reducedInner: perGroup }
    : { outer: batch, reducedOuter: 1, kept: groups, reducedInner: perGroup * positions };
}

/** Per channel over the batch and positions: `[1, N·L, C, 1]` (NHWC) or `[1, N, C, L]` (NCHW). */
export function batchNormView({ batch, positions, channels, dataFormat }: ChannelLayout): StatisticsView {
  return dataFormat === 'NHWC'
    ? { outer: 1, reducedOuter: batch * positions, kept: channels, reducedInner: 1 }
    : { outer: 1, reducedOuter: batch, kept: channels, reducedInner: positions };
}

/** Over the trailing `size` elements of each of `rows` rows: `[rows, 1, 1, size]`. */
export function layerNormView(rows: number, size: number): StatisticsView {
  return { outer: rows, reducedOuter: 1, kept: 1, reducedInner: size };
}

/**
 * γ and β per channel (a norm's affine parameters, AdvBN's scales). With one channel the
 * index is 0 everywhere, and stride 1 says so to the host kernels' loops.
 */
export function channelFeatureLayout({ channels, positions, dataFormat }: ChannelLayout): FeatureLayout {
  if (channels === 1) return NO_FEATURES;
  return { stride: dataFormat === 'NHWC' ? 1 : positions, size: channels };
}

/** γ and β element-wise over a view's whole row of `size` (layer norm). */
export function trailingFeatureLayout(size: number): FeatureLayout {
  return { stride: 1, size };
}

/** Elements each statistic summarises. */
export function reducedSize(view: StatisticsView): number {
  return view.reducedOuter * view.reducedInner;
}

/** The view as a 4-D shape. */
export function viewShape(view: StatisticsView): [number, number, number, number] {
  return [view.outer, view.reducedOuter, view.kept, view.reducedInner];
}

/** The shape of the statistics, `[outer, 1, kept, 1]`. */
export function statisticsShape(view: StatisticsView): [number, number, number, number] {
  return [view.outer, 1, view.kept, 1];
}

/** Throws unless `view` has four positive integer axes over exactly `size` elements. */
export function checkStatisticsView(view: StatisticsView, size: number): StatisticsView {
  const axes = viewShape(view);
  if (!axes.every((d) => Number.isInteger(d) && d > 0) || axes.reduce((a, b) => a * b, 1) !== size) {
    throw new Error(`featstats: a statistics view must have four positive axes over ${size} elements but got [${axes.join(',')}]`);
  }
  return view;
}

/** The view of a kernel call, from its attr `view` (checked against x's size). */
export function statisticsViewOf(attrs: Readonly<Record<string, unknown>> | undefined, x: { readonly shape: readonly number[] }): StatisticsView {
  const view = attrs?.['view'] as StatisticsView | undefined;
  if (view === undefined) throw new Error('featstats: a statistics kernel was called without its view attr');
  return checkStatisticsView(view, x.shape.reduce((a, b) => a * b, 1));
}

/** The feature layout of a kernel call, from its attr `features` (none: {@link NO_FEATURES}). */
export function featureLayoutOf(attrs: Readonly<Record<string, unknown>> | undefined): FeatureLayout {
  return (attrs?.['features'] as FeatureLayout | undefined) ?? NO_FEATURES;
}
