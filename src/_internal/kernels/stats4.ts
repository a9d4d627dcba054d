/**
 * The fused-kernel contracts of the statistics core. Every op built on channel/group/
 * batch/layer statistics (meanStd, adain, the norms, perturbMeanStd, channelVariance)
 * reduces to these kernels over a 4-D view `[P, A, Q, B]` (see `../layout.ts`),
 * with statistics shaped `[P, 1, Q, 1]` (reductions over axes 1 and 3):
 *
 * | kernel | inputs → outputs |
 * |---|---|
 * | `FeatstatsMoments4`    | x → mean, variance (÷ (M − ddof)), M = A·B |
 * | `FeatstatsScaleShift4` | x, mean, scale?, shift?, gamma?, beta? → y = (x − mean)·scale·γ + β + shift |
 * | `FeatstatsNormalize4`  | x, gamma?, beta? → y = (x − mean)·rsqrt(variance + ε)·γ + β, mean, variance, rsqrt(variance + ε) (cpu only; elsewhere the two above) |
 * | `FeatstatsGradSums4`   | x, dy, mean, scale?, gamma? → Σg, Σg·x̂ (per statistic) [, dγ = Σdy·x̂, dβ = Σdy] |
 * | `FeatstatsGradApply4`  | x, dy, mean, scale?, gamma?, a, b, outScale → dx = (g − a − x̂·b)·outScale |
 *
 * with x̂ = (x − mean)·scale and g = dy·γ. `mean`, `scale`, `shift`, `a`, `b` and
 * `outScale` are statistics `[P, 1, Q, 1]`; absent `scale`/`gamma` mean 1, absent
 * `shift`/`beta` mean 0.
 *
 * **Shapes.** x and dy come in their own shape (dy has x's size), with the view given by
 * the attr `view` (`[P, A, Q, B]`, product x.size), and y and dx come back in x's shape.
 * The kernels read x's flat row-major elements as the view, so no caller ever makes a
 * reshape of an x-sized tensor: tfjs counts every tensor object's bytes (`tf.memory()`,
 * `tf.profile`), a view sharing its data included, so each view would cost one x of
 * reported memory.
 *
 * **Affine parameters** γ and β are 1-D `[affineSize]`. Element i of the view (flat,
 * row-major) uses `γ[⌊i / affineStride⌋ mod affineSize]`. Callers guarantee that
 * `affineStride·affineSize` divides Q·B, so the affine index depends only on the (q, b)
 * position: per channel in NHWC `[N, L, C, 1]` is stride 1, size C; in NCHW `[N, 1, C, L]`
 * stride L, size C; layer norm's element-wise γ over `[B, 1, 1, M]` is stride 1, size M.
 * dγ and dβ are `[affineSize]`.
 *
 * The composites below define the semantics; fused implementations (`./host/stats4.ts`
 * for cpu and wasm, `./webgl/stats4.ts`) must agree with them within the tolerance
 * table. Fused kernels accumulate in float64 where they can; the composites use the
 * float32 refinements documented in `../moments.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';

import { dispatch, type FusedKernel } from '../dispatch';
import { centeredVariance4Composite, mean4Composite } from '../moments';
import * as host from './host/stats4';
import * as webgl from './webgl/stats4';

const REDUCED_AXES = [1, 3];

export const MOMENTS4: FusedKernel = {
  name: 'FeatstatsMoments4',
  backends: { cpu: host.moments4Cpu, wasm: host.moments4Wasm, webgl: webgl.moments4Webgl },
};
export const SCALE_SHIFT4: FusedKernel = {
  name: 'FeatstatsScaleShift4',
  backends: { cpu: host.scaleShift4Cpu, wasm: host.scaleShift4Wasm, webgl: webgl.scaleShift4Webgl },
};
/**
 * The norms' forward (moments4, rsqrt(variance + ε), scaleShift4) in one kernel: on the
 * cpu backend it stages x once instead of twice (see `./host/stats4.ts`). Other backends
 * run the three steps, each their own fused kernel.
 */
export const NORMALIZE4: FusedKernel = {
  name: 'FeatstatsNormalize4',
  backends: { cpu: host.normalize4Cpu },
};
export const GRAD_SUMS4: FusedKernel = {
  name: 'FeatstatsGradSums4',
  backends: { cpu: host.gradSums4Cpu, wasm: host.gradSums4Wasm, webgl: webgl.gradSums4Webgl },
};
export const GRAD_APPLY4: FusedKernel = {
  name: 'FeatstatsGradApply4',
  backends: { cpu: host.gradApply4Cpu, wasm: host.gradApply4Wasm, webgl: webgl.gradApply4Webgl },
};

/** How γ/β map onto the flat elements of a view (see the module comment). */
export interface AffineMap {
  readonly affineStride: number;
  readonly affineSize: number;
}

/** Optional per-element factors: γ and β `[affineSize]`, with their map. */
export interface Affine extends Partial<AffineMap> {
  readonly gamma?: tf.Tensor | undefined;
  readonly beta?: tf.Tensor | undefined;
}

function affineAttrs(affine: Affine): AffineMap {
  return { affineStride: affine.affineStride ?? 1, affineSize: affine.affineSize ?? 1 };
}

/** Adds the present optional tensors to a kernel input map. */
function withOptional(inputs: tf.NamedTensorMap, optional: Record<string, tf.Tensor | undefined>): tf.NamedTensorMap {
  for (const [name, t] of Object.entries(optional)) if (t !== undefined) inputs[name] = t;
  return inputs;
}

/** `t` (shaped like a view) seen as `[rest, affineSize, affineStride]`, so γ `[1, size, 1]` broadcasts. */
function affineView(t: tf.Tensor, map: AffineMap): tf.Tensor3D {
  return tf.reshape(t, [-1, map.affineSize, map.affineStride]);
}

function applyAffine(t: tf.Tensor4D, gamma: tf.Tensor | undefined, beta: tf.Tensor | undefined, map: AffineMap): tf.Tensor4D {
  if (gamma === undefined && beta === undefined) return t;
  const shape = [1, map.affineSize, 1];
  let y: tf.Tensor = affineView(t, map);
  if (gamma !== undefined) y = tf.mul(y, tf.reshape(gamma, shape));
  if (beta !== undefined) y = tf.add(y, tf.reshape(beta, shape));
  return tf.reshape(y, t.shape);
}

/** The view of a call: `view` when given (its product must be x.size), else x's own 4-D shape. */
function viewOf(x: tf.Tensor, view: readonly number[] | undefined): [number, number, number, number] {
  const shape = [...(view ?? x.shape)];
  if (shape.length !== 4 || shape.reduce((a, b) => a * b, 1) !== x.size) {
    throw new Error(`featstats: a stats4 view must be 4-D with ${x.size} elements but got [${shape.join(',')}]`);
  }
  return shape as [number, number, number, number];
}

/** The view of a call, as an optional factor. */
export interface ViewOption {
  /** `[P, A, Q, B]` over x's flat elements; default x's own (4-D) shape. */
  readonly view?: readonly number[] | undefined;
}

/** For a gradient's last use of a saved tensor as x (`../host.ts`, `reusesInput`). */
export interface OverwriteOption {
  /**
   * The caller will not read x again: on wasm, when no other tensor shares x's buffer
   * (the engine's private copy of a saved tensor), the output is written into it.
   */
  readonly overwriteX?: boolean | undefined;
}

/**
 * Mean and variance (÷ (M − ddof)) over axes 1 and 3 of x seen as `view` (default x's
 * own 4-D shape): two `[P, 1, Q, 1]`.
 */
export function moments4(x: tf.Tensor, ddof: number, view?: readonly number[]): [tf.Tensor4D, tf.Tensor4D] {
  const shape = viewOf(x, view);
  return dispatch(MOMENTS4, { x }, { ddof, view: shape }, () =>
    tf.tidy(() => {
      const x4 = tf.reshape(x, shape) as tf.Tensor4D;
      const mean = mean4Composite(x4);
      return [mean, centeredVariance4Composite(x4, mean, ddof)];
    }),
  ) as [tf.Tensor4D, tf.Tensor4D];
}

/** `(x − mean)·scale·γ + β + shift` over x seen as a view (see the module comment), shaped like x. */
export function scaleShift4(
  x: tf.Tensor,
  mean: tf.Tensor,
  factors: { readonly scale?: tf.Tensor | undefined; readonly shift?: tf.Tensor | undefined } & Affine & ViewOption & OverwriteOption,
): tf.Tensor {
  const { scale, shift, gamma, beta } = factors;
  const map = affineAttrs(factors);
  const view = viewOf(x, factors.view);
  const inputs = withOptional({ x, mean }, { scale, shift, gamma, beta });
  return dispatch(SCALE_SHIFT4, inputs, { ...map, view, overwrite: factors.overwriteX === true }, () =>
    tf.tidy(() => {
      let y = tf.sub(tf.reshape(x, view), mean) as tf.Tensor4D;
      if (scale !== undefined) y = tf.mul(y, scale);
      y = applyAffine(y, gamma, beta, map);
      return tf.reshape(shift === undefined ? y : tf.add(y, shift), x.shape);
    }),
  ) as tf.Tensor;
}

/**
 * `y = (x − mean)·rsqrt(variance + ε)·γ + β` with the biased moments of x over the view:
 * `[y, mean, variance, inverseStd]`, y shaped like x and the statistics `[P, 1, Q, 1]`.
 */
export function normalize4(x: tf.Tensor, options: { readonly epsilon: number } & Affine & ViewOption): [tf.Tensor, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  const { gamma, beta, epsilon } = options;
  const map = affineAttrs(options);
  const view = viewOf(x, options.view);
  const inputs = withOptional({ x }, { gamma, beta });
  return dispatch(NORMALIZE4, inputs, { ...map, view, epsilon }, () => {
    const [mean, variance] = moments4(x, 0, view);
    const inverseStd = tf.tidy(() => tf.rsqrt(tf.add(variance, epsilon))) as tf.Tensor4D;
    return [scaleShift4(x, mean, { scale: inverseStd, gamma, beta, ...map, view }), mean, variance, inverseStd];
  }) as [tf.Tensor, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
}

/** Σg and Σg·x̂ per statistic, and dγ, dβ `[affineSize]` when `affineGrads`; dy shaped like x. */
export function gradSums4(
  x: tf.Tensor,
  dy: tf.Tensor,
  mean: tf.Tensor,
  factors: { readonly scale?: tf.Tensor | undefined; readonly affineGrads: boolean } & Affine & ViewOption,
): tf.Tensor[] {
  const { scale, gamma, affineGrads } = factors;
  const map = affineAttrs(factors);
  const view = viewOf(x, factors.view);
  viewOf(dy, view);
  const inputs = withOptional({ x, dy, mean }, { scale, gamma });
  return dispatch(GRAD_SUMS4, inputs, { ...map, affineGrads, view }, () =>
    tf.tidy(() => {
      const dy4 = tf.reshape(dy, view) as tf.Tensor4D;
      let normalized: tf.Tensor = tf.sub(tf.reshape(x, view), mean);
      if (scale !== undefined) normalized = tf.mul(normalized, scale);
      const g = gamma === undefined ? dy4 : applyAffine(dy4, gamma, undefined, map);
      const sums = [tf.sum(g, REDUCED_AXES, true), tf.sum(tf.mul(g, normalized), REDUCED_AXES, true)];
      if (!affineGrads) return sums;
      const reduce = (t: tf.Tensor) => tf.sum(affineView(t, map), [0, 2]);
      return [...sums, reduce(tf.mul(dy4, normalized)), reduce(dy4)];
    }),
  );
}

/** `dx = (g − a − x̂·b)·outScale` with g = dy·γ and x̂ = (x − mean)·scale; dy and dx shaped like x. */
export function gradApply4(
  x: tf.Tensor,
  dy: tf.Tensor,
  mean: tf.Tensor,
  terms: { readonly a: tf.Tensor; readonly b: tf.Tensor; readonly outScale: tf.Tensor; readonly scale?: tf.Tensor | undefined } & Affine & ViewOption & OverwriteOption,
): tf.Tensor {
  const { a, b, outScale, scale, gamma } = terms;
  const map = affineAttrs(terms);
  const view = viewOf(x, terms.view);
  viewOf(dy, view);
  const inputs = withOptional({ x, dy, mean, a, b, outScale }, { scale, gamma });
  return dispatch(GRAD_APPLY4, inputs, { ...map, view, overwrite: terms.overwriteX === true }, () =>
    tf.tidy(() => {
      const dy4 = tf.reshape(dy, view) as tf.Tensor4D;
      let normalized: tf.Tensor = tf.sub(tf.reshape(x, view), mean);
      if (scale !== undefined) normalized = tf.mul(normalized, scale);
      const g = gamma === undefined ? dy4 : applyAffine(dy4, gamma, undefined, map);
      return tf.reshape(tf.mul(tf.sub(tf.sub(g, a), tf.mul(normalized, b)), outScale), x.shape);
    }),
  ) as tf.Tensor;
}
