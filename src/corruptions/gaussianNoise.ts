import * as tf from '@tensorflow/tfjs-core';

import { checkValueOrRange, drawInRange } from '../_internal/corruption';
import { customGrad } from '../_internal/customGrad';
import { channelLayout } from '../_internal/layout';
import { seededUniform } from '../_internal/random';
import { checkDataFormat, checkFeatures, checkOptions, floatTensor, resolveSeed, type DataFormat } from '../_internal/validate';

const OP = 'gaussianNoise';

/** Options of {@link gaussianNoise}. */
export interface GaussianNoiseOptions {
  /**
   * Standard deviation of the noise: a number ≥ 0, or a range `[lo, hi]` (0 ≤ lo ≤ hi)
   * from which each image draws its own σ uniformly. Required.
   */
  std: number | readonly [number, number];
  /** Seed of the noise (and drawn σ), an integer in [−2³¹, 2³² − 1]; random per call when omitted. */
  seed?: number;
  /** Layout of the images: `'NHWC'` (default) or `'NCHW'` (rank ≥ 4), `'NWC'` or `'NCW'` for one spatial axis (rank 3). */
  dataFormat?: DataFormat;
}

/**
 * Additive white Gaussian noise, the denoising operator of Ravula et al.:
 *
 * `y = x + σₙ·z`, z ~ N(0, 1) independently per element, no clipping,
 *
 * with σₙ = `std`, or drawn per image from U[lo, hi) for a range. The noise is drawn on
 * the host from `seed` (Box–Muller over the library's seeded generator, image by image:
 * its σ, then its values in `[...S, C]` order), not with `tf.randomNormal`, whose stream
 * differs between backends: a seed gives the same noise on every backend and in both
 * layouts, and a batch's first images do not depend on the batch size. Drawing costs
 * host time proportional to the number of elements.
 *
 * Gradient: the noise does not depend on x, so `dx = dy`.
 *
 * @param images Images `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), float32 or int32, rank ≥ 4, or 3 (`[N, L, C]`/`[N, C, L]`) for 'NWC'/'NCW'.
 * @param options See {@link GaussianNoiseOptions}; `std` is required.
 * @returns The noisy images, shaped like `images`.
 * @throws If images is not a non-empty float32 or int32 tensor of rank ≥ 4 ('NHWC'/'NCHW') or 3 ('NWC'/'NCW').
 * @throws If std is neither a number ≥ 0 nor a range [lo, hi] with 0 ≤ lo ≤ hi.
 * @throws If seed is not an integer in [−2³¹, 2³² − 1].
 * @throws If dataFormat is not 'NHWC' or 'NCHW', or options name an unknown key.
 *
 * @example
 * ```ts
 * const images = tf.fill([2, 8, 8, 3], 0.5);
 * const noisy = gaussianNoise(images, { std: [0.05, 0.2], seed: 3 }); // a σ per image
 * noisy.shape; // [2, 8, 8, 3]
 * gaussianNoise(tf.tensor4d([[[[0.5]]]]), { std: 0 }); // [[[[0.5]]]]
 * ```
 * @see S. Ravula, G. Smyrnis, M. Jordan, A. G. Dimakis, "Inverse Problems Leveraging
 *   Pre-trained Contrastive Representations", NeurIPS 2021.
 */
export function gaussianNoise<T extends tf.Tensor>(images: T | tf.TensorLike, options: GaussianNoiseOptions): T {
  const given = checkOptions(options, ['std', 'seed', 'dataFormat'], OP);
  const dataFormat = checkDataFormat(given.dataFormat, OP);
  const std = checkValueOrRange(given.std, 'std', OP, { min: 0 });
  const seed = resolveSeed(given.seed, OP);
  return tf.tidy(`featstats.${OP}`, () => {
    const input = floatTensor(images, 'images', OP);
    const order = checkFeatures(input, 'images', OP, dataFormat);
    const noise = drawNoise(input.shape, order, std, seed);
    const add = customGrad<[tf.Tensor]>(([value]) => ({
      value: tf.add(value, tf.tensor(noise, value.shape, 'float32')),
      // y = x + σ·z with σ·z independent of x: ∂y/∂x = I, so dx = dy.
      gradFunc: (dy) => [tf.clone(dy)],
    }));
    return add(input);
  }) as T;
}

/**
 * The noise σₙ·z of one call, laid out like the images, drawn image by image from
 * `seed`: σₙ (only for a proper range), then L·C normals in `[...S, C]` order whatever
 * the layout. A host array, not a tensor. Exported for tests, not from the package.
 */
export function drawNoise(shape: readonly number[], dataFormat: DataFormat, std: readonly [number, number], seed: number): Float32Array {
  const { batch, channels, positions, dataFormat: order } = channelLayout(shape, dataFormat);
  const uniform = seededUniform(seed);
  const size = positions * channels;
  const noise = new Float32Array(batch * size);
  // The uniforms of a stretch of pairs at a time (two per pair, the second of an odd
  // last pair drawn and unused, as one draw per call would).
  const uniforms = new Float64Array(Math.min(2 * Math.ceil(size / 2), UNIFORMS_PER_FILL));
  // Box–Muller as in fillStandardNormal (both variates of a pair of uniforms, in the
  // same float64 operations), written straight into the output: no float64 staging
  // array and no second pass, which cost as much as the draws.
  const channelsLast = order === 'NHWC';
  for (let n = 0; n < batch; n++) {
    const sigma = drawInRange(std, uniform);
    const base = n * size;
    for (let first = 0; first < size; first += uniforms.length) {
      const pairs = Math.min(uniforms.length / 2, Math.ceil((size - first) / 2));
      uniform.fill(uniforms, 2 * pairs);
      for (let p = 0; p < pairs; p++) {
        const i = first + 2 * p;
        const radius = Math.sqrt(-2 * Math.log(1 - (uniforms[2 * p] as number)));
        const angle = 2 * Math.PI * (uniforms[2 * p + 1] as number);
        // Draw i is element (l, c) = (⌊i / C⌋, i mod C) of the image's [...S, C] order.
        noise[base + (channelsLast ? i : (i % channels) * positions + Math.floor(i / channels))] = sigma * (radius * Math.cos(angle));
        const j = i + 1;
        if (j < size) noise[base + (channelsLast ? j : (j % channels) * positions + Math.floor(j / channels))] = sigma * (radius * Math.sin(angle));
      }
    }
  }
  return noise;
}

/** Uniforms drawn per fill (an even number: 64 KiB of float64). */
const UNIFORMS_PER_FILL = 8192;
