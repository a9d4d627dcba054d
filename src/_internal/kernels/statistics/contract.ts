/**
 * The statistics kernels: every op built on channel, group, batch or layer statistics
 * (meanStd, adain, the norms, perturbMeanStd, channelVariance) reduces to these six, over
 * x seen as a {@link StatisticsView} `[outer, reducedOuter, kept, reducedInner]`
 * (`./view.ts`), with statistics shaped `[outer, 1, kept, 1]`:
 *
 * | kernel | computes |
 * |---|---|
 * | `FeatstatsMoments`       | mean, variance ÷ (M − ddof), M = reducedOuter·reducedInner |
 * | `FeatstatsScaleShift`    | y = (x − mean)·scale·γ + β + shift |
 * | `FeatstatsStandardize`   | y = (x − mean)·rsqrt(variance + ε)·γ + β with x's biased moments, and those moments (cpu only; elsewhere its composite is the two above) |
 * | `FeatstatsRecenter`      | y = (x − mean)·scale + mean·meanScale with x's mean, and that mean (perturbMeanStd; cpu only, as standardize) |
 * | `FeatstatsGradientSums`  | Σg and Σg·x̂ per statistic, and dγ = Σdy·x̂, dβ = Σdy if asked |
 * | `FeatstatsInputGradient` | dx = (g − centering − x̂·projection)·outScale |
 *
 * with x̂ = (x − mean)·scale and g = dy·γ. `mean`, `scale`, `shift`, `centering`,
 * `projection` and `outScale` are statistics (or broadcast to them); absent `scale` and
 * γ mean 1, absent `shift` and β mean 0. γ and β are 1-D, laid over x by a
 * {@link FeatureLayout}; dγ and dβ have their shape.
 *
 * **Shapes.** x and dy come in their own shape (dy has x's size) with the view as an attr,
 * and y and dx come back in x's shape: the kernels read the flat elements as the view,
 * so no caller ever makes a reshape of an x-sized tensor (tfjs counts every tensor
 * object's bytes, a view sharing its data included, so each would cost one x of reported
 * memory).
 *
 * The composites below define the semantics. The fused implementations, `./host/` for
 * cpu and wasm, `./webgl/` and `./webgpu/`, must agree with them within the tolerance table; they
 * accumulate in float64 where they can, the composites use the float32 refinements of
 * {@link refinedMean} and {@link centeredVariance}.
 */
import * as tf from '@tensorflow/tfjs-core';

import { dispatch, type FusedKernel } from '../dispatch';
import { gradientSumsCpu, gradientSumsWasm } from './host/gradientSums';
import { inputGradientCpu, inputGradientWasm } from './host/inputGradient';
import { momentsCpu, momentsWasm } from './host/moments';
import { recenterCpu } from './host/recenter';
import { scaleShiftCpu, scaleShiftWasm } from './host/scaleShift';
import { standardizeCpu } from './host/standardize';
import { checkStatisticsView, NO_FEATURES, viewShape, type FeatureLayout, type StatisticsView } from './view';
import { gradientSumsWebgl } from './webgl/gradientSums';
import { inputGradientWebgl } from './webgl/inputGradient';
import { momentsWebgl } from './webgl/moments';
import { scaleShiftWebgl } from './webgl/scaleShift';
import { gradientSumsWebgpu } from './webgpu/gradientSums';
import { inputGradientWebgpu } from './webgpu/inputGradient';
import { momentsWebgpu } from './webgpu/moments';
import { scaleShiftWebgpu } from './webgpu/scaleShift';

export const MOMENTS: FusedKernel = { name: 'FeatstatsMoments', backends: { cpu: momentsCpu, wasm: momentsWasm, webgl: momentsWebgl, webgpu: momentsWebgpu } };
export const SCALE_SHIFT: FusedKernel = { name: 'FeatstatsScaleShift', backends: { cpu: scaleShiftCpu, wasm: scaleShiftWasm, webgl: scaleShiftWebgl, webgpu: scaleShiftWebgpu } };
/**
 * A norm's forward in one kernel on cpu, where it stages x once instead of twice
 * (`./host/standardize.ts`). Elsewhere its composite runs: moments and scale-shift, each
 * its own fused kernel.
 */
export const STANDARDIZE: FusedKernel = { name: 'FeatstatsStandardize', backends: { cpu: standardizeCpu } };
/** perturbMeanStd's forward in one kernel on cpu, as {@link STANDARDIZE} (`./host/recenter.ts`). */
export const RECENTER: FusedKernel = { name: 'FeatstatsRecenter', backends: { cpu: recenterCpu } };
export const GRADIENT_SUMS: FusedKernel = { name: 'FeatstatsGradientSums', backends: { cpu: gradientSumsCpu, wasm: gradientSumsWasm, webgl: gradientSumsWebgl, webgpu: gradientSumsWebgpu } };
export const INPUT_GRADIENT: FusedKernel = { name: 'FeatstatsInputGradient', backends: { cpu: inputGradientCpu, wasm: inputGradientWasm, webgl: inputGradientWebgl, webgpu: inputGradientWebgpu } };

/** γ and β (either may be absent) and where they vary; without a layout, one feature. */
export interface Affine {
  readonly gamma?: tf.Tensor | undefined;
  readonly beta?: tf.Tensor | undefined;
  readonly features?: FeatureLayout | undefined;
}

/** The view every call names. */
export interface ViewOption {
  readonly view: StatisticsView;
}

/** For a gradient's last use of a saved tensor as x (`../host/adapter.ts`, `reusesInput`). */
export interface OverwriteOption {
  /**
   * The caller will not read x again: on wasm, when no other tensor shares x's buffer
   * (the engine's private copy of a saved tensor), the output is written into it.
   */
  readonly overwriteX?: boolean | undefined;
}

export interface Moments {
  readonly mean: tf.Tensor4D;
  readonly variance: tf.Tensor4D;
}

/** Mean and variance ÷ (M − ddof) of each statistic: `[outer, 1, kept, 1]` each. */
export function moments(x: tf.Tensor, { view, ddof }: ViewOption & { readonly ddof: number }): Moments {
  checkStatisticsView(view, x.size);
  const [mean, variance] = dispatch(MOMENTS, { x }, { view, ddof }, () =>
    tf.tidy(() => {
      const x4 = tf.reshape(x, viewShape(view)) as tf.Tensor4D;
      const mean = refinedMean(x4);
      return [mean, centeredVariance(x4, mean, ddof)];
    }),
  ) as [tf.Tensor4D, tf.Tensor4D];
  return { mean, variance };
}

export interface ScaleShiftOptions extends ViewOption, Affine, OverwriteOption {
  readonly mean: tf.Tensor;
  readonly scale?: tf.Tensor | undefined;
  readonly shift?: tf.Tensor | undefined;
}

/** `y = (x − mean)·scale·γ + β + shift`, shaped like x. */
export function scaleShift(x: tf.Tensor, options: ScaleShiftOptions): tf.Tensor {
  const { view, mean, scale, shift, gamma, beta } = options;
  const features = options.features ?? NO_FEATURES;
  checkStatisticsView(view, x.size);
  const inputs = withOptional({ x, mean }, { scale, shift, gamma, beta });
  return dispatch(SCALE_SHIFT, inputs, { view, features, overwrite: options.overwriteX === true }, () =>
    tf.tidy(() => {
      let y = tf.sub(tf.reshape(x, viewShape(view)), mean) as tf.Tensor4D;
      if (scale !== undefined) y = tf.mul(y, scale);
      y = applyAffine(y, gamma, beta, features);
      return tf.reshape(shift === undefined ? y : tf.add(y, shift), x.shape);
    }),
  );
}

export interface Standardized extends Moments {
  /** `(x − mean)·inverseStd·γ + β`, shaped like x. */
  readonly y: tf.Tensor;
  /** `rsqrt(variance + ε)`. */
  readonly inverseStd: tf.Tensor4D;
}

/** `y = (x − mean)·rsqrt(variance + ε)·γ + β` with the biased moments of x, and those moments. */
export function standardize(x: tf.Tensor, options: ViewOption & Affine & { readonly epsilon: number }): Standardized {
  const { view, gamma, beta, epsilon } = options;
  const features = options.features ?? NO_FEATURES;
  checkStatisticsView(view, x.size);
  const [y, mean, variance, inverseStd] = dispatch(STANDARDIZE, withOptional({ x }, { gamma, beta }), { view, features, epsilon }, () => {
    const { mean, variance } = moments(x, { view, ddof: 0 });
    const inverseStd = tf.tidy(() => tf.rsqrt(tf.add(variance, epsilon))) as tf.Tensor4D;
    return [scaleShift(x, { view, mean, scale: inverseStd, gamma, beta, features }), mean, variance, inverseStd];
  }) as [tf.Tensor, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  return { y, mean, variance, inverseStd };
}

export interface RecenterOptions extends ViewOption {
  /** The deviations' factor, a statistic (or broadcast to one). */
  readonly scale: tf.Tensor;
  /** The mean's factor, a statistic (or broadcast to one). */
  readonly meanScale: tf.Tensor;
}

export interface Recentered {
  /** `(x − mean)·scale + mean·meanScale`, shaped like x. */
  readonly y: tf.Tensor;
  readonly mean: tf.Tensor4D;
}

/** `y = (x − mean)·scale + mean·meanScale` with the mean of x, and that mean. */
export function recenter(x: tf.Tensor, { view, scale, meanScale }: RecenterOptions): Recentered {
  checkStatisticsView(view, x.size);
  const [y, mean] = dispatch(RECENTER, { x, scale, meanScale }, { view }, () => {
    const { mean, variance } = moments(x, { view, ddof: 0 });
    variance.dispose();
    return [tf.tidy(() => scaleShift(x, { view, mean, scale, shift: tf.mul(mean, meanScale) })), mean];
  }) as [tf.Tensor, tf.Tensor4D];
  return { y, mean };
}

export interface GradientTerms extends ViewOption, Affine {
  /** The statistics x̂ is centred on. */
  readonly mean: tf.Tensor;
  /** x̂'s scale. */
  readonly scale?: tf.Tensor | undefined;
}

export interface GradientSums {
  /** Σg per statistic. */
  readonly sumG: tf.Tensor;
  /** Σg·x̂ per statistic. */
  readonly sumGNormalized: tf.Tensor;
  /** Σdy·x̂ per feature, when `affineGradients`. */
  readonly dGamma?: tf.Tensor;
  /** Σdy per feature, when `affineGradients`. */
  readonly dBeta?: tf.Tensor;
}

/** Σg and Σg·x̂ per statistic, and dγ, dβ when `affineGradients`; dy shaped like x. */
export function gradientSums(x: tf.Tensor, dy: tf.Tensor, options: GradientTerms & { readonly affineGradients: boolean }): GradientSums {
  const { view, mean, scale, gamma, affineGradients } = options;
  const features = options.features ?? NO_FEATURES;
  checkStatisticsView(view, x.size);
  checkStatisticsView(view, dy.size);
  const inputs = withOptional({ x, dy, mean }, { scale, gamma });
  const [sumG, sumGNormalized, dGamma, dBeta] = dispatch(GRADIENT_SUMS, inputs, { view, features, affineGradients }, () =>
    tf.tidy(() => {
      const dy4 = tf.reshape(dy, viewShape(view)) as tf.Tensor4D;
      const normalized = centered(x, view, mean, scale);
      const g = gamma === undefined ? dy4 : applyAffine(dy4, gamma, undefined, features);
      const sums = [tf.sum(g, REDUCED_AXES, true), tf.sum(tf.mul(g, normalized), REDUCED_AXES, true)];
      if (!affineGradients) return sums;
      const perFeature = (t: tf.Tensor) => tf.sum(featureView(t, features), [0, 2]);
      return [...sums, perFeature(tf.mul(dy4, normalized)), perFeature(dy4)];
    }),
  ) as [tf.Tensor, tf.Tensor, tf.Tensor | undefined, tf.Tensor | undefined];
  return { sumG, sumGNormalized, ...(dGamma === undefined || dBeta === undefined ? {} : { dGamma, dBeta }) };
}

export interface InputGradientOptions extends GradientTerms, OverwriteOption {
  /** Subtracted from g (a norm's mean(g)). */
  readonly centering: tf.Tensor;
  /** x̂'s coefficient, subtracted (a norm's mean(g·x̂)). */
  readonly projection: tf.Tensor;
  readonly outScale: tf.Tensor;
}

/** `dx = (g − centering − x̂·projection)·outScale` with g = dy·γ; dy and dx shaped like x. */
export function inputGradient(x: tf.Tensor, dy: tf.Tensor, options: InputGradientOptions): tf.Tensor {
  const { view, mean, scale, gamma, centering, projection, outScale } = options;
  const features = options.features ?? NO_FEATURES;
  checkStatisticsView(view, x.size);
  checkStatisticsView(view, dy.size);
  const inputs = withOptional({ x, dy, mean, centering, projection, outScale }, { scale, gamma });
  return dispatch(INPUT_GRADIENT, inputs, { view, features, overwrite: options.overwriteX === true }, () =>
    tf.tidy(() => {
      const dy4 = tf.reshape(dy, viewShape(view)) as tf.Tensor4D;
      const normalized = centered(x, view, mean, scale);
      const g = gamma === undefined ? dy4 : applyAffine(dy4, gamma, undefined, features);
      return tf.reshape(tf.mul(tf.sub(tf.sub(g, centering), tf.mul(normalized, projection)), outScale), x.shape);
    }),
  );
}

// ── Composite building blocks ──────────────────────────────────────────────────────────

/** The reduced axes of the 4-D view. */
const REDUCED_AXES = [1, 3];

/**
 * Mean over the reduced axes of a 4-D view: `[outer, 1, kept, 1]`.
 *
 * One step of iterative refinement, μ = μ̃ + mean(x − μ̃), makes the float32 mean
 * correctly rounded in practice (exactly the value for a constant group). Without it the
 * residual x − μ̃ of a constant group near 3e3 is ~2e-4, and every consumer that divides
 * deviations by σ = sqrt(ε) (normalisation, the std gradient) turns that rounding into an
 * O(0.1) error.
 */
export function refinedMean(x4: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const rough = tf.mean(x4, REDUCED_AXES, true);
    return tf.add(rough, tf.mean(tf.sub(x4, rough), REDUCED_AXES, true));
  });
}

/**
 * Variance of a 4-D view about a precomputed `mean`, divided by `M − ddof` (ddof 1 is the
 * unbiased estimate, 0 the biased one).
 *
 * Two-pass with Chan–Golub–LeVeque's correction: with d = x − mean,
 * `var = (Σd² − (Σd)²/M) / (M − ddof)`. The second term cancels the first-order error
 * of a mean rounded in float32, so values near 1e4 with a spread of 1e-2 keep their
 * variance, which the one-pass E[x²] − E[x]² loses entirely. The result is clamped at 0
 * because rounding may leave the difference a hair below it for a constant group.
 */
export function centeredVariance(x4: tf.Tensor4D, mean: tf.Tensor4D, ddof: number): tf.Tensor4D {
  return tf.tidy(() => {
    const size = x4.shape[1] * x4.shape[3];
    const deviation = tf.sub(x4, mean);
    const sumSquares = tf.sum(tf.square(deviation), REDUCED_AXES, true);
    const correction = tf.div(tf.square(tf.sum(deviation, REDUCED_AXES, true)), size);
    return tf.div(tf.relu(tf.sub(sumSquares, correction)), size - ddof);
  });
}

/** x̂ = (x − mean)·scale over the view. */
function centered(x: tf.Tensor, view: StatisticsView, mean: tf.Tensor, scale: tf.Tensor | undefined): tf.Tensor {
  const deviation = tf.sub(tf.reshape(x, viewShape(view)), mean);
  return scale === undefined ? deviation : tf.mul(deviation, scale);
}

/** `t` (shaped like the view) seen as `[rest, size, stride]`, so a feature vector `[1, size, 1]` broadcasts. */
function featureView(t: tf.Tensor, features: FeatureLayout): tf.Tensor3D {
  return tf.reshape(t, [-1, features.size, features.stride]);
}

function applyAffine(t: tf.Tensor4D, gamma: tf.Tensor | undefined, beta: tf.Tensor | undefined, features: FeatureLayout): tf.Tensor4D {
  if (gamma === undefined && beta === undefined) return t;
  const shape = [1, features.size, 1];
  let y: tf.Tensor = featureView(t, features);
  if (gamma !== undefined) y = tf.mul(y, tf.reshape(gamma, shape));
  if (beta !== undefined) y = tf.add(y, tf.reshape(beta, shape));
  return tf.reshape(y, t.shape);
}

/** Adds the present optional tensors to a kernel input map. */
function withOptional(inputs: tf.NamedTensorMap, optional: Record<string, tf.Tensor | undefined>): tf.NamedTensorMap {
  for (const [name, t] of Object.entries(optional)) if (t !== undefined) inputs[name] = t;
  return inputs;
}
