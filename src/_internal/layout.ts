/**
 * Layout arithmetic shared by every op. Shapes are written `[N, ...S, C]` (NHWC) and
 * `[N, C, ...S]` (NCHW), with `L` the number of spatial positions (the product of S).
 * The statistics kernels see a tensor through a `StatisticsView` made from this layout
 * (`kernels/statistics/view.ts`); the row kernels through channel rows `[N·C, L]`
 * (`kernels/sort/contract.ts`).
 */
import type { ChannelOrder, DataFormat } from './validate';

/** The channel order of a data format: sequences have their images' order. */
export function channelOrder(dataFormat: DataFormat): ChannelOrder {
  return dataFormat === 'NWC' ? 'NHWC' : dataFormat === 'NCW' ? 'NCHW' : dataFormat;
}

/**
 * The data format that names a tensor of `rank` whose batch axis is certain (a layer's
 * input, an activation inside `probe`): rank 3 is a batch of sequences.
 */
export function dataFormatForRank(order: ChannelOrder, rank: number): DataFormat {
  if (rank !== 3) return order;
  return order === 'NHWC' ? 'NWC' : 'NCW';
}


/** Where the batch, channel and spatial dimensions sit in a tensor of rank ≥ 2. */
export interface ChannelLayout {
  readonly dataFormat: ChannelOrder;
  /** The tensor's shape. */
  readonly shape: readonly number[];
  readonly batch: number;
  readonly channels: number;
  /** Spatial dimensions S. */
  readonly spatialShape: number[];
  /** L, the number of spatial positions. */
  readonly positions: number;
  /** Per-(n, c) statistics shaped to broadcast against x: `[N, 1, …, 1, C]` or `[N, C, 1, …, 1]`. */
  readonly statsShape: number[];
}

/**
 * Describes the layout of a tensor of rank ≥ 2 (the caller checks the rank against the
 * data format, `checkFeatures`). A sequence format reads as its channel order (`'NWC'`
 * as `'NHWC'`, one spatial axis), so the arithmetic below knows two layouts only.
 */
export function channelLayout(shape: readonly number[], format: DataFormat): ChannelLayout {
  const dataFormat = channelOrder(format);
  const batch = shape[0] ?? 1;
  const channelsLast = dataFormat === 'NHWC';
  const channels = (channelsLast ? shape[shape.length - 1] : shape[1]) ?? 1;
  const spatialShape = channelsLast ? shape.slice(1, -1) : shape.slice(2);
  const positions = spatialShape.reduce((a, b) => a * b, 1);
  const ones = spatialShape.map(() => 1);
  return {
    dataFormat,
    shape: [...shape],
    batch,
    channels,
    spatialShape,
    positions,
    statsShape: channelsLast ? [batch, ...ones, channels] : [batch, channels, ...ones],
  };
}
