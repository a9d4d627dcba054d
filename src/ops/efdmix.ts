import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { formatShape, opError } from '../_internal/errors';
import { efdmixForward, efdmixInputGradient } from '../_internal/kernels/efdm/contract';
import { channelLayout } from '../_internal/layout';
import { beta, permutation, seededUniform, type Uniform } from '../_internal/random';
import { drawTiePermutations, permutePositions, tieTensor, unpermuteOrder, unpermutePositions, type TiePolicy } from '../_internal/ties';
import {
  checkBoolean,
  checkChoice,
  checkDataFormat,
  checkFeatures,
  checkNumber,
  checkOptions,
  floatTensor,
  resolveSeed,
  type DataFormat,
} from '../_internal/validate';

const OP = 'efdmix';

/** How {@link efdmix} pairs each sample with a partner. */
export type EfdmixMode = 'random' | 'crossdomain';

/** Options of {@link efdmix}. */
export interface EfdmixOptions {
  /** Layout of x: `'NHWC'` (default) or `'NCHW'` for images (rank ≥ 4), `'NWC'` or `'NCW'` for sequences (rank 3). */
  dataFormat?: DataFormat;
  /** Probability that a call mixes the batch at all; in [0, 1]. Default 0.5 (reference). */
  p?: number;
  /** Parameter of the Beta(α, α) mixing weight; > 0. Default 0.1 (reference). */
  alpha?: number;
  /**
   * `'random'` (default): partners are a random permutation of the batch.
   * `'crossdomain'`: the batch is two equal halves (two domains) and each sample is
   * paired with a random sample of the other half.
   */
  mode?: EfdmixMode;
  /** Seed for the mixing decision, weights and partners (and the random ties), an integer in [−2³¹, 2³² − 1]; random per call when omitted. */
  seed?: number;
  /**
   * How equal values within a channel are ranked (see {@link EfdmOptions.ties}):
   * `'stable'` (default) by position, `'random'` by a random permutation of the positions
   * per channel, drawn from its own stream of `seed` (`seed XOR 0x9E3779B9`), so the
   * mixing draws are those of `'stable'` for the same seed.
   */
  ties?: TiePolicy;
  /** Mix only while training (default true); `false` returns x unchanged. */
  training?: boolean;
}

/**
 * EFDMix, feature-distribution mixing for domain generalisation. With probability p the
 * batch is mixed, else returned unchanged. Per sample n, λₙ ~ Beta(α, α) (shared over
 * channels and positions) and a partner m = perm(n); per channel, u is the partner's
 * sorted values gathered at x's stable ranks (EFDM's target), and the output is
 *
 * `x + (1 − λₙ)·(u − sg(x))`, i.e. the value `λₙ·x + (1 − λₙ)·u`.
 *
 * Gradients: the identity to x (straight-through), plus (1 − λₙ)·dy routed into the
 * partner through its sorted values (the partner is not detached, as in the reference).
 * The partner sort and x's sort are one sort: u reads x's own sorted values.
 *
 * @param x Features `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), float32 or int32.
 * @param options See {@link EfdmixOptions}.
 * @returns Mixed features shaped like x (x's values when not mixing).
 * @throws If x is not a float32 or int32 tensor of rank ≥ 4 ('NHWC'/'NCHW') or 3 ('NWC'/'NCW') with no empty dimension.
 * @throws If `mode` is `'crossdomain'` and N is odd.
 * @throws If p is outside [0, 1], alpha ≤ 0, mode is unknown, or seed is not an integer in [−2³¹, 2³² − 1].
 *
 * @example
 * ```ts
 * const features = tf.randomNormal([8, 16, 16, 64]);
 * const mixed = efdmix(features, { p: 1, alpha: 0.1, seed: 7 });
 * ```
 * @see Y. Zhang, M. Li, R. Li, K. Jia, L. Zhang, "Exact Feature Distribution Matching for Arbitrary
 *   Style Transfer and Domain Generalization", CVPR 2022.
 */
export function efdmix<T extends tf.Tensor>(x: T | tf.TensorLike, options?: EfdmixOptions): T {
  const given = checkOptions(options, ['dataFormat', 'p', 'alpha', 'mode', 'seed', 'training', 'ties'], OP);
  const dataFormat = checkDataFormat(given.dataFormat, OP);
  const p = checkNumber(given.p ?? 0.5, 'p', OP, { min: 0, max: 1 });
  const alpha = checkNumber(given.alpha ?? 0.1, 'alpha', OP, { min: 0, minExclusive: true });
  const training = checkBoolean(given.training ?? true, 'training', OP);
  const mode = checkChoice<EfdmixMode>(given.mode, 'mode', OP, ['random', 'crossdomain'], 'random');
  const seed = resolveSeed(given.seed, OP);
  const ties = checkChoice<TiePolicy>(given.ties, 'ties', OP, ['stable', 'random'], 'stable');

  return tf.tidy(`featstats.${OP}`, () => {
    const input = floatTensor(x, 'x', OP);
    const layout = channelLayout(input.shape, checkFeatures(input, 'x', OP, dataFormat));
    if (mode === 'crossdomain' && layout.batch % 2 !== 0) {
      throw opError(OP, `x must have an even batch for mode 'crossdomain' but got shape ${formatShape(input.shape)}`);
    }
    const plan = drawEfdmixPlan(layout.batch, { p, alpha, mode, training }, seed);
    // A stream of its own (golden-ratio offset), not seed + 1: the EFDMix layer passes seed + k on call k.
    const tiePermutations = plan !== undefined && ties === 'random' ? drawTiePermutations(layout.batch * layout.channels, layout.positions, (seed ^ 0x9e3779b9) >>> 0) : undefined;

    const mix = customGrad<[tf.Tensor]>(([value], save) => {
      if (plan === undefined) return { value: tf.clone(value), gradFunc: (dy: tf.Tensor) => [tf.clone(dy)] };
      // One sort serves both sides: u reads the partner's row of x's own sorted values.
      const pairing = { ...plan, partnerWeight: plan.lambda.map((lambda) => 1 - lambda), selfWeight: plan.lambda };
      // Random ties: mix x with its positions permuted, then put the result and the order
      // back in x's own positions (as in efdm; src/_internal/ties.ts).
      const perm = tiePermutations === undefined ? undefined : tieTensor(tiePermutations, layout);
      const forward = efdmixForward(perm === undefined ? value : permutePositions(value, layout, perm), { layout, pairing });
      const mixed = perm === undefined ? forward.mixed : unpermutePositions(forward.mixed, layout, perm);
      const order = perm === undefined ? forward.order : unpermuteOrder(forward.order, perm);
      save([order]);
      return {
        value: mixed,
        // The straight-through dy plus (1 − λ)·dy sent back from each sample to its
        // partner through the sorted values (derivation in kernels/efdm/contract.ts).
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [efdmixInputGradient(dy, { order: saved[0] as tf.Tensor2D, layout, pairing })],
      };
    });
    return mix(input);
  }) as T;
}

/** One call's random draws: λ per sample and the partner permutation with its inverse. */
export interface EfdmixPlan {
  readonly lambda: number[];
  readonly partner: number[];
  readonly inverse: number[];
}

/**
 * Draws whether a call mixes and, if so, its plan, from `seed`: first the mixing decision
 * (uniform < p), then λ ~ Beta(α, α) per sample, then the partners. Host arrays, not
 * tensors: the gradient may run after the call's tidy has ended, so tensors are made
 * where they are used. Exported for tests, not from the package.
 */
export function drawEfdmixPlan(
  batch: number,
  options: { p: number; alpha: number; mode: EfdmixMode; training: boolean },
  seed: number,
): EfdmixPlan | undefined {
  const uniform = seededUniform(seed);
  if (!options.training || !(uniform() < options.p)) return undefined;
  return mixingPlan(batch, options.alpha, options.mode, uniform);
}

function mixingPlan(batch: number, alpha: number, mode: EfdmixMode, uniform: Uniform): EfdmixPlan {
  const lambda = Array.from({ length: batch }, () => beta(alpha, alpha, uniform));
  let partner: number[];
  if (mode === 'random') {
    partner = permutation(batch, uniform);
  } else {
    // The reference pairs the first half with a shuffle of the second and vice versa.
    const half = batch / 2;
    const shuffled = (offset: number) => permutation(half, uniform).map((i) => i + offset);
    partner = [...shuffled(half), ...shuffled(0)];
  }
  const inverse = new Array<number>(batch);
  partner.forEach((m, n) => (inverse[m] = n));
  return { lambda, partner, inverse };
}
