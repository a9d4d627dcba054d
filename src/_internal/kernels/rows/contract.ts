/**
 * The row kernels around the sort: the steps of sort, efdm and efdmix that are not sorts
 * but, left to tfjs's transposes and broadcast binary ops, cost as much as one on the tfjs
 * cpu backend (bench/README.md, "Design measurements"):
 *
 * | kernel | inputs → output |
 * |---|---|
 * | `FeatstatsSwapInnerAxes` | x `[B, P, Q]` → `[B, Q, P]`, x's dtype (NHWC ↔ channel rows) |
 * | `FeatstatsScatterRows`   | x `[R, n]`, perm int32 `[R, n]` → `[R, n]`: `out[r, perm[r, k]] = x[r, k]` |
 * | `FeatstatsBlendRows`     | a, b `[R, n]`, wa, wb `[R, 1]` (float32) → `a·wa + b·wb` |
 * | `FeatstatsScaleRows`     | x `[R, n]`, w `[R, 1]` (float32) → `x·w` |
 * | `FeatstatsTakeRows`      | x `[B, M]`, indices int32 `[K]` → `[K, M]`, x's dtype: `out[k] = x[indices[k]]` |
 *
 * `scatterRows(x, order)` is `gatherRows(x, invertPermutationRows(order))` in one pass: it
 * puts the k-th sorted value back where the k-th smallest element was, which is EFDM's
 * target and the gradient of a sort. Where the caller still has the rows that `order`
 * sorts (`sortedRows`, ascending), the composite inverts it with `rankRows` (a binary
 * search on webgl, one pass) instead of `invertPermutationRows` (a sort there).
 *
 * Features become channel rows `[N·C, L]` through {@link channelRows} (a reshape for
 * NCHW, one {@link swapInnerAxes} for NHWC) and go back through {@link fromChannelRows}.
 *
 * The composites below define the semantics; the host kernels (`./host/`) return
 * identical values. webgl has none: there the composites run, on tfjs's own shaders.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { ChannelLayout } from '../../layout';
import { dispatch, type FusedKernel } from '../dispatch';
import { gatherRows, invertPermutationRows, rankRows } from '../sort/contract';
import { blendRowsCpu, blendRowsWasm } from './host/blendRows';
import { scaleRowsCpu, scaleRowsWasm } from './host/scaleRows';
import { scatterRowsCpu, scatterRowsWasm } from './host/scatterRows';
import { swapInnerAxesCpu, swapInnerAxesWasm } from './host/swapInnerAxes';
import { takeRowsCpu, takeRowsWasm } from './host/takeRows';

export const SWAP_INNER_AXES: FusedKernel = { name: 'FeatstatsSwapInnerAxes', backends: { cpu: swapInnerAxesCpu, wasm: swapInnerAxesWasm } };
export const SCATTER_ROWS: FusedKernel = { name: 'FeatstatsScatterRows', backends: { cpu: scatterRowsCpu, wasm: scatterRowsWasm } };
export const BLEND_ROWS: FusedKernel = { name: 'FeatstatsBlendRows', backends: { cpu: blendRowsCpu, wasm: blendRowsWasm } };
export const SCALE_ROWS: FusedKernel = { name: 'FeatstatsScaleRows', backends: { cpu: scaleRowsCpu, wasm: scaleRowsWasm } };
export const TAKE_ROWS: FusedKernel = { name: 'FeatstatsTakeRows', backends: { cpu: takeRowsCpu, wasm: takeRowsWasm } };

/** `[B, P, Q]` → `[B, Q, P]`. */
export function swapInnerAxes(x: tf.Tensor3D): tf.Tensor3D {
  return dispatch(SWAP_INNER_AXES, { x }, {}, () => tf.transpose(x, [0, 2, 1]));
}

/**
 * `out[r, perm[r, k]] = x[r, k]`: each row's values moved to the places `perm` names.
 * `sortedRows`, when given, are rows whose stable ascending argsort is `perm`.
 */
export function scatterRows(x: tf.Tensor2D, perm: tf.Tensor2D, sortedRows?: tf.Tensor2D): tf.Tensor2D {
  return dispatch(SCATTER_ROWS, { x, perm }, {}, () =>
    tf.tidy(() => gatherRows(x, sortedRows === undefined ? invertPermutationRows(perm) : rankRows(sortedRows, perm, false))),
  );
}

/** `a·wa + b·wb` with one weight per row (`[R, 1]`), float32. */
export function blendRows(a: tf.Tensor2D, b: tf.Tensor2D, wa: tf.Tensor2D, wb: tf.Tensor2D): tf.Tensor2D {
  return dispatch(BLEND_ROWS, { a, b, wa, wb }, {}, () => tf.tidy(() => tf.add(tf.mul(a, wa), tf.mul(b, wb))));
}

/** `x·w` with one weight per row (`[R, 1]`), float32. */
export function scaleRows(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return dispatch(SCALE_ROWS, { x, w }, {}, () => tf.mul(x, w));
}

/** Whole rows of `x` `[B, M]` picked by `indices` `[K]`: `[K, M]` (a gather on axis 0). */
export function takeRows(x: tf.Tensor2D, indices: tf.Tensor1D): tf.Tensor2D {
  return dispatch(TAKE_ROWS, { x, indices }, {}, () => tf.gather(x, indices, 0));
}

/**
 * Features as one row per (n, c), `[N·C, L]`: a reshape for NCHW, and for NHWC the one
 * transpose, through {@link swapInnerAxes}.
 */
export function channelRows(x: tf.Tensor, layout: ChannelLayout): tf.Tensor2D {
  const { batch, channels, positions } = layout;
  if (layout.dataFormat === 'NCHW') return tf.reshape(x, [batch * channels, positions]);
  return tf.reshape(swapInnerAxes(tf.reshape(x, [batch, positions, channels])), [batch * channels, positions]);
}

/** Inverse of {@link channelRows}: rows `[N·C, L]` back to features shaped as the layout says. */
export function fromChannelRows(rows: tf.Tensor, layout: ChannelLayout): tf.Tensor {
  const { batch, channels, positions } = layout;
  const shape = [...layout.shape];
  if (layout.dataFormat === 'NCHW') return tf.reshape(rows, shape);
  return tf.reshape(swapInnerAxes(tf.reshape(rows, [batch, channels, positions])), shape);
}
