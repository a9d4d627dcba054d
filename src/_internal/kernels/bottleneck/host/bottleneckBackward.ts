/**
 * `FeatstatsBottleneckBackward` on cpu and wasm (contract in `../contract.ts`): one pass
 * over R and dy writing dR and accumulating, per sample element, the batch sums that the
 * two weight gradients are per-sample multiples of (the multiples applied once at the
 * end, so the pass does no division or logarithm). The pass runs in the compiled module
 * (`../../host/compiled/bottleneck.c`, float32, in tfjs-backend-wasm's memory on wasm,
 * staged on cpu), or where WebAssembly SIMD cannot run in TypeScript in float64.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';
import { bottleneck } from '../../host/compiled/bottleneckModule';
import { withArraysInMemory } from '../../host/compiled/memoryModule';
import { compiledBuildMissing } from '../../host/options';
import { SMALLEST_NOISE_WEIGHT, sampleSize } from './common';

/** dR's per-sample factors, into `factor`: (λ/σ)² for the capacity, λ for the output. */
function dRFactorsInto(factor: Float32Array | Float64Array, lambda: ArrayLike<number>, sigma: ArrayLike<number>, capacity: boolean): void {
  for (let i = 0; i < lambda.length; i++) factor[i] = capacity ? ((lambda[i] as number) / (sigma[i] as number)) ** 2 : (lambda[i] as number);
}

/** Σₙ gλ − Σₙ g₁₋λ from the batch sums (Σₙ o·d² or Σₙ o·R, Σₙ o, Σₙ o·n), in float64, rounded once. */
function finishDifference(c: {
  readonly lambda: ArrayLike<number>;
  readonly oneMinusLambda: ArrayLike<number>;
  readonly mean: ArrayLike<number>;
  readonly sigma: ArrayLike<number>;
  readonly capacity: boolean;
  readonly sumA: ArrayLike<number>;
  readonly sumO: ArrayLike<number>;
  readonly sumNoise: ArrayLike<number>;
  readonly difference: Float32Array;
}): void {
  const { lambda, oneMinusLambda, mean, sigma, capacity, sumA, sumO, sumNoise, difference } = c;
  for (let i = 0; i < lambda.length; i++) {
    const l = lambda[i] as number;
    const s = sigma[i] as number;
    const om = oneMinusLambda[i] as number;
    const gLambda = capacity ? ((l / s) * (sumA[i] as number)) / s : (sumA[i] as number);
    const gOneMinus = capacity ? (om - 1 / Math.max(om, SMALLEST_NOISE_WEIGHT)) * (sumO[i] as number) : (mean[i] as number) * (sumO[i] as number) + s * (sumNoise[i] as number);
    difference[i] = gLambda - gOneMinus;
  }
}

const BOTTLENECK_BACKWARD: HostKernel = {
  outputs: (inputs) => {
    const sampleShape = [...requiredInput(inputs, 'lambda').shape];
    return [
      { shape: [...requiredInput(inputs, 'r').shape], dtype: 'float32', filled: true },
      { shape: sampleShape, dtype: 'float32', filled: true },
    ];
  },
  // The mask (when absent), dR's factor and three batch sums, in tfjs's memory.
  heapScratch: (inputs) => 24 * sampleSize(inputs),
  run: (inputs, [dROut, differenceOut], attrs, context) => {
    const r = requiredInput(inputs, 'r').values as Float32Array;
    const dy = requiredInput(inputs, 'dy').values as Float32Array;
    const lambda = requiredInput(inputs, 'lambda').values;
    const oneMinusLambda = requiredInput(inputs, 'oneMinusLambda').values;
    const mean = requiredInput(inputs, 'mean').values;
    const sigma = requiredInput(inputs, 'sigma').values;
    const capacity = attrs.term === 'capacity';
    // The capacity does not read the noise (the op does not pass it).
    const noise = capacity ? undefined : (requiredInput(inputs, 'noise').values as Float32Array);
    const mask = inputs.mask?.values;
    const dR = dROut as Float32Array;
    const difference = differenceOut as Float32Array;
    const sample = lambda.length;
    const batch = sample === 0 ? 0 : r.length / sample;
    // capacity, with o = m·dy and d = R − μ: dR = o·(λ/σ)²·d, gλ = (λ/σ²)·Σₙ o·d²,
    // g₁₋λ = ((1 − λ) − 1/max(1 − λ, s))·Σₙ o.
    // output: dR = o·λ, gλ = Σₙ o·R, g₁₋λ = Σₙ o·(μ + σ·n) = μ·Σₙ o + σ·Σₙ o·n.
    const finish = (sumA: ArrayLike<number>, sumO: ArrayLike<number>, sumNoise: ArrayLike<number>) =>
      finishDifference({ lambda, oneMinusLambda, mean, sigma, capacity, sumA, sumO, sumNoise, difference });
    if (context.options.webAssembly !== 'off') {
      // The mask, dR's factor and the three sums are made in the pass's memory (tfjs's
      // scratch on wasm), where the mask and the mean already lie on wasm.
      const made = { length: sample };
      const maskArray = mask === undefined ? made : { array: mask as Float32Array };
      const arrays = [{ array: r }, { array: dy }, { array: dR, written: true }, maskArray, made, { array: mean as Float32Array }, made, made, made, ...(noise === undefined ? [] : [{ array: noise }])];
      const ran = withArraysInMemory(context.heap, bottleneck, arrays, (module, [atR, atDy, atDR, atMask, atFactor, atMean, atA, atO, atNoiseSum, atNoise], _memory, views) => {
        const [, , , maskView, factor, , sumA, sumO, sumNoise] = views as Float32Array[];
        if (mask === undefined) (maskView as Float32Array).fill(1);
        dRFactorsInto(factor as Float32Array, lambda, sigma, capacity);
        if (capacity) module.capacityBackward(atR as number, atDy as number, atDR as number, batch, sample, atMask as number, atMean as number, atFactor as number, atA as number, atO as number);
        else module.outputBackward(atR as number, atNoise as number, atDy as number, atDR as number, batch, sample, atMask as number, atFactor as number, atA as number, atO as number, atNoiseSum as number);
        finish(sumA as Float32Array, sumO as Float32Array, sumNoise as Float32Array);
      });
      if (ran) return;
      if (context.options.webAssembly === 'required') throw compiledBuildMissing('the bottleneck kernel');
    }
    const dRFactor = new Float64Array(sample);
    dRFactorsInto(dRFactor, lambda, sigma, capacity);
    const [sumA, sumO, sumNoise] = [new Float64Array(sample), new Float64Array(sample), new Float64Array(sample)];
    for (let start = 0; start < r.length; start += sample) {
      for (let i = 0, at = start; i < sample; i++, at++) {
        const o = (dy[at] as number) * (mask === undefined ? 1 : (mask[i] as number));
        if (capacity) {
          const d = (r[at] as number) - (mean[i] as number);
          dR[at] = o * (dRFactor[i] as number) * d;
          sumA[i] = (sumA[i] as number) + o * d * d;
        } else {
          dR[at] = o * (dRFactor[i] as number);
          sumA[i] = (sumA[i] as number) + o * (r[at] as number);
          sumNoise[i] = (sumNoise[i] as number) + o * ((noise as Float32Array)[at] as number);
        }
        sumO[i] = (sumO[i] as number) + o;
      }
    }
    finish(sumA, sumO, sumNoise);
  },
};

// Pure annotations: a module-level call that tree-shaking may drop when unused.
export const bottleneckBackwardCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(BOTTLENECK_BACKWARD);
export const bottleneckBackwardWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(BOTTLENECK_BACKWARD);
