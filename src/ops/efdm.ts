import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { efdmStyleGradient, efdmTarget, rowConstant } from '../_internal/kernels/efdm/contract';
import { blendRows } from '../_internal/kernels/sort/contract';
import { channelLayout } from '../_internal/layout';
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
  /**
   * Layout of both inputs: `'NHWC'` (default) or `'NCHW'` for images (rank ≥ 4), `'NWC'` or
   * `'NCW'` for sequences (rank 3).
   */
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
 * @param content Content features `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), float32 or int32.
 * @param style Style features of the same rank and C; batch N or 1; any spatial size.
 * @param options See {@link EfdmOptions}.
 * @returns The matched features, shaped like `content`.
 * @throws If an input is not a float32 or int32 tensor of rank ≥ 4 ('NHWC'/'NCHW') or 3 ('NWC'/'NCW') with no empty dimension.
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
export function efdm<T extends tf.Tensor>(content: T | tf.TensorLike, style: TensorInput, options?: EfdmOptions): T {
  const given = checkOptions(options, ['dataFormat', 'alpha'], OP);
  const dataFormat = checkDataFormat(given.dataFormat, OP);
  const alpha = checkNumber(given.alpha ?? 1, 'alpha', OP, { min: 0, max: 1 });
  return tf.tidy(`featstats.${OP}`, () => {
    const c = floatTensor(content, 'content', OP);
    const s = floatTensor(style, 'style', OP);
    const order = checkFeatures(c, 'content', OP, dataFormat);
    checkFeatures(s, 'style', OP, dataFormat);
    checkStylePair(c, s, OP, order);
    const layouts = { content: channelLayout(c.shape, order), style: channelLayout(s.shape, order) };
    const { batch, channels, positions } = layouts.content;

    // The target and the style's gradient are kernels of kernels/efdm (fused on cpu and
    // wasm for a style with the content's batch and positions; the composite resamples a
    // style of another size and broadcasts a style batch of 1).
    const match = customGrad<[tf.Tensor, tf.Tensor]>(([contentInput, styleInput], save) => {
      const { target, contentOrder, styleOrder } = efdmTarget(contentInput, styleInput, layouts);
      // α·t + (1 − α)·x rather than x + α·(t − x): with α = 1 the output is then exactly
      // the style's values, not values rounded through x. The blend is element-wise with
      // one weight for all, so any [rows, L] view of the user's layout serves.
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
          // Content: straight-through, dx = dy. Style: α·dy routed back to the style
          // element that supplied each target (kernels/efdm/contract.ts).
          return [tf.clone(dy), efdmStyleGradient(dy, { contentOrder: contentOrderSaved, styleOrder: styleOrderSaved, layouts, alpha })];
        },
      };
    });
    return match(c, s);
  }) as T;
}
