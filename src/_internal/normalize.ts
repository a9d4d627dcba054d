/**
 * The normalisation every norm shares, as one pure function of x, γ, β and the
 * statistics (flax's `_normalize`, with statistics injectable as in jax's `standardize`):
 *
 *   `y = (x − μ)·rsqrt(σ² + ε)·γ + β`,
 *
 * statistics over the reduction axes of a `StatisticsView`, γ and β laid over the feature
 * axes by a `FeatureLayout` (`kernels/statistics/view.ts`), biased variance, ε inside the
 * square root. Never `tf.batchNorm`: on cpu and wasm it silently returns wrong values for
 * broadcast statistics.
 *
 * - **Injected statistics** (inference: batch norm's moving statistics, or a Keras
 *   `BatchNormalization` layer's `moving_mean`/`moving_variance`) are constants.
 * - **Batch statistics** (training) are x's own, and the gradient flows through them. A
 *   caller that keeps moving statistics asks for them back (`returnBatchStatistics`) and
 *   updates its moving statistics itself, outside the gradient: batchNorm by PyTorch's
 *   rule, a Keras layer by `moving = m·moving + (1 − m)·batch` with the biased variance
 *   returned here.
 *
 * Gradient (closed form, not autodiff of the composite). With x̂ = (x − μ)·r,
 * r = rsqrt(σ² + ε), g = dy·γ and means over the M elements of a statistic,
 *   dx = r·(g − mean(g) − x̂·mean(g·x̂))   (batch statistics),
 *   dx = r·g                              (injected statistics),
 *   dγ = Σ dy·x̂,  dβ = Σ dy               (over every axis γ broadcasts along).
 * The first follows from ∂x̂ᵢ/∂xⱼ = r·(δᵢⱼ − 1/M) − r·x̂ᵢx̂ⱼ/M. Every step is a kernel of
 * `kernels/statistics/contract.ts`: the forward is `standardize` (on cpu one kernel;
 * elsewhere moments + scale-shift), or `scaleShift` alone for injected statistics; the
 * backward is `gradientSums` (Σg, Σg·x̂, dγ, dβ) + `inputGradient` with centering = Σg/M,
 * projection = Σg·x̂/M, outScale = r, or, for injected statistics, a scale-shift of dy
 * about 0 with scale r. The backward saves x and the `[outer, 1, kept, 1]` statistics and
 * recomputes x̂, so no x-sized intermediate is kept; the kernels take x, dy in their own
 * shape with the view as an attr, so no view of them is made either.
 */
import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from './customGrad';
import { gradientSums, inputGradient, scaleShift, standardize } from './kernels/statistics/contract';
import { reducedSize, statisticsShape, type FeatureLayout, type StatisticsView } from './kernels/statistics/view';

/** A mean and a (biased) variance per statistic. */
export interface NormStatistics {
  readonly mean: tf.Tensor;
  readonly variance: tf.Tensor;
}

export interface NormalizeSpec {
  /** Statistics view of x (after `permutation`, if any): the reduction axes. */
  readonly view: StatisticsView;
  /** Where γ and β vary over x (after `permutation`): the feature axes. */
  readonly features: FeatureLayout;
  readonly epsilon: number;
  /** Axes permutation applied to x first (layerNorm over non-trailing axes). */
  readonly permutation?: number[];
  /**
   * Injected statistics, one per statistic of the view in its order (`[outer, 1, kept, 1]`
   * or any shape of that size, e.g. batch norm's `[C]`): constants. Absent: x's batch
   * statistics.
   */
  readonly statistics?: NormStatistics;
  /** Return the batch statistics (when not injected), for a caller that keeps moving ones. */
  readonly returnBatchStatistics?: boolean;
}

export interface Normalized {
  /** The normalised x, shaped like x. */
  readonly y: tf.Tensor;
  /**
   * x's batch statistics `[outer, 1, kept, 1]` (biased variance), when they were computed
   * and asked for: tensors of the caller's scope, no gradient through them.
   */
  readonly batchStatistics?: NormStatistics;
}

/** Normalises x per the spec; gamma and beta (either may be absent) are differentiable. */
export function normalize(x: tf.Tensor, gamma: tf.Tensor | undefined, beta: tf.Tensor | undefined, spec: NormalizeSpec): Normalized {
  const { view, features, epsilon, permutation, statistics } = spec;
  const inverse = permutation === undefined ? undefined : invert(permutation);
  const arrange = (t: tf.Tensor) => (permutation === undefined ? t : tf.transpose(t, permutation));
  const restore = (t: tf.Tensor) => (inverse === undefined ? t : tf.transpose(t, inverse));
  const statsShape = statisticsShape(view);
  const size = reducedSize(view);
  const flat = (t: tf.Tensor | undefined) => (t === undefined ? undefined : tf.reshape(t, [-1]));
  // The forward runs inside tfjs's tidy for customGrad: batch statistics asked for are
  // kept past it here, then handed to the caller's scope below.
  let kept: NormStatistics | undefined;

  const inputs = [x, ...(gamma === undefined ? [] : [gamma]), ...(beta === undefined ? [] : [beta])];
  const run = customGrad<tf.Tensor[]>(([input, ...affine], save) => {
    // The kernels take x in its own shape with the view as an attr: no reshape view of x,
    // y, dy or dx is ever made. The forward+backward peak is y and dx beside x and dy:
    // the engine's clone of the saved x shares x's buffer on cpu and webgl, and on wasm,
    // where it is a copy, dx is written into that copy.
    const arranged = arrange(input as tf.Tensor);
    const gammaValue = flat(gamma === undefined ? undefined : affine[0]);
    const betaValue = flat(beta === undefined ? undefined : affine[gamma === undefined ? 0 : 1]);
    let mean: tf.Tensor;
    let inverseStd: tf.Tensor;
    let y: tf.Tensor;
    if (statistics === undefined) {
      const standardized = standardize(arranged, { view, epsilon, gamma: gammaValue, beta: betaValue, features });
      ({ y, mean, inverseStd } = standardized);
      if (spec.returnBatchStatistics === true) kept = { mean: tf.keep(standardized.mean), variance: tf.keep(standardized.variance) };
    } else {
      mean = tf.reshape(statistics.mean, statsShape);
      inverseStd = tf.rsqrt(tf.add(tf.reshape(statistics.variance, statsShape), epsilon));
      y = scaleShift(arranged, { view, mean, scale: inverseStd, gamma: gammaValue, beta: betaValue, features });
    }
    const value = restore(y);
    if (value !== y) y.dispose();
    save([arranged, mean, inverseStd, ...(gammaValue === undefined ? [] : [gammaValue])]);
    return {
      value,
      gradFunc: (dy, saved) => {
        const [xSaved, savedMean, savedInverseStd, savedGamma] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
        const dyArranged = arrange(dy);
        const affineGradients = gamma !== undefined || beta !== undefined;
        const terms = { view, mean: savedMean, scale: savedInverseStd, gamma: savedGamma, features };
        let dx: tf.Tensor;
        let dGamma: tf.Tensor | undefined;
        let dBeta: tf.Tensor | undefined;
        if (statistics === undefined) {
          const sums = gradientSums(xSaved, dyArranged, { ...terms, affineGradients });
          ({ dGamma, dBeta } = sums);
          // The saved x's last use: on wasm dx may take over the engine's copy of it.
          dx = inputGradient(xSaved, dyArranged, {
            ...terms,
            centering: tf.div(sums.sumG, size),
            projection: tf.div(sums.sumGNormalized, size),
            outScale: savedInverseStd,
            overwriteX: true,
          });
        } else {
          if (affineGradients) ({ dGamma, dBeta } = gradientSums(xSaved, dyArranged, { ...terms, affineGradients }));
          // dx = r·γ·dy: dy scaled about a zero mean.
          dx = scaleShift(dyArranged, { ...terms, mean: tf.zeros(statsShape) });
        }
        if (dyArranged !== dy) dyArranged.dispose();
        const grads = [restore(dx)];
        if (grads[0] !== dx) dx.dispose();
        if (gamma !== undefined) grads.push(tf.reshape(dGamma as tf.Tensor, gamma.shape));
        if (beta !== undefined) grads.push(tf.reshape(dBeta as tf.Tensor, beta.shape));
        return grads;
      },
    };
  });
  const y = run(...inputs);
  if (kept === undefined) return { y };
  // Clones in the caller's scope (sharing the data on cpu and webgl), so its tidy owns them.
  const batchStatistics = { mean: tf.clone(kept.mean), variance: tf.clone(kept.variance) };
  tf.dispose([kept.mean, kept.variance]);
  return { y, batchStatistics };
}

function invert(permutation: number[]): number[] {
  const inverse = new Array<number>(permutation.length);
  permutation.forEach((axis, i) => (inverse[axis] = i));
  return inverse;
}
