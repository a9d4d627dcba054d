/**
 * Fused-kernel contracts of EFDM's common case (style with the content's batch and
 * number of positions), in the user's layout, with no layout transposes:
 *
 * | kernel | inputs → outputs |
 * |---|---|
 * | `FeatstatsEfdmForward`  | content, style (float32, same N, C and L), attrs `batch`, `channels`, `positions`, `dataFormat` → target (content's shape), contentOrder, styleOrder (int32 `[N·C, L]`) |
 * | `FeatstatsEfdmBackward` | dy (content's shape), contentOrder, styleOrder, the same attrs and `alpha` → dStyle (dy's shape, in the style's layout) |
 * | `FeatstatsEfdmixForward` | x (float32), the layout attrs, `partner` (int `[N]`), `partnerWeight` and `selfWeight` (`[N]`) → mixed (x's shape), order (int32 `[N·C, L]`) |
 * | `FeatstatsEfdmixBackward` | dy (x's shape), order, the layout attrs, `inverse` (int `[N]`) and `partnerWeight` → dx (dy's shape) |
 *
 * Per (n, c) row: the orders are the stable ascending argsorts of `argsortRows` of the
 * channel rows; the target puts the sorted style values at the content's ranks,
 * `t[contentOrder[k]] = style[styleOrder[k]]`; the backward routes α·dy back along the
 * same permutation, `dStyle[styleOrder[k]] = α·dy[contentOrder[k]]` (the product rounded
 * to float32).
 *
 * EFDMix is EFDM with x's own batch permuted as the style, so one sort serves both
 * sides: with m = partner[n], `t[n][order[n][k]] = x[m][order[m][k]]` and the output is
 * `t·(1 − λₙ) + x·λₙ` (weights rounded to float32, each product rounded, then the sum).
 * Its backward sends `(1 − λₙ)·dy[n]` to the partner along the same permutation and adds
 * the straight-through dy: with n = inverse[j], `dx[j][order[j][k]] = dy[j][order[j][k]] +
 * (1 − λₙ)·dy[n][order[n][k]]`.
 *
 * The composites below, built from the row kernels, define the semantics; the host
 * kernels (`./host/efdmRows.ts`) return identical values.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { ChannelLayout } from '../layout';
import { dispatch, type FusedKernel } from '../dispatch';
import * as host from './host/efdmRows';
import { blendRows, channelFeatures, channelRows, scaleRows, scatterRows, takeRows } from './layoutRows';
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
export const EFDMIX_FORWARD: FusedKernel = {
  name: 'FeatstatsEfdmixForward',
  backends: { cpu: host.efdmixForwardCpu, wasm: host.efdmixForwardWasm },
};
export const EFDMIX_BACKWARD: FusedKernel = {
  name: 'FeatstatsEfdmixBackward',
  backends: { cpu: host.efdmixBackwardCpu, wasm: host.efdmixBackwardWasm },
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

/** One EFDMix call's pairing: per sample n, its partner, the partner's inverse and both weights. */
export interface EfdmixPairing {
  /** `partner[n]`: the sample whose sorted values sample n takes. */
  readonly partner: readonly number[];
  /** `inverse[partner[n]] = n`. */
  readonly inverse: readonly number[];
  /** `1 − λₙ`, computed in float64 (in float32 from a λ near 1 it would lose most of its digits). */
  readonly partnerWeight: readonly number[];
  /** `λₙ`. */
  readonly selfWeight: readonly number[];
}

/** `[N·C, 1]` float32 weights: each sample's weight repeated over its C channel rows. */
function rowWeights(perSample: readonly number[], channels: number): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from({ length: perSample.length * channels }, (_, r) => perSample[Math.floor(r / channels)] as number), [perSample.length * channels, 1]);
}

/** EFDMix's mixed features and x's stable ascending order `[mixed, order]` (contract above). */
export function efdmixForward(x: tf.Tensor, layout: ChannelLayout, pairing: EfdmixPairing): [tf.Tensor, tf.Tensor2D] {
  const attrs = { ...layoutAttrs(layout), partner: [...pairing.partner], partnerWeight: [...pairing.partnerWeight], selfWeight: [...pairing.selfWeight] };
  return dispatch(EFDMIX_FORWARD, { x }, attrs, () =>
    tf.tidy(() => {
      const { batch, channels, positions } = layout;
      const rows = channelRows(x, layout);
      const order = argsortRows(rows, false);
      const sorted = tf.reshape(gatherRows(rows, order), [batch, channels * positions]) as tf.Tensor2D;
      const sortedPartners = takeRows(sorted, tf.tensor1d(pairing.partner as number[], 'int32'));
      // u[i] = partner's sorted[rank(i)], i.e. u[order[k]] = partner's sorted[k]: one
      // scatter instead of inverting the order and gathering.
      const target = scatterRows(tf.reshape(sortedPartners, [batch * channels, positions]), order, rows);
      const mixed = blendRows(target, rows, rowWeights(pairing.partnerWeight, channels), rowWeights(pairing.selfWeight, channels));
      return [channelFeatures(mixed, layout, x.shape), order];
    }),
  ) as [tf.Tensor, tf.Tensor2D];
}

/** x's gradient of {@link efdmixForward}'s output: dy plus what each partner sent back. */
export function efdmixBackward(dy: tf.Tensor, order: tf.Tensor2D, layout: ChannelLayout, pairing: EfdmixPairing): tf.Tensor {
  const attrs = { ...layoutAttrs(layout), inverse: [...pairing.inverse], partnerWeight: [...pairing.partnerWeight] };
  return dispatch(EFDMIX_BACKWARD, { dy, order }, attrs, () =>
    tf.tidy(() => {
      const { batch, channels, positions } = layout;
      // u[n] = sorted(x[perm(n)])[rank_n]: un-gather by x's order, send each sample's
      // gradient back to its partner (the inverse batch permutation), and route through
      // x's sort, sorted[k] = x[order[k]] ⇒ dx[order[k]] = dsorted[k] (a scatter). Plus
      // the straight-through dy.
      const dTarget = scaleRows(channelRows(dy, layout), rowWeights(pairing.partnerWeight, channels));
      const dPartnerSorted = tf.reshape(gatherRows(dTarget, order), [batch, channels * positions]) as tf.Tensor2D;
      const dSorted = tf.reshape(takeRows(dPartnerSorted, tf.tensor1d(pairing.inverse as number[], 'int32')), [batch * channels, positions]) as tf.Tensor2D;
      return tf.add(dy, channelFeatures(scatterRows(dSorted, order), layout, dy.shape));
    }),
  );
}
