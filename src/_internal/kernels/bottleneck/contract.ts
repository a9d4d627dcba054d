/**
 * The bottleneck kernels, the element-wise core of IBA's `informationBottleneck`: its two
 * outputs and their gradients, from R `[N, ...]` and per-sample tensors `[...]` (element i
 * of R uses element i mod M of each, M the size of a sample, in either layout).
 *
 * | kernel | inputs → outputs |
 * |---|---|
 * | `FeatstatsBottleneckForward`  | r, lambda, oneMinusLambda, mean, sigma, noise (R's shape), mask? ; attr `term` → R's shape: `'output'`: m·(λ·R + (1 − λ)·ε), `'capacity'`: m·(−½)(1 + 2·log max(1 − λ, s) − (λ·r')² − (1 − λ)²) |
 * | `FeatstatsBottleneckBackward` | the same and dy ; attr `term` → dR (R's shape), Σₙ gλ and Σₙ g₁₋λ (a sample's shape) |
 *
 * with ε = μ + σ·n, r' = (R − μ)/σ, m the mask (1 when absent) and s float32's smallest
 * normal. The backward's terms (derived in `src/attribution/informationBottleneck.ts`),
 * with o = m·dy: for `'output'` dR = o·λ, gλ = o·R, g₁₋λ = o·ε; for `'capacity'`
 * dR = o·λ²·r'/σ, gλ = o·λ·r'², g₁₋λ = o·((1 − λ) − 1/max(1 − λ, s)). The op smooths λ
 * and takes dα from the two sums (sample-sized work).
 *
 * | backend | implementation |
 * |---|---|
 * | cpu, wasm | `host/`: per-sample factors once (the logarithm and divisions: a sample's size of work), then one pass over R (and dy) in the compiled module `../host/compiled/bottleneck.c` (float32 SIMD), or in TypeScript in float64 where WebAssembly SIMD cannot run |
 * | webgl | `webgl/bottleneck.ts`: the forward and dR one element-wise program each, each batch sum one program with a texel per sample element looping over N; nothing read back |
 * | webgpu | `webgpu/bottleneck.ts`: the same programs in WGSL, the element-wise ones over runs of samples (one invocation per sample element and run); nothing read back |
 *
 * The composites broadcast the sample tensors against R (tfjs cpu's slow path; a dozen
 * R-sized passes on a GPU) and allocate every intermediate.
 */
import * as tf from '@tensorflow/tfjs-core';

import { dispatch, type FusedKernel } from '../dispatch';
import { bottleneckBackwardCpu, bottleneckBackwardWasm } from './host/bottleneckBackward';
import { bottleneckForwardCpu, bottleneckForwardWasm } from './host/bottleneckForward';
import { SMALLEST_NOISE_WEIGHT } from './host/common';
import { bottleneckBackwardWebgl, bottleneckForwardWebgl } from './webgl/bottleneck';
import { bottleneckBackwardWebgpu, bottleneckForwardWebgpu } from './webgpu/bottleneck';

export const BOTTLENECK_FORWARD: FusedKernel = {
  name: 'FeatstatsBottleneckForward',
  backends: { cpu: bottleneckForwardCpu, wasm: bottleneckForwardWasm, webgl: bottleneckForwardWebgl, webgpu: bottleneckForwardWebgpu },
};
export const BOTTLENECK_BACKWARD: FusedKernel = {
  name: 'FeatstatsBottleneckBackward',
  backends: { cpu: bottleneckBackwardCpu, wasm: bottleneckBackwardWasm, webgl: bottleneckBackwardWebgl, webgpu: bottleneckBackwardWebgpu },
};

/** Which of the bottleneck's two outputs. */
export type BottleneckTerm = 'output' | 'capacity';

export { SMALLEST_NOISE_WEIGHT };

/** The per-sample tensors (a sample's shape) and the noise (R's shape) of one call. */
export interface BottleneckInputs {
  readonly lambda: tf.Tensor;
  readonly oneMinusLambda: tf.Tensor;
  readonly mean: tf.Tensor;
  readonly sigma: tf.Tensor;
  readonly noise: tf.Tensor;
  readonly mask: tf.Tensor | undefined;
}

function named(r: tf.Tensor, c: BottleneckInputs, dy?: tf.Tensor): tf.NamedTensorMap {
  const { lambda, oneMinusLambda, mean, sigma, noise, mask } = c;
  return { r, lambda, oneMinusLambda, mean, sigma, noise, ...(mask === undefined ? {} : { mask }), ...(dy === undefined ? {} : { dy }) };
}

const masked = (t: tf.Tensor, m: tf.Tensor | undefined) => (m === undefined ? t : tf.mul(t, m));

/** The bottleneck's `term` (see the table above), R's shape. */
export function bottleneckForward(r: tf.Tensor, c: BottleneckInputs, term: BottleneckTerm): tf.Tensor {
  return dispatch(BOTTLENECK_FORWARD, named(r, c), { term }, () =>
    tf.tidy(() => {
      if (term === 'output') return masked(tf.add(tf.mul(c.lambda, r), tf.mul(c.oneMinusLambda, tf.add(c.mean, tf.mul(c.sigma, c.noise)))), c.mask);
      const muZ = tf.mul(c.lambda, tf.div(tf.sub(r, c.mean), c.sigma));
      const logVariance = tf.mul(tf.log(tf.maximum(c.oneMinusLambda, SMALLEST_NOISE_WEIGHT)), 2);
      return masked(tf.mul(tf.sub(tf.add(1, logVariance), tf.add(tf.square(muZ), tf.square(c.oneMinusLambda))), -0.5), c.mask);
    }),
  );
}

/** dR (R's shape) and the batch sums of gλ and g₁₋λ (a sample's shape) for upstream dy on `term`. */
export function bottleneckBackward(r: tf.Tensor, c: BottleneckInputs, dy: tf.Tensor, term: BottleneckTerm): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return dispatch(BOTTLENECK_BACKWARD, named(r, c, dy), { term }, () =>
    tf.tidy((): [tf.Tensor, tf.Tensor, tf.Tensor] => {
      const o = masked(dy, c.mask);
      if (term === 'output') return [tf.mul(o, c.lambda), tf.sum(tf.mul(o, r), 0), tf.sum(tf.mul(o, tf.add(c.mean, tf.mul(c.sigma, c.noise))), 0)];
      const rPrime = tf.div(tf.sub(r, c.mean), c.sigma);
      const safeOneMinus = tf.maximum(c.oneMinusLambda, SMALLEST_NOISE_WEIGHT);
      const gLambda = tf.mul(o, tf.mul(c.lambda, tf.square(rPrime)));
      const gOneMinus = tf.mul(o, tf.sub(c.oneMinusLambda, tf.reciprocal(safeOneMinus)));
      const dR = tf.mul(o, tf.div(tf.mul(tf.square(c.lambda), rPrime), c.sigma));
      return [dR, tf.sum(gLambda, 0), tf.sum(gOneMinus, 0)];
    }),
  );
}
