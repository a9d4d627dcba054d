/**
 * `FeatstatsBottleneckForward` on cpu and wasm (contract in `../contract.ts`): the
 * per-sample factors first (a sample's size: the logarithm once per element of a sample,
 * not once per element of R), then one pass over R: in the compiled module
 * (`../../host/compiled/bottleneck.c`, float32, in tfjs-backend-wasm's memory on wasm,
 * staged on cpu), or where WebAssembly SIMD cannot run in TypeScript in float64, each
 * output rounded once.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';
import { bottleneck } from '../../host/compiled/bottleneckModule';
import { withArraysInMemory } from '../../host/compiled/memoryModule';
import { compiledBuildMissing } from '../../host/options';
import { sampleFactorsInto, sampleSize, type SampleFactors } from './common';

const BOTTLENECK_FORWARD: HostKernel = {
  outputs: (inputs) => [{ shape: [...requiredInput(inputs, 'r').shape], dtype: 'float32', filled: true }],
  // The four per-sample factors, handed to the compiled pass in tfjs's memory.
  heapScratch: (inputs) => 16 * sampleSize(inputs),
  run: (inputs, [out], attrs, context) => {
    const r = requiredInput(inputs, 'r').values as Float32Array;
    const target = out as Float32Array;
    const capacity = attrs.term === 'capacity';
    // The capacity does not read the noise (the op does not pass it).
    const noise = capacity ? undefined : (requiredInput(inputs, 'noise').values as Float32Array);
    // capacity: m·(−½)(1 + 2·log max(1 − λ, s) − (1 − λ)² − (λ·(R − μ)/σ)²) = gain·(shift − (weight·(R − μ))²),
    // with shift = 1 + 2·log max(1 − λ, s) − (1 − λ)², weight = λ/σ, spread = μ, gain = −m/2.
    // output: m·(λ·R + (1 − λ)·(μ + σ·n)) = weight·R + shift + spread·n, with weight = m·λ,
    // shift = m·(1 − λ)·μ, spread = m·(1 − λ)·σ.
    const sample = requiredInput(inputs, 'lambda').values.length;
    const batch = sample === 0 ? 0 : r.length / sample;
    if (context.options.webAssembly !== 'off') {
      // The factors are written straight into the pass's memory (tfjs's scratch on wasm).
      const factor = { length: sample };
      const ran = withArraysInMemory(
        context.heap,
        bottleneck,
        [{ array: r }, { array: target, written: true }, factor, factor, factor, factor, ...(noise === undefined ? [] : [{ array: noise }])],
        (module, [atR, atY, atWeight, atShift, atSpread, atGain, atNoise], _memory, [, , weight, shift, spread, gain]) => {
          sampleFactorsInto(inputs, capacity, { weight, shift, spread, gain } as SampleFactors);
          if (capacity) module.capacityForward(atR as number, atY as number, batch, sample, atWeight as number, atSpread as number, atShift as number, atGain as number);
          else module.outputForward(atR as number, atNoise as number, atY as number, batch, sample, atWeight as number, atShift as number, atSpread as number);
        },
      );
      if (ran) return;
      if (context.options.webAssembly === 'required') throw compiledBuildMissing('the bottleneck kernel');
    }
    const [weight, shift, spread, gain] = [new Float64Array(sample), new Float64Array(sample), new Float64Array(sample), new Float64Array(sample)];
    sampleFactorsInto(inputs, capacity, { weight, shift, spread, gain });
    for (let start = 0; start < r.length; start += sample) {
      for (let i = 0, at = start; i < sample; i++, at++) {
        if (capacity) {
          const z = (weight[i] as number) * ((r[at] as number) - (spread[i] as number));
          target[at] = (gain[i] as number) * ((shift[i] as number) - z * z);
        } else {
          target[at] = (weight[i] as number) * (r[at] as number) + (shift[i] as number) + (spread[i] as number) * ((noise as Float32Array)[at] as number);
        }
      }
    }
  },
};

// Pure annotations: a module-level call that tree-shaking may drop when unused.
export const bottleneckForwardCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(BOTTLENECK_FORWARD);
export const bottleneckForwardWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(BOTTLENECK_FORWARD);
