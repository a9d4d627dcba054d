/**
 * The EFDM and EFDMix kernels, in the user's layout:
 *
 * | kernel | inputs → outputs |
 * |---|---|
 * | `FeatstatsEfdmTarget`          | content, style (float32, same N, C and L), attrs `batch`, `channels`, `positions`, `dataFormat` → target (content's shape), contentOrder, styleOrder (int32 `[N·C, L]`) |
 * | `FeatstatsEfdmStyleGradient`   | dy (content's shape), contentOrder, styleOrder, the same attrs and `alpha` → dStyle (dy's shape, in the style's layout) |
 * | `FeatstatsEfdmixForward`       | x (float32), the layout attrs, `partner` (int `[N]`), `partnerWeight` and `selfWeight` (`[N]`) → mixed (x's shape), order (int32 `[N·C, L]`) |
 * | `FeatstatsEfdmixInputGradient` | dy (x's shape), order, the layout attrs, `inverse` (int `[N]`) and `partnerWeight` → dx (dy's shape) |
 *
 * EFDM, per (n, c) row: the orders are the stable ascending argsorts (`argsortRows`) of
 * the channel rows; the target puts the sorted style values at the content's ranks,
 * `t[contentOrder[k]] = style[styleOrder[k]]`; the style's gradient routes α·dy back along
 * the same permutation, `dStyle[styleOrder[k]] = α·dy[contentOrder[k]]` (the product
 * rounded to float32). {@link efdmTarget} and {@link efdmStyleGradient} also take a style
 * of batch 1 (row n·C + c reads style row c; its gradient sums over n) and a style of L'
 * ≠ L positions (its sorted values resampled, `../../quantiles.ts`): their composites
 * define every case, and the fused kernels take the common one, the style with the
 * content's batch and L.
 *
 * EFDMix is EFDM with x's own batch permuted as the style, so one sort serves both
 * sides: with m = partner[n], `t[n][order[n][k]] = x[m][order[m][k]]` and the output is
 * `t·(1 − λₙ) + x·λₙ` (weights rounded to float32, each product rounded, then the sum).
 * Its input gradient sends `(1 − λₙ)·dy[n]` to the partner along the same permutation
 * and adds the straight-through dy: with n = inverse[j], `dx[j][order[j][k]] =
 * dy[j][order[j][k]] + (1 − λₙ)·dy[n][order[n][k]]`.
 *
 * The composites below, built from the row kernels, define the semantics; the host
 * kernels (`./host/`) return identical values. webgl has none: there the composites run,
 * whose row kernels are GPU shaders.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { ChannelLayout } from '../../layout';
import { resampleSorted, resampleSortedGrad } from '../../quantiles';
import { dispatch, type FusedKernel } from '../dispatch';
import { argsortRows, blendRows, channelRows, fromChannelRows, gatherRows, scaleRows, scatterRows, takeRows } from '../sort/contract';
import { efdmStyleGradientCpu, efdmStyleGradientWasm } from './host/efdmStyleGradient';
import { efdmTargetCpu, efdmTargetWasm } from './host/efdmTarget';
import { efdmixForwardCpu, efdmixForwardWasm } from './host/efdmixForward';
import { efdmixInputGradientCpu, efdmixInputGradientWasm } from './host/efdmixInputGradient';

export const EFDM_TARGET: FusedKernel = { name: 'FeatstatsEfdmTarget', backends: { cpu: efdmTargetCpu, wasm: efdmTargetWasm } };
export const EFDM_STYLE_GRADIENT: FusedKernel = { name: 'FeatstatsEfdmStyleGradient', backends: { cpu: efdmStyleGradientCpu, wasm: efdmStyleGradientWasm } };
export const EFDMIX_FORWARD: FusedKernel = { name: 'FeatstatsEfdmixForward', backends: { cpu: efdmixForwardCpu, wasm: efdmixForwardWasm } };
export const EFDMIX_INPUT_GRADIENT: FusedKernel = { name: 'FeatstatsEfdmixInputGradient', backends: { cpu: efdmixInputGradientCpu, wasm: efdmixInputGradientWasm } };

/** The layouts of EFDM's two inputs (same rank, C and data format). */
export interface EfdmLayouts {
  readonly content: ChannelLayout;
  /** Batch N or 1, any number of positions. */
  readonly style: ChannelLayout;
}

/** What the style's gradient needs of the forward. */
export interface EfdmOrders {
  /** The content rows' stable ascending orders, int32 `[N·C, L]`. */
  readonly contentOrder: tf.Tensor2D;
  /** The style rows' stable ascending orders, int32 `[N'·C, L']`. */
  readonly styleOrder: tf.Tensor2D;
}

export interface EfdmTarget extends EfdmOrders {
  /** The sorted style values at the content's ranks, shaped like the content. */
  readonly target: tf.Tensor;
}

function layoutAttrs(layout: ChannelLayout): tf.NamedAttrMap {
  return { batch: layout.batch, channels: layout.channels, positions: layout.positions, dataFormat: layout.dataFormat };
}

/** Whether the fused kernels take the pair: a style with the content's batch and L. */
function sameSize({ content, style }: EfdmLayouts): boolean {
  return style.batch === content.batch && style.positions === content.positions;
}

/** EFDM's target with α = 1 and both stable ascending orders. */
export function efdmTarget(content: tf.Tensor, style: tf.Tensor, layouts: EfdmLayouts): EfdmTarget {
  const composite = () =>
    tf.tidy(() => {
      const { batch, channels, positions } = layouts.content;
      const contentRows = channelRows(content, layouts.content);
      const styleRows = channelRows(style, layouts.style);
      const contentOrder = argsortRows(contentRows, false);
      const styleOrder = argsortRows(styleRows, false);
      let sortedStyle = gatherRows(styleRows, styleOrder);
      // A style batch of 1: row n·C + c reads style row c (tf.tile, as whole-row copies).
      if (layouts.style.batch !== batch) sortedStyle = takeRows(sortedStyle, tf.tensor1d(Int32Array.from({ length: batch * channels }, (_, r) => r % channels), 'int32'));
      if (layouts.style.positions !== positions) sortedStyle = resampleSorted(sortedStyle, positions);
      // t[i] = sorted[rank(i)] is the sorted values put back at the content's order:
      // t[order[k]] = sorted[k], one scatter instead of inverting the order and gathering.
      const target = scatterRows(sortedStyle, contentOrder, contentRows);
      return [fromChannelRows(target, layouts.content), contentOrder, styleOrder];
    });
  const [target, contentOrder, styleOrder] = (sameSize(layouts) ? dispatch(EFDM_TARGET, { content, style }, layoutAttrs(layouts.content), composite) : composite()) as [
    tf.Tensor,
    tf.Tensor2D,
    tf.Tensor2D,
  ];
  return { target, contentOrder, styleOrder };
}

/**
 * The style's gradient of {@link efdmTarget}'s target times α, shaped like the style:
 * undo the gather by the content's ranks, the resampling and the broadcast, then route
 * through the style's own sort, sorted[k] = style[order[k]] ⇒ dStyle[order[k]] =
 * dSorted[k] (a scatter of a permutation: no sums). α = 1 skips the multiply (exact).
 */
export function efdmStyleGradient(dy: tf.Tensor, { contentOrder, styleOrder, layouts, alpha }: EfdmOrders & { readonly layouts: EfdmLayouts; readonly alpha: number }): tf.Tensor {
  const composite = () =>
    tf.tidy(() => {
      const { batch } = layouts.content;
      const stylePositions = layouts.style.positions;
      const dyRows = channelRows(dy, layouts.content);
      const dTarget = alpha === 1 ? dyRows : scaleRows(dyRows, rowConstant(dyRows, alpha));
      let dSorted = gatherRows(dTarget, contentOrder);
      if (stylePositions !== layouts.content.positions) dSorted = resampleSortedGrad(dSorted, stylePositions);
      if (layouts.style.batch !== batch) dSorted = tf.sum(tf.reshape(dSorted, [batch, -1, stylePositions]), 0);
      return fromChannelRows(scatterRows(dSorted, styleOrder), layouts.style);
    });
  if (!sameSize(layouts)) return composite();
  const dStyle = dispatch(EFDM_STYLE_GRADIENT, { dy, contentOrder, styleOrder }, { ...layoutAttrs(layouts.content), alpha }, composite);
  // The kernel writes dStyle in dy's shape; a style of another spatial shape with the same L has the same elements.
  return tf.util.arraysEqual(dStyle.shape, [...layouts.style.shape]) ? dStyle : tf.reshape(dStyle, [...layouts.style.shape]);
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

/** `[R, 1]` float32 filled with `value`, one per row of `rows`. */
export function rowConstant(rows: tf.Tensor2D, value: number): tf.Tensor2D {
  return tf.fill([rows.shape[0], 1], value, 'float32');
}

/** `[N·C, 1]` float32 weights: each sample's weight repeated over its C channel rows. */
function rowWeights(perSample: readonly number[], channels: number): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from({ length: perSample.length * channels }, (_, r) => perSample[Math.floor(r / channels)] as number), [perSample.length * channels, 1]);
}

export interface EfdmixMixed {
  /** The mixed features, shaped like x. */
  readonly mixed: tf.Tensor;
  /** x's channel rows' stable ascending orders, int32 `[N·C, L]`. */
  readonly order: tf.Tensor2D;
}

/** EFDMix's mixed features and x's stable ascending order (contract above). */
export function efdmixForward(x: tf.Tensor, { layout, pairing }: { readonly layout: ChannelLayout; readonly pairing: EfdmixPairing }): EfdmixMixed {
  const attrs = { ...layoutAttrs(layout), partner: [...pairing.partner], partnerWeight: [...pairing.partnerWeight], selfWeight: [...pairing.selfWeight] };
  const [mixed, order] = dispatch(EFDMIX_FORWARD, { x }, attrs, () =>
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
      return [fromChannelRows(mixed, layout), order];
    }),
  ) as [tf.Tensor, tf.Tensor2D];
  return { mixed, order };
}

/** x's gradient of {@link efdmixForward}'s output: dy plus what each partner sent back. */
export function efdmixInputGradient(dy: tf.Tensor, { order, layout, pairing }: { readonly order: tf.Tensor2D; readonly layout: ChannelLayout; readonly pairing: EfdmixPairing }): tf.Tensor {
  const attrs = { ...layoutAttrs(layout), inverse: [...pairing.inverse], partnerWeight: [...pairing.partnerWeight] };
  return dispatch(EFDMIX_INPUT_GRADIENT, { dy, order }, attrs, () =>
    tf.tidy(() => {
      const { batch, channels, positions } = layout;
      // u[n] = sorted(x[perm(n)])[rank_n]: un-gather by x's order, send each sample's
      // gradient back to its partner (the inverse batch permutation), and route through
      // x's sort, sorted[k] = x[order[k]] ⇒ dx[order[k]] = dsorted[k] (a scatter). Plus
      // the straight-through dy.
      const dTarget = scaleRows(channelRows(dy, layout), rowWeights(pairing.partnerWeight, channels));
      const dPartnerSorted = tf.reshape(gatherRows(dTarget, order), [batch, channels * positions]) as tf.Tensor2D;
      const dSorted = tf.reshape(takeRows(dPartnerSorted, tf.tensor1d(pairing.inverse as number[], 'int32')), [batch * channels, positions]) as tf.Tensor2D;
      return tf.add(dy, fromChannelRows(scatterRows(dSorted, order), layout));
    }),
  );
}
