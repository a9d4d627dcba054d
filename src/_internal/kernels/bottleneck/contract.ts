/**
 * The bottleneck kernels, the element-wise core of IBA's `informationBottleneck`: its two
 * outputs and their gradients, from R `[N, ...]` and per-sample tensors `[...]` (element i
 * of R uses element i mod M of each, M the size of a sample, in either layout).
 *
 * | kernel | inputs → outputs |
 * |---|---|
 * | `FeatstatsBottleneckForward`  | r, lambda, oneMinusLambda, mean, sigma, noise (R's shape; the output term only), mask? ; attr `term` → R's shape: `'output'`: m·(λ·R + (1 − λ)·ε), `'capacity'`: m·(−½)(1 + 2·log max(1 − λ, s) − (λ·r')² − (1 − λ)²) |
 * | `FeatstatsBottleneckBackward` | the same and dy ; attr `term` → dR (R's shape), Σₙ gλ − Σₙ g₁₋λ (a sample's shape) |
 * | `FeatstatsBottleneckGates`    | alpha, std (a sample's shape) ; attr `minStd` → σ(α), σ(−α), σ'(α) = σ(α)·σ(−α), max(std, minStd) |
 *
 * with ε = μ + σ·n, r' = (R − μ)/σ, m the mask (1 when absent) and s float32's smallest
 * normal. The backward's terms (derived in `src/attribution/informationBottleneck.ts`),
 * with o = m·dy: for `'output'` dR = o·λ, gλ = o·R, g₁₋λ = o·ε; for `'capacity'`
 * dR = o·λ²·r'/σ, gλ = o·λ·r'², g₁₋λ = o·((1 − λ) − 1/max(1 − λ, s)). The op smooths λ
 * and 1 − λ, so dα = σ'(α)·Sᵀ(Σₙ gλ − Σₙ g₁₋λ) needs only the difference of the two sums,
 * which the kernel returns (sample-sized work: one output and, on the GPU backends, one
 * program instead of two).
 *
 * | backend | implementation |
 * |---|---|
 * | cpu, wasm | `host/`: per-sample factors once (the logarithm and divisions: a sample's size of work), then one pass over R (and dy) in the compiled module `../host/compiled/bottleneck.c` (float32 SIMD), or in TypeScript in float64 where WebAssembly SIMD cannot run |
 * | webgl | `webgl/bottleneck.ts`: the forward and dR one element-wise program each, the difference of the two batch sums one program with a texel per sample element looping over N; nothing read back |
 * | webgpu | `webgpu/bottleneck.ts`: the same programs in WGSL, the element-wise ones over runs of samples (one invocation per sample element and run); nothing read back |
 * | cpu (gates only) | `host/bottleneckGates.ts`: one loop instead of five tfjs-backend-cpu element-wise ops, the same values bit for bit; elsewhere the gates are those ops |
 *
 * The composites broadcast the sample tensors against R (tfjs cpu's slow path; a dozen
 * R-sized passes on a GPU) and allocate every intermediate.
 */
import * as tf from '@tensorflow/tfjs-core';

import { dispatch, type FusedKernel } from '../dispatch';
import { bottleneckBackwardCpu, bottleneckBackwardWasm } from './host/bottleneckBackward';
import { bottleneckForwardCpu, bottleneckForwardWasm } from './host/bottleneckForward';
import { bottleneckGatesCpu } from './host/bottleneckGates';
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

export const BOTTLENECK_GATES: FusedKernel = { name: 'FeatstatsBottleneckGates', backends: { cpu: bottleneckGatesCpu } };

/** Which of the bottleneck's two outputs. */
export type BottleneckTerm = 'output' | 'capacity';

export { SMALLEST_NOISE_WEIGHT };

/**
 * The per-sample tensors (a sample's shape) and the noise (R's shape) of one call. Only
 * the output term reads the noise: the capacity's callers need not pass (or keep) it.
 */
export interface BottleneckInputs {
  readonly lambda: tf.Tensor;
  readonly oneMinusLambda: tf.Tensor;
  readonly mean: tf.Tensor;
  readonly sigma: tf.Tensor;
  readonly noise?: tf.Tensor | undefined;
  readonly mask: tf.Tensor | undefined;
}

function named(r: tf.Tensor, c: BottleneckInputs, term: BottleneckTerm, dy?: tf.Tensor): tf.NamedTensorMap {
  const { lambda, oneMinusLambda, mean, sigma, noise, mask } = c;
  if (term === 'output' && noise === undefined) throw new Error("featstats: the bottleneck's output term needs the noise");
  return { r, lambda, oneMinusLambda, mean, sigma, ...(term === 'output' ? { noise } : {}), ...(mask === undefined ? {} : { mask }), ...(dy === undefined ? {} : { dy }) } as tf.NamedTensorMap;
}

/** The noise, which {@link named} has checked the output term was given. */
const noiseOf = (c: BottleneckInputs): tf.Tensor => c.noise as tf.Tensor;

const masked = (t: tf.Tensor, m: tf.Tensor | undefined) => (m === undefined ? t : tf.mul(t, m));

/** The bottleneck's `term` (see the table above), R's shape. */
export function bottleneckForward(r: tf.Tensor, c: BottleneckInputs, term: BottleneckTerm): tf.Tensor {
  return dispatch(BOTTLENECK_FORWARD, named(r, c, term), { term }, () =>
    tf.tidy(() => {
      if (term === 'output') return masked(tf.add(tf.mul(c.lambda, r), tf.mul(c.oneMinusLambda, tf.add(c.mean, tf.mul(c.sigma, noiseOf(c))))), c.mask);
      const muZ = tf.mul(c.lambda, tf.div(tf.sub(r, c.mean), c.sigma));
      const logVariance = tf.mul(tf.log(tf.maximum(c.oneMinusLambda, SMALLEST_NOISE_WEIGHT)), 2);
      return masked(tf.mul(tf.sub(tf.add(1, logVariance), tf.add(tf.square(muZ), tf.square(c.oneMinusLambda))), -0.5), c.mask);
    }),
  );
}

/** dR (R's shape) and Σₙ gλ − Σₙ g₁₋λ (a sample's shape) for upstream dy on `term`. */
export function bottleneckBackward(r: tf.Tensor, c: BottleneckInputs, dy: tf.Tensor, term: BottleneckTerm): [tf.Tensor, tf.Tensor] {
  return dispatch(BOTTLENECK_BACKWARD, named(r, c, term, dy), { term }, () =>
    tf.tidy((): [tf.Tensor, tf.Tensor] => {
      const o = masked(dy, c.mask);
      if (term === 'output') return [tf.mul(o, c.lambda), tf.sub(tf.sum(tf.mul(o, r), 0), tf.sum(tf.mul(o, tf.add(c.mean, tf.mul(c.sigma, noiseOf(c)))), 0))];
      const rPrime = tf.div(tf.sub(r, c.mean), c.sigma);
      const safeOneMinus = tf.maximum(c.oneMinusLambda, SMALLEST_NOISE_WEIGHT);
      const gLambda = tf.mul(o, tf.mul(c.lambda, tf.square(rPrime)));
      const gOneMinus = tf.mul(o, tf.sub(c.oneMinusLambda, tf.reciprocal(safeOneMinus)));
      const dR = tf.mul(o, tf.div(tf.mul(tf.square(c.lambda), rPrime), c.sigma));
      return [dR, tf.sub(tf.sum(gLambda, 0), tf.sum(gOneMinus, 0))];
    }),
  ) as [tf.Tensor, tf.Tensor];
}

/** The op's per-sample terms before the smoothing: the gates σ(α) and σ(−α), σ'(α) = σ(α)·σ(−α), and σ_R. */
export interface BottleneckGates {
  readonly open: tf.Tensor;
  readonly closed: tf.Tensor;
  readonly slope: tf.Tensor;
  readonly sigma: tf.Tensor;
}

/**
 * σ(α), σ(−α), σ'(α) = σ(α)·σ(−α) and σ_R = max(std, minStd), each a sample's shape. The
 * product σ(α)·σ(−α) rather than σ(α)·(1 − σ(α)) keeps σ'(α) accurate where σ(α) rounds
 * to 1 (1 − σ(α) would be 0 there).
 */
export function bottleneckGates(alpha: tf.Tensor, std: tf.Tensor, minStd: number): BottleneckGates {
  const [open, closed, slope, sigma] = dispatch(BOTTLENECK_GATES, { alpha, std }, { minStd }, () =>
    tf.tidy(() => {
      const opened = tf.sigmoid(alpha);
      const shut = tf.sigmoid(tf.neg(alpha));
      return [opened, shut, tf.mul(opened, shut), tf.maximum(std, minStd)];
    }),
  ) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  return { open, closed, slope, sigma };
}
