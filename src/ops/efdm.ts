import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { efdmStyleGradient, efdmTarget, rowConstant } from '../_internal/kernels/efdm/contract';
import { blendRows } from '../_internal/kernels/sort/contract';
import { opError } from '../_internal/errors';
import { channelLayout } from '../_internal/layout';
import { drawTiePermutations, permutePositions, tieTensor, unpermuteOrder, unpermutePositions, type TiePolicy } from '../_internal/ties';
import {
  checkChoice,
  checkDataFormat,
  checkFeatures,
  checkNumber,
  checkOptions,
  checkStylePair,
  describeValue,
  floatTensor,
  resolveSeed,
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
  /**
   * How equal content values within a channel share out the style's values.
   * `'stable'` (default): by position, the lower index first, bit-identical on every
   * backend (the reference's `torch.sort` does not promise an order for ties) — a channel
   * with many equal values (a photo's zeros) takes the style's values in raster order.
   * `'random'`: in the order of a random permutation of the positions drawn from `seed`
   * per channel, so tied positions take the style's values in no spatial order; the same
   * on every backend for a given seed.
   */
  ties?: TiePolicy;
  /**
   * Seed of the `ties: 'random'` permutations, an integer in [−2³¹, 2³² − 1]; random per
   * call when omitted. Only with `ties: 'random'`.
   */
  seed?: number;
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
  const given = checkOptions(options, ['dataFormat', 'alpha', 'ties', 'seed'], OP);
  const dataFormat = checkDataFormat(given.dataFormat, OP);
  const alpha = checkNumber(given.alpha ?? 1, 'alpha', OP, { min: 0, max: 1 });
  const ties = checkChoice<TiePolicy>(given.ties, 'ties', OP, ['stable', 'random'], 'stable');
  if (ties === 'stable' && given.seed !== undefined) throw opError(OP, `seed must only be given with ties: 'random' but got ${describeValue(given.seed)}`);
  const seed = resolveSeed(given.seed, OP);
  return tf.tidy(`featstats.${OP}`, () => {
    const c = floatTensor(content, 'content', OP);
    const s = floatTensor(style, 'style', OP);
    const order = checkFeatures(c, 'content', OP, dataFormat);
    checkFeatures(s, 'style', OP, dataFormat);
    checkStylePair(c, s, OP, order);
    const layouts = { content: channelLayout(c.shape, order), style: channelLayout(s.shape, order) };
    const { batch, channels, positions } = layouts.content;
    // Drawn before the customGrad, as host data: the backward needs nothing of them.
    const tiePermutations = ties === 'random' ? drawTiePermutations(batch * channels, positions, seed) : undefined;

    // The target and the style's gradient are kernels of kernels/efdm (fused on cpu and
    // wasm for a style with the content's batch and positions; the composite resamples a
    // style of another size and broadcasts a style batch of 1).
    const match = customGrad<[tf.Tensor, tf.Tensor]>(([contentInput, styleInput], save) => {
      // Random ties: match the content with its positions permuted (the stable rank of the
      // permuted row breaks ties in the permutation's order), then put the target and the
      // content's order back in the content's own positions (src/_internal/ties.ts).
      const perm = tiePermutations === undefined ? undefined : tieTensor(tiePermutations, layouts.content);
      const matched = efdmTarget(perm === undefined ? contentInput : permutePositions(contentInput, layouts.content, perm), styleInput, layouts);
      const { styleOrder } = matched;
      const target = perm === undefined ? matched.target : unpermutePositions(matched.target, layouts.content, perm);
      const contentOrder = perm === undefined ? matched.contentOrder : unpermuteOrder(matched.contentOrder, perm);
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
