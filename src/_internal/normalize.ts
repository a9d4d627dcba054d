/**
 * The normalisation core shared by instanceNorm, groupNorm, layerNorm and batchNorm:
 * `y = (x − μ)·rsqrt(σ² + ε)·γ + β`, statistics over axes 1 and 3 of a 4-D view (see
 * `layout.ts`), biased variance, epsilon inside the square root. Never `tf.batchNorm`:
 * on cpu and wasm it silently returns wrong values for broadcast statistics.
 *
 * Gradient (closed form, not autodiff of the composite). With x̂ = (x − μ)·r,
 * r = rsqrt(σ² + ε), g = dy·γ and means over the M elements of a group,
 *   dx = r·(g − mean(g) − x̂·mean(g·x̂))   (statistics from x),
 *   dx = r·g                              (fixed statistics: inference),
 *   dγ = Σ dy·x̂,  dβ = Σ dy               (over every axis γ broadcasts along).
 * The first follows from ∂x̂ᵢ/∂xⱼ = r·(δᵢⱼ − 1/M) − r·x̂ᵢx̂ⱼ/M. Every step is one kernel of
 * `kernels/stats4.ts`: the forward is `moments4` + `scaleShift4`; the backward is
 * `gradSums4` (Σg, Σg·x̂, dγ, dβ) + `gradApply4` with a = Σg/M, b = Σg·x̂/M, outScale = r,
 * or, for fixed statistics, `scaleShift4` of dy about 0 with scale r. The backward saves
 * x (as its view) and the [P, 1, Q, 1] statistics and recomputes x̂, so no x-sized
 * intermediate is kept.
 */
import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from './customGrad';
import { gradApply4, gradSums4, moments4, scaleShift4, type AffineMap } from './kernels/stats4';
import type { View4 } from './layout';
import { reducedSize } from './moments';

export interface NormalizeSpec {
  /** Statistics view of x (after `permutation`, if any). */
  readonly view: View4;
  /**
   * Shape γ and β broadcast as against x (after `permutation`): their non-1 dims must be
   * one block of consecutive axes (per channel, or the trailing normalised dims).
   */
  readonly affineShape: number[];
  readonly epsilon: number;
  /** Axes permutation applied to x first (layerNorm over non-trailing axes). */
  readonly permutation?: number[];
  /** Constant statistics, shaped `[P, 1, Q, 1]` (inference); else computed from x. */
  readonly fixedStatistics?: { readonly mean: tf.Tensor; readonly variance: tf.Tensor };
  /** Receives the batch statistics `[P, 1, Q, 1]` (biased variance) when computed. */
  readonly onStatistics?: (mean: tf.Tensor, variance: tf.Tensor) => void;
}

/** Normalises x per the spec; gamma and beta (either may be absent) are differentiable. */
export function normalize(x: tf.Tensor, gamma: tf.Tensor | undefined, beta: tf.Tensor | undefined, spec: NormalizeSpec): tf.Tensor {
  const { view, affineShape, epsilon, permutation, fixedStatistics } = spec;
  const inverse = permutation === undefined ? undefined : invert(permutation);
  const arrange = (t: tf.Tensor) => (permutation === undefined ? t : tf.transpose(t, permutation));
  const restore = (t: tf.Tensor) => (inverse === undefined ? t : tf.transpose(t, inverse));
  const statsShape: View4 = [view[0], 1, view[2], 1];
  const size = reducedSize(view);
  const arrangedShape = permutation === undefined ? x.shape : permutation.map((axis) => x.shape[axis] as number);
  const map = affineMap(arrangedShape, affineShape);
  const flat = (t: tf.Tensor | undefined) => (t === undefined ? undefined : tf.reshape(t, [-1]));

  const inputs = [x, ...(gamma === undefined ? [] : [gamma]), ...(beta === undefined ? [] : [beta])];
  const run = customGrad<tf.Tensor[]>(([input, ...affine], save) => {
    const x4 = tf.reshape(arrange(input as tf.Tensor), view) as tf.Tensor4D;
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (fixedStatistics === undefined) {
      [mean, variance] = moments4(x4, 0);
      spec.onStatistics?.(mean, variance);
    } else {
      mean = tf.reshape(fixedStatistics.mean, statsShape);
      variance = tf.reshape(fixedStatistics.variance, statsShape);
    }
    const inverseStd = tf.rsqrt(tf.add(variance, epsilon));
    const gammaValue = flat(gamma === undefined ? undefined : affine[0]);
    const betaValue = flat(beta === undefined ? undefined : affine[gamma === undefined ? 0 : 1]);
    const y4 = scaleShift4(x4, mean, { scale: inverseStd, gamma: gammaValue, beta: betaValue, ...map });
    const value = restore(tf.reshape(y4, arrangedShape));
    // Freed early, and x saved as its view x4 (the backward needs no reshape of it): every
    // live tensor object counts toward tfjs's memory, views included, so this keeps the
    // peak at y, x4 and the saved copy.
    y4.dispose();
    save([x4, mean, inverseStd, ...(gammaValue === undefined ? [] : [gammaValue])]);
    return {
      value,
      gradFunc: (dy, saved) => {
        const [x4Saved, savedMean, savedInverseStd, savedGamma] = saved as [tf.Tensor4D, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
        const dy4 = tf.reshape(arrange(dy), view) as tf.Tensor4D;
        const affineGrads = gamma !== undefined || beta !== undefined;
        const factors = { scale: savedInverseStd, gamma: savedGamma, ...map };
        let dx4: tf.Tensor4D;
        let affineSums: tf.Tensor[] = [];
        if (fixedStatistics === undefined) {
          const [sumG, sumGNormalized, ...rest] = gradSums4(x4Saved, dy4, savedMean, { ...factors, affineGrads }) as [tf.Tensor, tf.Tensor, ...tf.Tensor[]];
          affineSums = rest;
          dx4 = gradApply4(x4Saved, dy4, savedMean, { ...factors, a: tf.div(sumG, size), b: tf.div(sumGNormalized, size), outScale: savedInverseStd });
        } else {
          if (affineGrads) affineSums = gradSums4(x4Saved, dy4, savedMean, { ...factors, affineGrads }).slice(2);
          // dx = r·γ·dy: dy scaled about a zero mean.
          dx4 = scaleShift4(dy4, tf.zeros(statsShape), factors);
        }
        dy4.dispose();
        const grads = [restore(tf.reshape(dx4, arrangedShape))];
        dx4.dispose();
        const [dGamma, dBeta] = affineSums as [tf.Tensor, tf.Tensor];
        if (gamma !== undefined) grads.push(tf.reshape(dGamma, gamma.shape));
        if (beta !== undefined) grads.push(tf.reshape(dBeta, beta.shape));
        return grads;
      },
    };
  });
  return run(...inputs);
}

/**
 * How γ/β `affineShape` map onto the flat elements of x (see `kernels/stats4.ts`): their
 * size, and the stride = the number of elements of x after the last non-1 axis of
 * `affineShape` (1 for NHWC channels and layer norm's trailing dims, L for NCHW channels).
 */
function affineMap(shape: readonly number[], affineShape: readonly number[]): AffineMap {
  const last = affineShape.reduce((found, d, axis) => (d === 1 ? found : axis), -1);
  const affineStride = shape.slice(last + 1).reduce((a, b) => a * b, 1);
  return { affineStride: last < 0 ? 1 : affineStride, affineSize: affineShape.reduce((a, b) => a * b, 1) };
}

function invert(permutation: number[]): number[] {
  const inverse = new Array<number>(permutation.length);
  permutation.forEach((axis, i) => (inverse[axis] = i));
  return inverse;
}
