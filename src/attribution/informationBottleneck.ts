import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { opError } from '../_internal/errors';
import { applyAlongAxes, gaussianMatrix, ibaKernelSize } from '../_internal/gaussian';
import { bottleneckBackward, bottleneckForward, bottleneckGates, type BottleneckTerm } from '../_internal/kernels/bottleneck/contract';
import {
  checkDataFormat,
  checkFeatures,
  checkNumber,
  checkOptions,
  checkShape,
  floatTensor,
  resolveSeed,
  type ChannelOrder,
  type DataFormat,
  type TensorInput,
} from '../_internal/validate';

const OP = 'informationBottleneck';

/** Options of {@link informationBottleneck}. */
export interface InformationBottleneckOptions {
  /** Per-element mean of R over a dataset, shaped like one sample (e.g. `WelfordEstimator.mean()`). */
  mean: TensorInput;
  /** Per-element standard deviation of R, shaped like one sample. */
  std: TensorInput;
  /** Floor of the standard deviation: σ_R = max(std, minStd). Default 0.01 (reference). */
  minStd?: number;
  /** σ of the Gaussian smoothing of λ over the spatial axes (0 disables). Default 1 (reference). */
  smoothSigma?: number;
  /** Standard-normal noise shaped like R; drawn with `tf.randomNormal` (and `seed`) when omitted. */
  noise?: TensorInput;
  /** Seed of the drawn noise, an integer in [−2³¹, 2³² − 1]; random when omitted. */
  seed?: number;
  /** 0/1 per element of a sample (e.g. `WelfordEstimator.activeMask()`); masks output and capacity. */
  activeMask?: TensorInput;
  /** Layout of R: `'NHWC'` (default) or `'NCHW'`, rank 2 (`[N, C]`, no spatial axes) or ≥ 4; `'NWC'`/`'NCW'` for rank 3. */
  dataFormat?: DataFormat;
}

/** What {@link informationBottleneck} returns. */
export type InformationBottleneck = {
  /** `λ·R + (1 − λ)·ε`, shaped like R. */
  output: tf.Tensor;
  /** Per-element KL divergence to the noise prior, in nats, shaped like R. */
  capacity: tf.Tensor;
};

/**
 * The per-sample information bottleneck of IBA: each feature is replaced by a mix of
 * itself and noise with the feature's dataset statistics,
 *
 * `λ = smooth(sigmoid(α))`, `ε = μ_R + σ_R·n`, n ~ N(0, 1), `output = λ·R + (1 − λ)·ε`,
 *
 * and the information that passes is bounded by the capacity (KL divergence of the
 * bottleneck's Gaussian to the prior, per element, in nats): with r' = (R − μ_R)/σ_R,
 * μ_z = λ·r' and v_z = (1 − λ)², `capacity = −½·(1 + log v_z − μ_z² − v_z)`.
 *
 * `smooth` is a normalised Gaussian of σ = smoothSigma over the spatial axes, kernel
 * 2·round(2σ) + 1, reflection padding. 1 − λ is computed as smooth(sigmoid(−α)) — equal,
 * since the kernel sums to 1, but without the cancellation of 1 − λ as λ → 1 — and its
 * log is floored at float32's smallest normal, so the capacity stays finite.
 *
 * Gradients (closed form, α shared by the batch; S the smoothing, Sᵀ its adjoint):
 * with upstream o (output) and k (capacity), gλ = o·R + k·λ·r'², g₁₋λ = o·ε + k·((1 − λ) −
 * 1/(1 − λ)), `dα = Σ_n σ'(α)·(Sᵀgλ − Sᵀg₁₋λ)`, `dR = o·λ + k·λ²·r'/σ_R`.
 *
 * @param R Features `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), rank 2 (`[N, C]`) or ≥ 4, or 3 for 'NWC'/'NCW', float32 or int32.
 * @param alpha Bottleneck parameters shaped like one sample (`R.shape.slice(1)`).
 * @param options See {@link InformationBottleneckOptions}; `mean` and `std` are required.
 * @returns `{ output, capacity }`, each shaped like R.
 * @throws If R is not a non-empty float32 or int32 tensor of rank 2 or ≥ 4 ('NHWC'/'NCHW') or 3 ('NWC'/'NCW').
 * @throws If alpha, mean, std or activeMask is not shaped like one sample, or noise not like R.
 * @throws If minStd is not > 0, smoothSigma is negative, or seed is not an integer in [−2³¹, 2³² − 1].
 *
 * @example
 * ```ts
 * const R = tf.randomNormal([2, 7, 7, 8]);
 * const { output, capacity } = informationBottleneck(R, tf.fill([7, 7, 8], 5), {
 *   mean: tf.zeros([7, 7, 8]), std: tf.ones([7, 7, 8]), seed: 1,
 * });
 * ```
 * @see K. Schulz, L. Sixt, F. Tombari, T. Landgraf, "Restricting the Flow: Information
 *   Bottlenecks for Attribution", ICLR 2020.
 */
export function informationBottleneck(R: TensorInput, alpha: TensorInput, options: InformationBottleneckOptions): InformationBottleneck {
  return bottleneck(R, alpha, options, OP);
}

/** The option keys of {@link informationBottleneck}. */
const OPTION_KEYS = ['mean', 'std', 'minStd', 'smoothSigma', 'noise', 'seed', 'activeMask', 'dataFormat'] as const;

/** The scalar options of {@link informationBottleneck}, validated under the name of the entry point `op`. */
export function resolveBottleneckScalars(given: Partial<InformationBottleneckOptions>, op: string) {
  return {
    dataFormat: checkDataFormat(given.dataFormat, op),
    minStd: checkNumber(given.minStd ?? 0.01, 'minStd', op, { min: 0, minExclusive: true }),
    smoothSigma: checkNumber(given.smoothSigma ?? 1, 'smoothSigma', op, { min: 0 }),
    seed: resolveSeed(given.seed, op),
  };
}

/**
 * {@link informationBottleneck} with every check made under the name of the public entry
 * point `op` the user called (`ibaAttribution` runs its bottleneck through this). Exported
 * for ibaAttribution, not from the package.
 */
export function bottleneck(R: TensorInput, alpha: TensorInput, options: InformationBottleneckOptions, op: string): InformationBottleneck {
  const given = checkOptions(options, OPTION_KEYS, op, { required: true });
  const { dataFormat, minStd, smoothSigma, seed } = resolveBottleneckScalars(given, op);
  if (given.mean === undefined || given.std === undefined) throw opError(op, `options.mean and options.std must be given but got ${given.mean === undefined ? 'no mean' : 'no std'}`);
  return tf.tidy(`featstats.${op}`, () => {
    const r = floatTensor(R, 'R', op);
    const order = checkFeatures(r, 'R', op, dataFormat, { dense: true });
    const sampleShape = r.shape.slice(1);
    const sample = (value: TensorInput, arg: string) => {
      const t = floatTensor(value, arg, op);
      checkShape(t, sampleShape, arg, op, "one sample's shape");
      return t;
    };
    const a = sample(alpha, 'alpha');
    const mean = sample(given.mean as TensorInput, 'mean');
    const std = sample(given.std as TensorInput, 'std');
    const mask = given.activeMask === undefined ? undefined : sample(given.activeMask, 'activeMask');
    let noise: tf.Tensor;
    if (given.noise === undefined) {
      // tfjs treats a seed of 0 as no seed (a fresh random stream each call): −1, which
      // no seed equals once read as 32 bits (resolveSeed), stands in for it.
      noise = tf.randomNormal(r.shape, 0, 1, 'float32', seed === 0 ? -1 : seed);
    } else {
      noise = floatTensor(given.noise, 'noise', op);
      checkShape(noise, r.shape, 'noise', op, "R's shape");
    }
    const smoothing = smoother(sampleShape, order, smoothSigma);

    // σ_R, λ, 1 − λ and σ'(α) = σ(α)·σ(−α), computed once for both terms' forwards and
    // saved for their backwards rather than once in each of the four: λ and 1 − λ take a
    // sigmoid and two smoothings (a pass per spatial axis each), each pass a sample's
    // size, 1/N of a pass over R. They are made out here, where tfjs may tape them (what
    // a customGrad's forward makes and does not return is disposed when it returns):
    // those taped nodes lie on no path to the outputs, whose gradients come from the
    // customGrads alone, and the values are the same as before, so the gradients are.
    const { open, closed, slope, sigma } = bottleneckGates(a, std, minStd);
    const lambda = smoothing.apply(open);
    const oneMinusLambda = smoothing.apply(closed);
    // The backward may run after this tidy has ended: every constant it needs is saved
    // with the inputs, in this order. The capacity does not read the noise, so its term
    // neither passes nor keeps it (on wasm each kept tensor is a copy).
    const constants = (which: BottleneckTerm) => [mean, sigma, ...(which === 'output' ? [noise] : []), ...(mask === undefined ? [] : [mask])];
    /** The bottleneck kernels' inputs besides R. */
    const kernelInputs = (which: BottleneckTerm, l: tf.Tensor, om: tf.Tensor, c: readonly tf.Tensor[]) => {
      const [m, s, ...rest] = c as [tf.Tensor, tf.Tensor, ...tf.Tensor[]];
      const [n, activeMask] = which === 'output' ? [rest[0], rest[1]] : [undefined, rest[0]];
      return { lambda: l, oneMinusLambda: om, mean: m, sigma: s, noise: n, mask: activeMask };
    };
    /** One of the two outputs: the forward and its gradient through the bottleneck kernels. */
    const term = (which: BottleneckTerm) =>
      customGrad<[tf.Tensor, tf.Tensor]>(([rValue], save) => {
        save([rValue, lambda, oneMinusLambda, slope, ...constants(which)]);
        return {
          value: bottleneckForward(rValue, kernelInputs(which, lambda, oneMinusLambda, constants(which)), which),
          gradFunc: (dy, saved) => {
            const [savedR, savedLambda, savedOneMinus, savedSlope, ...savedConstants] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, ...tf.Tensor[]];
            const [dR, gDifference] = bottleneckBackward(savedR, kernelInputs(which, savedLambda, savedOneMinus, savedConstants), dy, which);
            // dα = σ'(α)·(Sᵀ Σₙ gλ − Sᵀ Σₙ g₁₋λ) = σ'(α)·Sᵀ(Σₙ gλ − Σₙ g₁₋λ): λ and 1 − λ are
            // the smoothings S of σ(α) and σ(−α), and Sᵀ is linear (one adjoint, not two).
            return [dR, tf.mul(savedSlope, smoothing.adjoint(gDifference))];
          },
        };
      });
    return { output: term('output')(r, a), capacity: term('capacity')(r, a) };
  }) as InformationBottleneck;
}

/** The Gaussian smoothing of one sample over its spatial axes, and its adjoint. */
function smoother(sampleShape: number[], dataFormat: ChannelOrder, sigma: number) {
  const rank = sampleShape.length;
  // A sample is [...S, C] (NHWC) or [C, ...S] (NCHW); rank 1 ([C]) has no spatial axes.
  const axes = rank < 2 ? [] : dataFormat === 'NHWC' ? Array.from({ length: rank - 1 }, (_, i) => i) : Array.from({ length: rank - 1 }, (_, i) => i + 1);
  if (sigma === 0 || axes.length === 0) return { apply: (t: tf.Tensor) => t, adjoint: (t: tf.Tensor) => t };
  const matrices = axes.map((axis) => gaussianMatrix(sampleShape[axis] as number, sigma, ibaKernelSize(sigma)));
  return {
    apply: (t: tf.Tensor) => applyAlongAxes(t, axes, matrices),
    adjoint: (t: tf.Tensor) => applyAlongAxes(t, axes, matrices, true),
  };
}
