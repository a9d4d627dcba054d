/**
 * Safe L2 normalisation of rows `[N, D]`: x̂ = x·rsqrt(max(Σx², ε²)), never
 * `tf.norm`/`tf.sqrt`, whose gradient at a zero row is NaN. Rows with ‖x‖ ≤ ε are scaled
 * by 1/ε instead (linear there), so a zero row maps to zero with a finite gradient.
 *
 * Backward: for ‖x‖ > ε, ∂x̂/∂x = (I − x̂x̂ᵀ)/‖x‖, so dx = (dx̂ − x̂·⟨dx̂, x̂⟩)/‖x‖; below
 * ε the map is x/ε and dx = dx̂/ε. `active` (1 above ε, 0 below) switches the projection.
 *
 * The `[N, D]` steps are the row kernels `scaleRows` and `blendRows` (fused on cpu and
 * wasm): as broadcasts against `[N, 1]` they are tfjs-cpu's slow path, ≈ 14 ms each at
 * `[512, 512]`, more than the contrastive kernels between them (bench/README.md).
 */
import * as tf from '@tensorflow/tfjs-core';

import { blendRows, rowDots, scaleRows } from './kernels/sort/contract';

/** Default ε of the normalisation: 1e-12, as PyTorch's `F.normalize`. */
export const ROW_NORM_EPSILON = 1e-12;

export interface NormalizedRows {
  /** x̂ `[N, D]`. */
  readonly normalized: tf.Tensor2D;
  /** 1/max(‖x‖, ε) `[N, 1]`. */
  readonly inverseNorm: tf.Tensor2D;
  /**
   * ‖x‖² `[N, 1]`: ‖x̂‖² = ‖x‖²/max(‖x‖, ε)² needs no pass over x̂, and the backward tells
   * the rows above ε from it.
   */
  readonly squaredNorm: tf.Tensor2D;
}

export function normalizeRows(x: tf.Tensor2D, epsilon = ROW_NORM_EPSILON): NormalizedRows {
  const squaredNorm = rowDots(x, x);
  const inverseNorm = tf.rsqrt(tf.maximum(squaredNorm, epsilon * epsilon)) as tf.Tensor2D;
  return { normalized: scaleRows(x, inverseNorm), inverseNorm, squaredNorm };
}

/** dx from dx̂ (see the module comment), with the ε of the forward. */
export function normalizeRowsGrad(dNormalized: tf.Tensor2D, rows: NormalizedRows, epsilon = ROW_NORM_EPSILON): tf.Tensor2D {
  // `active`: 1 where ‖x‖ > ε, else 0, made here so a forward alone never makes it.
  const active = tf.cast(tf.greater(rows.squaredNorm, epsilon * epsilon), 'float32');
  const projection = tf.mul(rowDots(dNormalized, rows.normalized), active);
  // (dx̂ − x̂·p)·r as dx̂·r + x̂·(−p·r): one pass over the rows.
  return blendRows(dNormalized, rows.normalized, rows.inverseNorm, tf.neg(tf.mul(projection, rows.inverseNorm)) as tf.Tensor2D);
}

/** Flattens `[N, ...]` to `[N, D]`. */
export function flattenSamples(x: tf.Tensor): tf.Tensor2D {
  const n = x.shape[0] ?? 1;
  return tf.reshape(x, [n, x.size / n]);
}
