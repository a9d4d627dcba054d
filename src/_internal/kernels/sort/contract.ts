/**
 * The sort kernels, the core of sort, argsort, efdm and efdmix: a stable row sort and the
 * row steps around it. All work on rows `[R, n]`:
 *
 * | kernel | inputs → output |
 * |---|---|
 * | `FeatstatsArgsortRows`           | x `[R, n]` (float32 or int32), attr `descending` → int32 order `[R, n]` |
 * | `FeatstatsGatherRows`            | x `[R, n]`, indices int32 `[R, m]` → `[R, m]`, x's dtype: `out[r, j] = x[r, indices[r, j]]` |
 * | `FeatstatsInvertPermutationRows` | perm int32 `[R, n]` → int32 `[R, n]`: `out[r, perm[r, j]] = j` |
 * | `FeatstatsRankRows`              | x `[R, n]`, perm int32 `[R, n]` (x's stable argsort), attr `descending` → the inverse of perm, as above |
 * | `FeatstatsScatterRows`           | x `[R, n]`, perm int32 `[R, n]` → `[R, n]`: `out[r, perm[r, k]] = x[r, k]` |
 * | `FeatstatsSwapInnerAxes`         | x `[B, P, Q]` → `[B, Q, P]`, x's dtype (NHWC ↔ channel rows) |
 * | `FeatstatsBlendRows`             | a, b `[R, n]`, wa, wb `[R, 1]` (float32) → `a·wa + b·wb` |
 * | `FeatstatsScaleRows`             | x `[R, n]`, w `[R, 1]` (float32) → `x·w` |
 * | `FeatstatsRowDots`               | a, b `[R, n]` (float32) → `[R, 1]`: `Σ_j a[r, j]·b[r, j]` (the host sums in float64, so the last bits may differ from the composite's) |
 * | `FeatstatsTakeRows`              | x `[B, M]`, indices int32 `[K]` → `[K, M]`, x's dtype: `out[k] = x[indices[k]]` |
 *
 * The argsort is **stable in both directions**: ties keep the lower index first, so ranks
 * agree bit for bit on every backend and with the composite. −0 and +0 compare equal
 * (as `tf.topk` compares them). NaN is not ordered (featstats' inputs are finite).
 *
 * `scatterRows(x, order)` is `gatherRows(x, invertPermutationRows(order))` in one pass: it
 * puts the k-th sorted value back where the k-th smallest element was, which is EFDM's
 * target and the gradient of a sort. Where the caller still has the rows that `order`
 * sorts (`sortedRows`, ascending), the composite inverts it with `rankRows` (a binary
 * search on webgl, one pass) instead of `invertPermutationRows` (a sort there). The last
 * five kernels are steps that, left to tfjs's transposes and broadcast binary ops, cost
 * as much as the sort on the tfjs cpu backend (bench/README.md, "Design measurements"),
 * as do the row steps of the contrastive losses' row normalisation (`../../rowNormalize.ts`:
 * blend, scale and row dots);
 * webgl runs their composites, on tfjs's own shaders. Features become channel rows
 * `[N·C, L]` through {@link channelRows} (a reshape for NCHW, one {@link swapInnerAxes}
 * for NHWC) and go back through {@link fromChannelRows}.
 *
 * The composites below define the semantics; the fused implementations (`./host/` for
 * cpu and wasm, `./webgl/`) must return identical values.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { ChannelLayout } from '../../layout';
import { dispatch, type FusedKernel } from '../dispatch';
import { argsortRowsCpu, argsortRowsWasm } from './host/argsortRows';
import { blendRowsCpu, blendRowsWasm } from './host/blendRows';
import { gatherRowsCpu, gatherRowsWasm } from './host/gatherRows';
import { invertPermutationRowsCpu, invertPermutationRowsWasm } from './host/invertPermutationRows';
import { rowDotsCpu, rowDotsWasm } from './host/rowDots';
import { scaleRowsCpu, scaleRowsWasm } from './host/scaleRows';
import { scatterRowsCpu, scatterRowsWasm } from './host/scatterRows';
import { swapInnerAxesCpu, swapInnerAxesWasm } from './host/swapInnerAxes';
import { takeRowsCpu, takeRowsWasm } from './host/takeRows';
import { argsortRowsWebgl } from './webgl/argsortRows';
import { gatherRowsWebgl } from './webgl/gatherRows';
import { invertPermutationRowsWebgl } from './webgl/invertPermutationRows';
import { rankRowsWebgl } from './webgl/rankRows';
import { argsortRowsWebgpu } from './webgpu/argsortRows';
import { gatherRowsWebgpu } from './webgpu/gatherRows';
import { invertPermutationRowsWebgpu } from './webgpu/invertPermutationRows';

export const ARGSORT_ROWS: FusedKernel = { name: 'FeatstatsArgsortRows', backends: { cpu: argsortRowsCpu, wasm: argsortRowsWasm, webgl: argsortRowsWebgl, webgpu: argsortRowsWebgpu } };
export const GATHER_ROWS: FusedKernel = { name: 'FeatstatsGatherRows', backends: { cpu: gatherRowsCpu, wasm: gatherRowsWasm, webgl: gatherRowsWebgl, webgpu: gatherRowsWebgpu } };
export const INVERT_PERMUTATION_ROWS: FusedKernel = { name: 'FeatstatsInvertPermutationRows', backends: { cpu: invertPermutationRowsCpu, wasm: invertPermutationRowsWasm, webgl: invertPermutationRowsWebgl, webgpu: invertPermutationRowsWebgpu } };
// cpu and wasm invert any permutation in one O(n) pass, so only webgl (where the inverse
// is otherwise a sort) has a kernel; elsewhere the composite is that pass.
export const RANK_ROWS: FusedKernel = { name: 'FeatstatsRankRows', backends: { webgl: rankRowsWebgl } };
export const SCATTER_ROWS: FusedKernel = { name: 'FeatstatsScatterRows', backends: { cpu: scatterRowsCpu, wasm: scatterRowsWasm } };
export const SWAP_INNER_AXES: FusedKernel = { name: 'FeatstatsSwapInnerAxes', backends: { cpu: swapInnerAxesCpu, wasm: swapInnerAxesWasm } };
export const BLEND_ROWS: FusedKernel = { name: 'FeatstatsBlendRows', backends: { cpu: blendRowsCpu, wasm: blendRowsWasm } };
export const SCALE_ROWS: FusedKernel = { name: 'FeatstatsScaleRows', backends: { cpu: scaleRowsCpu, wasm: scaleRowsWasm } };
export const ROW_DOTS: FusedKernel = { name: 'FeatstatsRowDots', backends: { cpu: rowDotsCpu, wasm: rowDotsWasm } };
export const TAKE_ROWS: FusedKernel = { name: 'FeatstatsTakeRows', backends: { cpu: takeRowsCpu, wasm: takeRowsWasm } };

/** Views a tensor of rank ≥ 1 as rows `[R, n]` along its last axis (sort and argsort). */
export function lastAxisRows(x: tf.Tensor): tf.Tensor2D {
  const n = x.shape[x.rank - 1] ?? 1;
  return tf.reshape(x, [x.size / n, n]);
}

/**
 * Stable argsort of each row: int32 `[R, n]` indices into the row.
 *
 * Composite: `tf.topk` (k = n, sorted) orders descending with ties to the lower index on
 * every backend, which is the stable descending sort. The stable ascending sort is not
 * `topk(−x)` reversed (that would put ties in the wrong order) but `topk` of the reversed
 * row, read back to front: a tie first met at the higher reversed index (= lower original
 * index) ends up first. This avoids negating x, which would map −2³¹ onto itself for int32.
 */
export function argsortRows(x: tf.Tensor, descending: boolean): tf.Tensor2D {
  return dispatch(ARGSORT_ROWS, { x }, { descending }, () =>
    tf.tidy((): tf.Tensor2D => {
      const n = x.shape[1] ?? 1;
      if (descending) return tf.topk(x, n, true).indices as tf.Tensor2D;
      const reversedOrder = tf.topk(tf.reverse(x, 1), n, true).indices;
      // Reversed index j is original index n − 1 − j; reading back to front turns the
      // descending order into the ascending one.
      return tf.reverse(tf.sub(tf.scalar(n - 1, 'int32'), reversedOrder), 1) as tf.Tensor2D;
    }),
  );
}

/**
 * Gathers each row of `x` `[R, n]` at that row's `indices` `[R, m]`: `[R, m]`.
 *
 * Composite: a flat gather at `r·n + indices[r, j]` rather than
 * `tf.gather(x, indices, 1, 1)`: tfjs-backend-wasm 4.22 ignores `batchDims` and reads
 * every row's indices from row 0.
 */
export function gatherRows(x: tf.Tensor, indices: tf.Tensor): tf.Tensor2D {
  return dispatch(GATHER_ROWS, { x, indices }, {}, () =>
    tf.tidy(() => {
      const [rows = 1, n = 1] = x.shape;
      const [, m = 1] = indices.shape;
      const flatIndices = tf.add(indices, rowOffsets(rows, n));
      return tf.reshape(tf.gather(tf.reshape(x, [rows * n]), tf.reshape(flatIndices, [rows * m])), [rows, m]);
    }),
  );
}

/** `[R, 1]` int32 offsets r·n of each row's start in flat `[R·n]` data. */
export function rowOffsets(rows: number, n: number): tf.Tensor2D {
  return tf.reshape(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(n, 'int32')), [rows, 1]);
}

/**
 * Inverse of each row's permutation: `inverse[r, perm[r, j]] = j`. For an argsort order
 * this is the rank of every element. Composite: O(R·n) through one scatter, not a
 * second sort (but tfjs-backend-webgl's scatterND is O(n²): the webgl kernel sorts).
 */
export function invertPermutationRows(perm: tf.Tensor): tf.Tensor2D {
  return dispatch(INVERT_PERMUTATION_ROWS, { perm }, {}, () =>
    tf.tidy(() => {
      const [rows = 1, n = 1] = perm.shape;
      const flatTargets = tf.reshape(tf.add(perm, rowOffsets(rows, n)), [rows * n, 1]);
      const positions = tf.tile(tf.range(0, n, 1, 'int32'), [rows]);
      return tf.reshape(tf.scatterND(flatTargets, positions, [rows * n]), [rows, n]);
    }),
  );
}

/**
 * The rank of every element of `x` `[R, n]` in its row: the inverse of `perm`, which must
 * be `argsortRows(x, descending)`. The result is `invertPermutationRows(perm)` (the
 * composite); knowing the keys lets the webgl kernel find each rank by a binary search
 * of the sorted row, one pass, where inverting a bare permutation takes a sort.
 */
export function rankRows(x: tf.Tensor, perm: tf.Tensor, descending: boolean): tf.Tensor2D {
  return dispatch(RANK_ROWS, { x, perm }, { descending }, () => invertPermutationRows(perm));
}

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

/** `Σ_j a[r, j]·b[r, j]` of each row: `[R, 1]`. */
export function rowDots(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return dispatch(ROW_DOTS, { a, b }, {}, () => tf.sum(tf.mul(a, b), 1, true) as tf.Tensor2D);
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
