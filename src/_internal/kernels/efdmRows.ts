/**
 * Fused-kernel contracts of EFDM's common case (style with the content's batch and
 * number of positions), in the user's layout, with no layout transposes:
 *
 * | kernel | inputs → outputs |
 * |---|---|
 * | `FeatstatsEfdmForward`  | content, style (float32, same N, C and L), attrs `batch`, `channels`, `positions`, `dataFormat` → target (content's shape), contentOrder, styleOrder (int32 `[N·C, L]`) |
 * | `FeatstatsEfdmBackward` | dy (content's shape), contentOrder, styleOrder, the same attrs and `alpha` → dStyle (dy's shape, in the style's layout) |
 *
 * Per (n, c) row: the orders are the stable ascending argsorts of `argsortRows` of the
 * channel rows; the target puts the sorted style values at the content's ranks,
 * `t[contentOrder[k]] = style[styleOrder[k]]`; the backward routes α·dy back along the
 * same permutation, `dStyle[styleOrder[k]] = α·dy[contentOrder[k]]` (the product rounded
 * to float32). The composites below, built from the row kernels, define the semantics;
 * the host kernels (`./host/efdmRows.ts`) return identical values.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { ChannelLayout } from '../layout';
import { dispatch, type FusedKernel } from '../dispatch';
import * as host from './host/efdmRows';
import { channelFeatures, channelRows, scaleRows, scatterRows } from './layoutRows';
import { argsortRows, gatherRows } from './rows';

// No webgl implementation: there the composite runs, whose row kernels are GPU shaders.
export const EFDM_FORWARD: FusedKernel = {
  name: 'FeatstatsEfdmForward',
  backends: { cpu: host.efdmForwardCpu, wasm: host.efdmForwardWasm },
};
export const EFDM_BACKWARD: FusedKernel = {
  name: 'FeatstatsEfdmBackward',
  backends: { cpu: host.efdmBackwardCpu, wasm: host.efdmBackwardWasm },
};

function layoutAttrs(layout: ChannelLayout): tf.NamedAttrMap {
  return { batch: layout.batch, channels: layout.channels, positions: layout.positions, dataFormat: layout.dataFormat };
}

/**
 * EFDM's target with α = 1 and both stable ascending orders, `[target, contentOrder,
 * styleOrder]`; `style` has the content's batch, channels and positions (any spatial
 * shape with the same L) and `layout` is the content's.
 */
export function efdmForward(content: tf.Tensor, style: tf.Tensor, layout: ChannelLayout): [tf.Tensor, tf.Tensor2D, tf.Tensor2D] {
  return dispatch(EFDM_FORWARD, { content, style }, layoutAttrs(layout), () =>
    tf.tidy(() => {
      const contentRows = channelRows(content, layout);
      const styleRows = channelRows(style, layout);
      const contentOrder = argsortRows(contentRows, false);
      const styleOrder = argsortRows(styleRows, false);
      const target = scatterRows(gatherRows(styleRows, styleOrder), contentOrder, contentRows);
      return [channelFeatures(target, layout, content.shape), contentOrder, styleOrder];
    }),
  ) as [tf.Tensor, tf.Tensor2D, tf.Tensor2D];
}

/**
 * The style's gradient of {@link efdmForward}'s target times α: `dStyle[styleOrder[k]] =
 * α·dy[contentOrder[k]]` per row, shaped like `dy` (reshape to the style's shape).
 */
export function efdmBackward(dy: tf.Tensor, contentOrder: tf.Tensor2D, styleOrder: tf.Tensor2D, layout: ChannelLayout, alpha: number): tf.Tensor {
  return dispatch(EFDM_BACKWARD, { dy, contentOrder, styleOrder }, { ...layoutAttrs(layout), alpha }, () =>
    tf.tidy(() => {
      const dyRows = channelRows(dy, layout);
      const dTarget = alpha === 1 ? dyRows : scaleRows(dyRows, tf.fill([dyRows.shape[0], 1], alpha, 'float32'));
      const dStyleRows = scatterRows(gatherRows(dTarget, contentOrder), styleOrder);
      return channelFeatures(dStyleRows, layout, dy.shape);
    }),
  );
}
