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
 * The first follows from ∂x̂ᵢ/∂xⱼ = r·(δᵢⱼ − 1/M) − r·x̂ᵢx̂ⱼ/M. The backward saves x and
 * the [P, 1, Q, 1] statistics and recomputes x̂, so no x-sized intermediate is kept.
 */
import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from './customGrad';
import type { View4 } from './layout';
import { centeredVariance4, mean4, reducedSize, sum4 } from './moments';

export interface NormalizeSpec {
  /** Statistics view of x (after `permutation`, if any). */
  readonly view: View4;
  /** Shape γ and β are reshaped to; broadcasts against x (after `permutation`). */
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

  const inputs = [x, ...(gamma === undefined ? [] : [gamma]), ...(beta === undefined ? [] : [beta])];
  const run = customGrad<tf.Tensor[]>(([input, ...affine], save) => {
    const arranged = arrange(input as tf.Tensor);
    const x4 = tf.reshape(arranged, view) as tf.Tensor4D;
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (fixedStatistics === undefined) {
      mean = mean4(x4);
      variance = centeredVariance4(x4, mean as tf.Tensor4D, 0);
      spec.onStatistics?.(mean, variance);
    } else {
      mean = tf.reshape(fixedStatistics.mean, statsShape);
      variance = tf.reshape(fixedStatistics.variance, statsShape);
    }
    const inverseStd = tf.rsqrt(tf.add(variance, epsilon));
    const normalized = tf.reshape(tf.mul(tf.sub(x4, mean), inverseStd), arranged.shape);
    const gammaValue = gamma === undefined ? undefined : tf.reshape(affine[0] as tf.Tensor, affineShape);
    const betaValue = beta === undefined ? undefined : tf.reshape(affine[gamma === undefined ? 0 : 1] as tf.Tensor, affineShape);
    let y = gammaValue === undefined ? normalized : tf.mul(normalized, gammaValue);
    if (betaValue !== undefined) y = tf.add(y, betaValue);
    save([input as tf.Tensor, mean, inverseStd, ...(gammaValue === undefined ? [] : [gammaValue])]);
    return {
      value: restore(y),
      gradFunc: (dy, saved) => {
        const [savedX, savedMean, savedInverseStd, savedGamma] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
        const dyArranged = arrange(dy);
        const arrangedX = arrange(savedX);
        const normalizedX = tf.mul(tf.sub(tf.reshape(arrangedX, view), savedMean), savedInverseStd);
        const g = tf.reshape(savedGamma === undefined ? dyArranged : tf.mul(dyArranged, savedGamma), view);
        let dx4: tf.Tensor;
        if (fixedStatistics === undefined) {
          const meanG = tf.div(sum4(g), size);
          const meanGx = tf.div(sum4(tf.mul(g, normalizedX)), size);
          dx4 = tf.mul(tf.sub(tf.sub(g, meanG), tf.mul(normalizedX, meanGx)), savedInverseStd);
        } else {
          dx4 = tf.mul(g, savedInverseStd);
        }
        const grads = [restore(tf.reshape(dx4, arrangedX.shape))];
        const broadcastAxes = affineShape.flatMap((d, axis) => (d === 1 ? [axis] : []));
        const reduceToAffine = (t: tf.Tensor, like: tf.Tensor) => tf.reshape(tf.sum(t, broadcastAxes), like.shape);
        if (gamma !== undefined) grads.push(reduceToAffine(tf.mul(dyArranged, tf.reshape(normalizedX, arrangedX.shape)), gamma));
        if (beta !== undefined) grads.push(reduceToAffine(dyArranged, beta));
        return grads;
      },
    };
  });
  return run(...inputs);
}

function invert(permutation: number[]): number[] {
  const inverse = new Array<number>(permutation.length);
  permutation.forEach((axis, i) => (inverse[axis] = i));
  return inverse;
}
