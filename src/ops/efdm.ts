import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { efdmBackward, efdmForward } from '../_internal/kernels/efdmRows';
import { blendRows, channelFeatures, channelRows, scaleRows, scatterRows, takeRows } from '../_internal/kernels/layoutRows';
import { channelLayout } from '../_internal/layout';
import { resampleSorted, resampleSortedGrad } from '../_internal/quantiles';
import { argsortRows, gatherRows } from '../_internal/sortRows';
import {
  checkDataFormat,
  checkFeatures,
  checkNumber,
  checkOptions,
  checkStylePair,
  floatTensor,
  type DataFormat,
  type TensorInput,
} from '../_internal/validate';

const OP = 'efdm';

/** Options of {@link efdm}. */
export interface EfdmOptions {
  /** Layout of both inputs: `'NHWC'` (default) or `'NCHW'`. */
  dataFormat?: DataFormat;
  /** Blend between the matched features (1, default) and the content (0); in [0, 1]. */
  alpha?: number;
}

/**
 * Exact feature distribution matching: each content channel takes the exact empirical
 * distribution of the matching style channel while keeping its own ordering. Per (n, c),
 * with r(i) the stable ascending rank of content element i and y₍₀₎ ≤ … ≤ y₍L−1₎ the
 * sorted style values, the target is `tᵢ = y₍r(i)₎` and the output
 *
 * `x + α·(t − sg(x))`, i.e. the value `α·t + (1 − α)·x` (`sg` = stop-gradient).
 *
 * With α = 1 every output channel is a permutation of the style channel's values.
 * Gradients: the identity to the content (straight-through, as the reference code), and
 * α·dy routed to the style element that supplied each target (a permutation, O(L)).
 * Extensions beyond the reference: a style batch of 1 broadcasts over N, and a style
 * with L' ≠ L positions is resampled by linear interpolation of its sorted values at
 * `r·(L' − 1)/(L − 1)` (the gradient splits over the two neighbours); a content with a
 * single position (L = 1) reads the style's median position (L' − 1)/2.
 *
 * @param content Content features `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), float32.
 * @param style Style features of the same rank and C; batch N or 1; any spatial size.
 * @param options See {@link EfdmOptions}.
 * @returns The matched features, shaped like `content`.
 * @throws If an input is not a float32 tensor of rank ≥ 3 with no empty dimension.
 * @throws If style's rank or channels differ from content's, or its batch is neither N nor 1.
 * @throws If `alpha` is outside [0, 1].
 *
 * @example
 * ```ts
 * const content = tf.randomNormal([2, 16, 16, 8]);
 * const style = tf.randomUniform([2, 16, 16, 8]);
 * const out = efdm(content, style); // each channel: style's values in content's order
 * ```
 * @see Y. Zhang, M. Li, R. Li, K. Jia, L. Zhang, "Exact Feature Distribution Matching for Arbitrary
 *   Style Transfer and Domain Generalization", CVPR 2022.
 */
export function efdm(content: TensorInput, style: TensorInput, options?: EfdmOptions): tf.Tensor {
  const given = checkOptions(options, ['dataFormat', 'alpha'], OP);
  const dataFormat = checkDataFormat(given.dataFormat, OP);
  const alpha = checkNumber(given.alpha ?? 1, 'alpha', OP, { min: 0, max: 1 });
  return tf.tidy(`featstats.${OP}`, () => {
    const c = floatTensor(content, 'content', OP);
    const s = floatTensor(style, 'style', OP);
    checkFeatures(c, 'content', OP, dataFormat);
    checkFeatures(s, 'style', OP, dataFormat);
    checkStylePair(c, s, OP, dataFormat);
    const contentLayout = channelLayout(c.shape, dataFormat);
    const styleLayout = channelLayout(s.shape, dataFormat);
    const { batch, channels, positions } = contentLayout;
    const stylePositions = styleLayout.positions;
    const broadcastStyle = styleLayout.batch !== batch;

    // The common case (style with the content's batch and positions) runs as one fused
    // kernel each way, in the user's layout: the same sorts, gather and scatter as below.
    const matchSameSize = customGrad<[tf.Tensor, tf.Tensor]>(([contentInput, styleInput], save) => {
      const [target, contentOrder, styleOrder] = efdmForward(contentInput, styleInput, contentLayout);
      // The blend is element-wise with one weight for all, so any [rows, L] view of the
      // user's layout gives the values of the blend of channel rows below.
      let blended = target;
      if (alpha !== 1) {
        const rows: [number, number] = [batch * channels, positions];
        const targetRows = tf.reshape(target, rows) as tf.Tensor2D;
        blended = tf.reshape(blendRows(targetRows, tf.reshape(contentInput, rows), rowConstant(targetRows, alpha), rowConstant(targetRows, 1 - alpha)), c.shape);
      }
      save([contentOrder, styleOrder]);
      return {
        value: blended,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [contentOrderSaved, styleOrderSaved] = saved as [tf.Tensor2D, tf.Tensor2D];
          // As below without resampling or broadcast: dstyle[styleOrder[k]] = α·dy[contentOrder[k]].
          return [tf.clone(dy), tf.reshape(efdmBackward(dy, contentOrderSaved, styleOrderSaved, contentLayout, alpha), s.shape)];
        },
      };
    });

    const match = customGrad<[tf.Tensor, tf.Tensor]>(([contentInput, styleInput], save) => {
      const contentRows = channelRows(contentInput, contentLayout);
      const styleRows = channelRows(styleInput, styleLayout);
      const contentOrder = argsortRows(contentRows, false);
      const styleOrder = argsortRows(styleRows, false);
      let sortedStyle = gatherRows(styleRows, styleOrder);
      // A style batch of 1: row n·C + c reads style row c (tf.tile, as whole-row copies).
      if (broadcastStyle) sortedStyle = takeRows(sortedStyle, tf.tensor1d(Int32Array.from({ length: batch * channels }, (_, r) => r % channels), 'int32'));
      if (stylePositions !== positions) sortedStyle = resampleSorted(sortedStyle, positions);
      // t[i] = sorted[rank(i)] is the sorted values put back at the content's order:
      // t[order[k]] = sorted[k], one scatter instead of inverting the order and gathering.
      const target = scatterRows(sortedStyle, contentOrder, contentRows);
      // α·t + (1 − α)·x rather than x + α·(t − x): with α = 1 the output is then exactly
      // the style's values, not values rounded through x.
      const blended = alpha === 1 ? target : blendRows(target, contentRows, rowConstant(target, alpha), rowConstant(target, 1 - alpha));
      save([contentOrder, styleOrder]);
      return {
        value: channelFeatures(blended, contentLayout, c.shape),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [contentOrderSaved, styleOrderSaved] = saved as [tf.Tensor2D, tf.Tensor2D];
          // Content: straight-through, dx = dy. Style: t = resample(sorted style)[rank],
          // so reverse each step: gather by the content order (inverse of the rank
          // gather), undo the resampling, sum the broadcast, and route through the
          // style's own sort, sorted[k] = style[order[k]] ⇒ dstyle[order[k]] = dsorted[k]
          // (a scatter of a permutation: no sums). α = 1 skips the multiply (exact).
          const dyRows = channelRows(dy, contentLayout);
          const dTarget = alpha === 1 ? dyRows : scaleRows(dyRows, rowConstant(dyRows, alpha));
          let dSorted = gatherRows(dTarget, contentOrderSaved);
          if (stylePositions !== positions) dSorted = resampleSortedGrad(dSorted, stylePositions);
          if (broadcastStyle) dSorted = tf.sum(tf.reshape(dSorted, [batch, -1, stylePositions]), 0);
          const dStyleRows = scatterRows(dSorted, styleOrderSaved);
          return [tf.clone(dy), channelFeatures(dStyleRows, styleLayout, s.shape)];
        },
      };
    });
    return broadcastStyle || stylePositions !== positions ? match(c, s) : matchSameSize(c, s);
  });
}

/** `[R, 1]` float32 filled with `value`, one per row of `rows`. */
function rowConstant(rows: tf.Tensor2D, value: number): tf.Tensor2D {
  return tf.fill([rows.shape[0], 1], value, 'float32');
}
