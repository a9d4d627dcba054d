import * as tf from '@tensorflow/tfjs-core';

import { checkValueOrRange, drawInRange } from '../_internal/corruption';
import { customGrad } from '../_internal/customGrad';
import { maskPositions } from '../_internal/kernels/corruption/contract';
import { drawMasksCompiled } from '../_internal/kernels/corruption/host/maskDraw';
import { compiledBuildMissing, hostOptions, type HostOptions } from '../_internal/kernels/host/options';
import { channelLayout } from '../_internal/layout';
import { seededUniform } from '../_internal/random';
import { sampleWithoutReplacement } from '../_internal/sampling';
import { checkDataFormat, checkFeatures, checkOptions, floatTensor, resolveSeed, type DataFormat } from '../_internal/validate';

const OP = 'randomMask';

/** Options of {@link randomMask}. */
export interface RandomMaskOptions {
  /**
   * Fraction of each image's spatial positions to remove: a number in [0, 1], or a range
   * `[lo, hi]` (0 ≤ lo ≤ hi ≤ 1) from which each image draws its own fraction uniformly.
   * Required.
   */
  fraction: number | readonly [number, number];
  /** Seed of the masks (and drawn fractions), an integer in [−2³¹, 2³² − 1]; random per call when omitted. */
  seed?: number;
  /** Layout of the images: `'NHWC'` (default) or `'NCHW'` (rank ≥ 4), `'NWC'` or `'NCW'` for one spatial axis (rank 3). */
  dataFormat?: DataFormat;
}

/**
 * Random pixel removal, the inpainting operator of Ravula et al.: each image loses
 * exactly k = ⌊L·f⌋ of its L spatial positions, chosen uniformly among all sets of k
 * positions, with the same positions removed in every channel:
 *
 * `y = x ⊙ m`, m ∈ {0, 1} per (n, position), broadcast over C, with k zeros per image.
 *
 * f is `fraction`, or drawn per image from U[lo, hi) for a range. A product L·f within
 * float64 rounding of an integer counts as that integer (0.29 of 100 positions removes 29;
 * the reference's `int(h*w*p)` gives 28). The masks are drawn on the host from `seed`
 * (image by image: its fraction, then its positions), so they are identical on every
 * backend, and a batch's first images do not depend on the batch size.
 *
 * Gradient: the mask is constant, so `dx = dy ⊙ m`.
 *
 * @param images Images `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), float32 or int32, rank ≥ 4, or 3 (`[N, L, C]`/`[N, C, L]`) for 'NWC'/'NCW'.
 * @param options See {@link RandomMaskOptions}; `fraction` is required.
 * @returns The masked images, shaped like `images`.
 * @throws If images is not a non-empty float32 or int32 tensor of rank ≥ 4 ('NHWC'/'NCHW') or 3 ('NWC'/'NCW').
 * @throws If fraction is neither a number in [0, 1] nor a range [lo, hi] with 0 ≤ lo ≤ hi ≤ 1.
 * @throws If seed is not an integer in [−2³¹, 2³² − 1].
 * @throws If dataFormat is not 'NHWC' or 'NCHW', or options name an unknown key.
 *
 * @example
 * ```ts
 * const images = tf.ones([2, 4, 4, 3]);
 * const masked = randomMask(images, { fraction: 0.25, seed: 1 });
 * tf.sum(tf.equal(masked, 0), [1, 2, 3]); // [12, 12]
 * const varied = randomMask(images, { fraction: [0.5, 0.9] }); // a fraction per image
 * ```
 * @see S. Ravula, G. Smyrnis, M. Jordan, A. G. Dimakis, "Inverse Problems Leveraging
 *   Pre-trained Contrastive Representations", NeurIPS 2021.
 */
export function randomMask<T extends tf.Tensor>(images: T | tf.TensorLike, options: RandomMaskOptions): T {
  const given = checkOptions(options, ['fraction', 'seed', 'dataFormat'], OP);
  const dataFormat = checkDataFormat(given.dataFormat, OP);
  const fraction = checkValueOrRange(given.fraction, 'fraction', OP, { min: 0, max: 1 });
  const seed = resolveSeed(given.seed, OP);
  return tf.tidy(`featstats.${OP}`, () => {
    const input = floatTensor(images, 'images', OP);
    const order = checkFeatures(input, 'images', OP, dataFormat);
    const { batch, positions } = channelLayout(input.shape, order);
    const mask = drawMasks(batch, positions, fraction, seed);
    const channelsLast = order === 'NHWC';
    const apply = customGrad<[tf.Tensor]>(([value], save) => {
      // Made inside the forward and saved, so the backward (which may run after this
      // tidy) reuses the tensor instead of uploading the mask again; untaped, nothing is kept.
      const maskTensor = tf.tensor2d(mask, [batch, positions], 'float32');
      save([maskTensor]);
      return {
        value: maskPositions(value, maskTensor, channelsLast),
        // y = x ⊙ m with m independent of x: ∂yᵢ/∂xᵢ = mᵢ, so dx = dy ⊙ m.
        gradFunc: (dy, [savedMask]) => [maskPositions(dy, savedMask as tf.Tensor2D, channelsLast)],
      };
    });
    return apply(input);
  }) as T;
}

/** ⌊L·f⌋, taking a product within float64 rounding of an integer as that integer. */
export function removedCount(positions: number, fraction: number): number {
  const product = positions * fraction;
  const nearest = Math.round(product);
  return Math.abs(product - nearest) <= 4 * Number.EPSILON * nearest ? nearest : Math.floor(product);
}

/**
 * The masks of one call, `[N·L]` (1 kept, 0 removed), image by image from `seed`: the
 * image's fraction (drawn only for a proper range), then its removed positions. Host
 * arrays, not tensors. Drawn in WebAssembly where it can run (the host options'
 * `webAssembly`: 'off' takes the TypeScript draw, 'required' throws where the module
 * cannot run), with the same values: {@link drawMasksTypeScript} is the reference. Exported
 * for tests, not from the package.
 */
export function drawMasks(batch: number, positions: number, fraction: readonly [number, number], seed: number, options: HostOptions = hostOptions()): Float32Array {
  if (options.webAssembly !== 'off') {
    const masks = drawMasksCompiled(batch, positions, (uniform) => removedCount(positions, drawInRange(fraction, uniform)), seed);
    if (masks !== undefined) return masks;
    if (options.webAssembly === 'required') throw compiledBuildMissing('the mask draw');
  }
  return drawMasksTypeScript(batch, positions, fraction, seed);
}

/** {@link drawMasks} in TypeScript: the reference of the compiled draw, and where it cannot run. */
export function drawMasksTypeScript(batch: number, positions: number, fraction: readonly [number, number], seed: number): Float32Array {
  const uniform = seededUniform(seed);
  const mask = new Float32Array(batch * positions).fill(1);
  for (let n = 0; n < batch; n++) {
    const count = removedCount(positions, drawInRange(fraction, uniform));
    const removed = sampleWithoutReplacement(positions, count, uniform);
    for (let k = 0; k < removed.length; k++) mask[n * positions + (removed[k] as number)] = 0;
  }
  return mask;
}
