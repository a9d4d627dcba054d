import * as tf from '@tensorflow/tfjs-core';

import { formatShape, opError } from '../_internal/errors';
import { channelFeatureLayout, groupNormView } from '../_internal/kernels/statistics/view';
import { channelLayout } from '../_internal/layout';
import { normalize } from '../_internal/normalize';
import { affineTensor, NORM_OPTION_KEYS, resolveNormScalars, type NormOptions } from '../_internal/normOptions';
import { checkFeatures, checkOptions, describeValue, floatTensor } from '../_internal/validate';

const OP = 'groupNorm';

/**
 * Options of {@link groupNorm}: the norm options plus exactly one of `groups` (the number
 * of groups G) or `groupSize` (channels per group, C/G). Neither has a default: PyTorch
 * requires `num_groups`, and a default group count silently competing with a group size
 * is what flax's API warns against.
 */
export type GroupNormOptions = NormOptions &
  (
    | {
        /** Number of groups G; the channel count C must be a multiple of it. */
        groups: number;
        /** Excluded: give `groups` or `groupSize`, not both. */
        groupSize?: never;
      }
    | {
        /** Channels per group, C/G; the channel count C must be a multiple of it. */
        groupSize: number;
        /** Excluded: give `groups` or `groupSize`, not both. */
        groups?: never;
      }
  );

/**
 * Group normalization: channels are split into G consecutive groups, and each (sample,
 * group) is normalised over its C/G channels and all spatial positions,
 *
 * `y = (x − μ[n,g])·rsqrt(σ²[n,g] + ε)·γ[c] + β[c]`,
 *
 * biased variance, ε inside the square root, per-channel affine, as PyTorch's
 * `F.group_norm`. `groups: C` equals {@link instanceNorm}; `groups: 1` normalises each
 * sample over all of (C, spatial), a layer norm with per-channel affine.
 *
 * @param x Features `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), rank 2 (`[N, C]`) or ≥ 4, or 3 for 'NWC'/'NCW' (`[N, C]`:
 *   dense features, as `F.group_norm` takes them), float32 or int32.
 * @param options `groups` or `groupSize` (required, exclusive), plus epsilon (1e-5),
 *   dataFormat ('NHWC'), gamma/beta `[C]`.
 * @returns The normalised features, shaped like x.
 * @throws If x is not a non-empty float32 or int32 tensor of rank 2 or ≥ 4 ('NHWC'/'NCHW') or 3 ('NWC'/'NCW').
 * @throws If neither or both of groups and groupSize are given, either is not a positive
 *   integer, or it does not divide C.
 * @throws If gamma or beta is not shaped `[C]`, or epsilon is not > 0.
 *
 * @example
 * ```ts
 * const x = tf.randomNormal([2, 8, 8, 32]);
 * const y = groupNorm(x, { groups: 8 }); // statistics over 4 channels × 64 positions
 * ```
 * @see Y. Wu, K. He, "Group Normalization", ECCV 2018.
 */
export function groupNorm<T extends tf.Tensor>(x: T | tf.TensorLike, options: GroupNormOptions): T {
  const given = checkOptions<GroupNormOptions>(options, [...NORM_OPTION_KEYS, 'groups', 'groupSize'], OP);
  const { epsilon, dataFormat } = resolveNormScalars(given, OP);
  // Checked before x: a missing group count is the mistake to report whatever x is.
  checkOneGroupOption(given);
  return tf.tidy(`featstats.${OP}`, () => {
    const input = floatTensor(x, 'x', OP);
    const layout = channelLayout(input.shape, checkFeatures(input, 'x', OP, dataFormat, { dense: true }));
    const groups = resolveGroups(given, layout.channels, input.shape);
    const gamma = affineTensor(given.gamma, 'gamma', [layout.channels], OP);
    const beta = affineTensor(given.beta, 'beta', [layout.channels], OP);
    return normalize(input, gamma, beta, { view: groupNormView(layout, groups), features: channelFeatureLayout(layout), epsilon }).y;
  }) as T;
}

/** Throws unless exactly one of `groups` and `groupSize` is given. */
function checkOneGroupOption({ groups, groupSize }: Partial<{ groups: number; groupSize: number }>): void {
  if ((groups === undefined) === (groupSize === undefined)) {
    throw opError(OP, `options must give exactly one of groups and groupSize but got ${groups === undefined ? 'neither' : 'both'}`);
  }
}

/** G from `groups` or `groupSize` (exactly one given), which must divide C. */
function resolveGroups(options: Partial<{ groups: number; groupSize: number }>, channels: number, shape: number[]): number {
  const { groups, groupSize } = options;
  const [name, value] = groups !== undefined ? ['groups', groups] : ['groupSize', groupSize];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || channels % value !== 0) {
    throw opError(OP, `${name} must be a positive integer dividing C = ${channels} but got ${describeValue(value)} (x ${formatShape(shape)})`);
  }
  return groups ?? channels / value;
}
