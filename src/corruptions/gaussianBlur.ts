import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { opError } from '../_internal/errors';
import { applyAlongAxes, gaussianMatrix } from '../_internal/gaussian';
import { channelLayout } from '../_internal/layout';
import { checkDataFormat, checkFeatures, checkNumber, checkOptions, describeValue, floatTensor, type DataFormat } from '../_internal/validate';

const OP = 'gaussianBlur';

/**
 * Largest kernel: the taps are built on the host, one per element of the kernel, and a
 * tap further than 39σ from the centre is exactly 0 in float64, so larger kernels (the
 * paper uses 37) would only cost time; the bound keeps the tap array allocatable.
 */
const MAX_KERNEL_SIZE = 65535;

/** Options of {@link gaussianBlur}. */
export interface GaussianBlurOptions {
  /** Taps of the kernel along each spatial axis: a positive odd integer. Required. */
  kernelSize: number;
  /** Standard deviation of the Gaussian, in pixels; > 0. Required. */
  sigma: number;
  /** Layout of the images: `'NHWC'` (default) or `'NCHW'` (rank ≥ 4), `'NWC'` or `'NCW'` for one spatial axis (rank 3). */
  dataFormat?: DataFormat;
}

/**
 * Gaussian blur, the deblurring operator of Ravula et al.: a separable Gaussian over every
 * spatial axis with reflection padding. Along each spatial axis of length L, with
 * r = (kernelSize − 1)/2,
 *
 * `y[i] = Σ_{k=−r..r} w_k·x[reflect(i + k)]`, `w_k = exp(−k²/(2σ²)) / Σ_j exp(−j²/(2σ²))`,
 *
 * where reflect mirrors without repeating the edge (… x₂ x₁ | x₀ x₁ … x_{L−1} | x_{L−2} …),
 * folding again as often as needed, so a kernel larger than the image works (kernel 37
 * with σ 9, the paper's setting, on any image size). For r < L this is torchvision's
 * `GaussianBlur(kernel_size, sigma)` (whose reflect padding needs r < L). Channels and
 * images are blurred independently; the weights sum to 1, so a constant image is kept
 * (up to the float32 rounding of the weights).
 *
 * Gradient: the blur is a linear map B (a product of per-axis `[L, L]` matrices with
 * the reflection folded in), so `dx = Bᵀ·dy`: the transposed matrices, exact at borders.
 *
 * @param images Images `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), float32 or int32, rank ≥ 4, or 3 (`[N, L, C]`/`[N, C, L]`) for 'NWC'/'NCW'.
 * @param options See {@link GaussianBlurOptions}; `kernelSize` and `sigma` are required.
 * @returns The blurred images, shaped like `images`.
 * @throws If images is not a non-empty float32 or int32 tensor of rank ≥ 4 ('NHWC'/'NCHW') or 3 ('NWC'/'NCW').
 * @throws If kernelSize is not a positive odd integer ≤ 65535.
 * @throws If sigma is not a finite number > 0.
 * @throws If dataFormat is not 'NHWC' or 'NCHW', or options name an unknown key.
 *
 * @example
 * ```ts
 * const images = tf.randomUniform([2, 24, 24, 3]);
 * const blurred = gaussianBlur(images, { kernelSize: 37, sigma: 9 }); // the paper's setting
 * blurred.shape; // [2, 24, 24, 3]
 * ```
 * @see S. Ravula, G. Smyrnis, M. Jordan, A. G. Dimakis, "Inverse Problems Leveraging
 *   Pre-trained Contrastive Representations", NeurIPS 2021.
 */
export function gaussianBlur<T extends tf.Tensor>(images: T | tf.TensorLike, options: GaussianBlurOptions): T {
  const given = checkOptions(options, ['kernelSize', 'sigma', 'dataFormat'], OP);
  const dataFormat = checkDataFormat(given.dataFormat, OP);
  const { kernelSize } = given;
  if (typeof kernelSize !== 'number' || !Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize > MAX_KERNEL_SIZE || kernelSize % 2 === 0) {
    throw opError(OP, `kernelSize must be a positive odd integer <= ${MAX_KERNEL_SIZE} but got ${describeValue(kernelSize)}`);
  }
  const sigma = checkNumber(given.sigma, 'sigma', OP, { min: 0, minExclusive: true });
  return tf.tidy(`featstats.${OP}`, () => {
    const input = floatTensor(images, 'images', OP);
    const order = checkFeatures(input, 'images', OP, dataFormat);
    const { spatialShape } = channelLayout(input.shape, order);
    const firstSpatialAxis = order === 'NHWC' ? 1 : 2;
    // Axes of length 1 are left alone: any kernel reflected onto one position is 1.
    const axes = spatialShape.map((_, i) => firstSpatialAxis + i).filter((axis) => (input.shape[axis] as number) > 1);
    // Below σ = 1e-100 every off-centre tap exp(−k²/(2σ²)) is exactly 0 in float64 (the
    // identity), but σ² underflows to 0 below 1e-154 and the centre tap becomes 0/0 = NaN.
    const matrices = axes.map((axis) => gaussianMatrix(input.shape[axis] as number, Math.max(sigma, 1e-100), kernelSize));
    // A clone when nothing is blurred: the output must be a new tensor, which a caller
    // may dispose without disposing the images (and so must the gradient be).
    const smooth = (t: tf.Tensor, transpose: boolean) => (axes.length === 0 ? tf.clone(t) : applyAlongAxes(t, axes, matrices, transpose));
    const blur = customGrad<[tf.Tensor]>(([value]) => ({
      value: smooth(value, false),
      // y = B·x, B linear and independent of x: dx = Bᵀ·dy, the same per-axis products
      // with each matrix transposed (host arrays, so nothing of this tidy is needed).
      gradFunc: (dy) => [smooth(dy, true)],
    }));
    return blur(input);
  }) as T;
}
