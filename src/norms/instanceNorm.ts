import * as tf from '@tensorflow/tfjs-core';

import { channelFeatureLayout, instanceNormView } from '../_internal/kernels/statistics/view';
import { channelLayout } from '../_internal/layout';
import { normalize } from '../_internal/normalize';
import { affineTensor, NORM_OPTION_KEYS, resolveNormScalars, type NormOptions } from '../_internal/normOptions';
import { checkFeatures, checkOptions, floatTensor } from '../_internal/validate';

const OP = 'instanceNorm';

/** Options of {@link instanceNorm}. */
export type InstanceNormOptions = NormOptions;

/**
 * Instance normalization: each (sample, channel) normalised over its spatial positions,
 *
 * `y = (x − μ[n,c])·rsqrt(σ²[n,c] + ε)·γ[c] + β[c]`,
 *
 * with the biased variance (÷L) and ε inside the square root, as PyTorch's
 * `F.instance_norm` (no running statistics). The gradient is closed form; see
 * `src/_internal/normalize.ts` for its derivation.
 *
 * @param x Features `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), rank ≥ 4, or 3 (`[N, L, C]`/`[N, C, L]`) for 'NWC'/'NCW', float32 or int32.
 * @param options See {@link NormOptions}: epsilon (1e-5, > 0), dataFormat ('NHWC'), gamma/beta `[C]`.
 * @returns The normalised features, shaped like x.
 * @throws If x is not a non-empty float32 or int32 tensor of rank ≥ 4 ('NHWC'/'NCHW') or 3 ('NWC'/'NCW').
 * @throws If gamma or beta is not shaped `[C]`.
 * @throws If epsilon is not a finite number > 0, or dataFormat is not NHWC/NCHW.
 *
 * @example
 * ```ts
 * const x = tf.randomNormal([2, 8, 8, 16], 3, 2);
 * const y = instanceNorm(x, { gamma: tf.ones([16]), beta: tf.zeros([16]) }); // per (n, c): mean 0, var 1
 * ```
 * @see D. Ulyanov, A. Vedaldi, V. Lempitsky, "Instance Normalization: The Missing
 *   Ingredient for Fast Stylization", arXiv 2016.
 */
export function instanceNorm<T extends tf.Tensor>(x: T | tf.TensorLike, options?: InstanceNormOptions): T {
  const given = checkOptions(options, NORM_OPTION_KEYS, OP);
  const { epsilon, dataFormat } = resolveNormScalars(given, OP);
  return tf.tidy(`featstats.${OP}`, () => {
    const input = floatTensor(x, 'x', OP);
    const layout = channelLayout(input.shape, checkFeatures(input, 'x', OP, dataFormat));
    const gamma = affineTensor(given.gamma, 'gamma', [layout.channels], OP);
    const beta = affineTensor(given.beta, 'beta', [layout.channels], OP);
    return normalize(input, gamma, beta, { view: instanceNormView(layout), features: channelFeatureLayout(layout), epsilon }).y;
  }) as T;
}
