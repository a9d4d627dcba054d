/**
 * Layout arithmetic shared by every op. Shapes are written `[N, ...S, C]` (NHWC) and
 * `[N, C, ...S]` (NCHW), with `L` the number of spatial positions (the product of S).
 *
 * Per-(n, c) statistics are computed on a 4-D view `[N, L, C, 1]` (NHWC) or
 * `[N, 1, C, L]` (NCHW), reduced over axes 1 and 3. Both give statistics of shape
 * `[N, 1, C, 1]` with the same element order (n-major), so switching layout never
 * transposes the data, and the statistics reshape freely to the user's broadcast shape.
 * The same `[outer, reduceA, keep, reduceB]` view also expresses group, batch and layer
 * statistics, which is why it is the one view the statistics core understands.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { DataFormat } from './validate';

/** A 4-D view `[outer, reduceA, keep, reduceB]`; statistics reduce axes 1 and 3. */
export type View4 = [number, number, number, number];

/** Where the batch, channel and spatial dimensions sit in a tensor of rank ≥ 3. */
export interface ChannelLayout {
  readonly dataFormat: DataFormat;
  readonly batch: number;
  readonly channels: number;
  /** Spatial dimensions S. */
  readonly spatialShape: number[];
  /** L, the number of spatial positions. */
  readonly positions: number;
  /** The per-(n, c) statistics view: `[N, L, C, 1]` (NHWC) or `[N, 1, C, L]` (NCHW). */
  readonly view: View4;
  /** Statistics shaped to broadcast against x: `[N, 1, …, 1, C]` or `[N, C, 1, …, 1]`. */
  readonly statsShape: number[];
}

/** Describes the layout of a tensor of rank ≥ 3 (the caller checks the rank). */
export function channelLayout(shape: readonly number[], dataFormat: DataFormat): ChannelLayout {
  const batch = shape[0] ?? 1;
  const channelsLast = dataFormat === 'NHWC';
  const channels = (channelsLast ? shape[shape.length - 1] : shape[1]) ?? 1;
  const spatialShape = channelsLast ? shape.slice(1, -1) : shape.slice(2);
  const positions = spatialShape.reduce((a, b) => a * b, 1);
  const ones = spatialShape.map(() => 1);
  return {
    dataFormat,
    batch,
    channels,
    spatialShape,
    positions,
    view: channelsLast ? [batch, positions, channels, 1] : [batch, 1, channels, positions],
    statsShape: channelsLast ? [batch, ...ones, channels] : [batch, channels, ...ones],
  };
}

/**
 * The per-channel statistics view over the batch and positions (batch norm, AdvBN):
 * `[1, N·L, C, 1]` (NHWC) or `[1, N, C, L]` (NCHW); statistics `[1, 1, C, 1]`.
 */
export function batchChannelView(shape: readonly number[], dataFormat: DataFormat): View4 {
  const { batch, positions, channels } = channelLayout(shape, dataFormat);
  return dataFormat === 'NHWC' ? [1, batch * positions, channels, 1] : [1, batch, channels, positions];
}

/**
 * Views features as one row per (n, c): `[N·C, L]`. NCHW is already in that order (a
 * reshape); NHWC needs one transpose.
 */
export function toChannelRows(x: tf.Tensor, layout: ChannelLayout): tf.Tensor2D {
  const { batch, channels, positions } = layout;
  if (layout.dataFormat === 'NCHW') return tf.reshape(x, [batch * channels, positions]);
  const channelsFirst = tf.transpose(tf.reshape(x, [batch, positions, channels]), [0, 2, 1]);
  return tf.reshape(channelsFirst, [batch * channels, positions]);
}

/** Inverse of {@link toChannelRows}: rows `[N·C, L]` back to features of `shape`. */
export function fromChannelRows(rows: tf.Tensor, layout: ChannelLayout, shape: number[]): tf.Tensor {
  const { batch, channels, positions } = layout;
  if (layout.dataFormat === 'NCHW') return tf.reshape(rows, shape);
  const channelsLast = tf.transpose(tf.reshape(rows, [batch, channels, positions]), [0, 2, 1]);
  return tf.reshape(channelsLast, shape);
}
