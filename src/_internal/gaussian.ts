/**
 * Separable Gaussian smoothing with reflection padding, as products with small banded
 * matrices — one `[L, L]` matrix per spatial axis, reflection folded in. Used by IBA's
 * smoothed bottleneck and by `gaussianBlur`.
 *
 * Why matrices rather than a padded convolution: the operator is linear, so its gradient
 * is the same product with the transposed matrices — exact at the borders, where the
 * adjoint of "reflect-pad then convolve" would otherwise need the reflected halo folded
 * back by hand. The matrices are built on the host in float64 (they depend only on L, σ
 * and the kernel size) and reflection may fold several times, so any kernel fits any
 * size (PyTorch's 'reflect' needs pad < L).
 */
import * as tf from '@tensorflow/tfjs-core';

import { smoothAxis } from './kernels/smoothing/contract';

/** Kernel size used by IBA for a given σ: 2·round(2σ) + 1. */
export function ibaKernelSize(sigma: number): number {
  return 2 * Math.round(2 * sigma) + 1;
}

/** Index i reflected into [0, L) without repeating the edge (…, 2, 1 | 0, 1, …, L−1 | L−2, …). */
export function reflectIndex(i: number, length: number): number {
  if (length === 1) return 0;
  const period = 2 * (length - 1);
  const folded = ((i % period) + period) % period;
  return folded < length ? folded : period - folded;
}

/**
 * `[L, L]` matrix M with (M·v)[i] = Σ_k w_k·v[reflect(i + k − r)], w the normalised
 * Gaussian of `kernelSize` = 2r + 1 taps and standard deviation σ.
 */
export function gaussianMatrix(length: number, sigma: number, kernelSize: number): Float32Array {
  const radius = (kernelSize - 1) / 2;
  // σ² underflows below ~1e-154 and would make the centre tap 0/0: clamp (the identity then).
  const variance = Math.max(sigma * sigma, 1e-300);
  const taps = Array.from({ length: kernelSize }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * variance)));
  const total = taps.reduce((a, b) => a + b, 0);
  const matrix = new Float64Array(length * length);
  for (let i = 0; i < length; i++) {
    taps.forEach((tap, k) => {
      const j = reflectIndex(i + k - radius, length);
      matrix[i * length + j] = (matrix[i * length + j] as number) + tap / total;
    });
  }
  return Float32Array.from(matrix);
}

/**
 * Applies `matrices[k]` (or its transpose) along `axes[k]` of x: the smoothing (or its
 * adjoint, for gradients), one pass per axis through the smoothing kernel. Each matrix is
 * `[L, L]` for the size L of its axis.
 */
export function applyAlongAxes(x: tf.Tensor, axes: readonly number[], matrices: readonly Float32Array[], transpose = false): tf.Tensor {
  return tf.tidy(() => {
    let value = x;
    axes.forEach((axis, k) => {
      const length = value.shape[axis] as number;
      if (length === 1) return;
      value = smoothAxis(value, matrices[k] as Float32Array, axis, transpose);
    });
    return value;
  });
}
