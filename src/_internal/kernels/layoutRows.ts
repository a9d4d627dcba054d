/**
 * Fused-kernel contracts around the row-sort core, for the steps of sort, efdm and efdmix
 * that are not sorts but cost as much as one on the tfjs cpu backend (transposes and
 * broadcast binary ops are 10–100× slower there than a plain loop):
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
 * The composites below define the semantics; the host kernels (`./host/layoutRows.ts`)
 * return identical values.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { ChannelLayout } from '../layout';
import { dispatch, type FusedKernel } from '../dispatch';
import * as host from './host/layoutRows';
import { gatherRows, invertPermutationRows, rankRows } from './rows';
import * as webgl from './webgl/layoutRows';

export const SWAP_INNER_AXES: FusedKernel = {
  name: 'FeatstatsSwapInnerAxes',
  backends: { cpu: host.swapInnerAxesCpu, wasm: host.swapInnerAxesWasm, webgl: webgl.swapInnerAxesWebgl },
};
export const SCATTER_ROWS: FusedKernel = {
  name: 'FeatstatsScatterRows',
  backends: { cpu: host.scatterRowsCpu, wasm: host.scatterRowsWasm, webgl: webgl.scatterRowsWebgl },
};
export const BLEND_ROWS: FusedKernel = {
  name: 'FeatstatsBlendRows',
  backends: { cpu: host.blendRowsCpu, wasm: host.blendRowsWasm, webgl: webgl.blendRowsWebgl },
};

export const SCALE_ROWS: FusedKernel = {
  name: 'FeatstatsScaleRows',
  backends: { cpu: host.scaleRowsCpu, wasm: host.scaleRowsWasm, webgl: webgl.scaleRowsWebgl },
};
export const TAKE_ROWS: FusedKernel = {
  name: 'FeatstatsTakeRows',
  backends: { cpu: host.takeRowsCpu, wasm: host.takeRowsWasm, webgl: webgl.takeRowsWebgl },
};

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
 * Features as one row per (n, c), `[N·C, L]`, as `toChannelRows` in `../layout.ts`: a
 * reshape for NCHW, and for NHWC the one transpose, through {@link swapInnerAxes}.
 */
export function channelRows(x: tf.Tensor, layout: ChannelLayout): tf.Tensor2D {
  const { batch, channels, positions } = layout;
  if (layout.dataFormat === 'NCHW') return tf.reshape(x, [batch * channels, positions]);
  return tf.reshape(swapInnerAxes(tf.reshape(x, [batch, positions, channels])), [batch * channels, positions]);
}

/** Inverse of {@link channelRows}: rows `[N·C, L]` back to features of `shape`. */
export function channelFeatures(rows: tf.Tensor, layout: ChannelLayout, shape: number[]): tf.Tensor {
  const { batch, channels, positions } = layout;
  if (layout.dataFormat === 'NCHW') return tf.reshape(rows, shape);
  return tf.reshape(swapInnerAxes(tf.reshape(rows, [batch, channels, positions])), shape);
}
