/**
 * `FeatstatsBottleneckBackward` on cpu and wasm (contract in `../contract.ts`): one pass
 * over R and dy in float64, writing dR and accumulating the two batch sums per sample
 * element in float64, each rounded once at the end.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';
import { SMALLEST_NOISE_WEIGHT } from './common';

const BOTTLENECK_BACKWARD: HostKernel = {
  outputs: (inputs) => {
    const sampleShape = [...requiredInput(inputs, 'lambda').shape];
    return [
      { shape: [...requiredInput(inputs, 'r').shape], dtype: 'float32', filled: true },
      { shape: sampleShape, dtype: 'float32', filled: true },
      { shape: sampleShape, dtype: 'float32', filled: true },
    ];
  },
  run: (inputs, [dROut, gLambdaOut, gOneMinusOut], attrs) => {
    const r = requiredInput(inputs, 'r').values;
    const dy = requiredInput(inputs, 'dy').values;
    const lambda = requiredInput(inputs, 'lambda').values;
    const oneMinusLambda = requiredInput(inputs, 'oneMinusLambda').values;
    const mean = requiredInput(inputs, 'mean').values;
    const sigma = requiredInput(inputs, 'sigma').values;
    const noise = requiredInput(inputs, 'noise').values;
    const mask = inputs.mask?.values;
    const dR = dROut as Float32Array;
    const sample = lambda.length;
    const gLambda = new Float64Array(sample);
    const gOneMinus = new Float64Array(sample);
    const capacity = attrs.term === 'capacity';
    for (let start = 0; start < r.length; start += sample) {
      for (let i = 0; i < sample; i++) {
        const at = start + i;
        const o = mask === undefined ? (dy[at] as number) : (dy[at] as number) * (mask[i] as number);
        const l = lambda[i] as number;
        const om = oneMinusLambda[i] as number;
        const mu = mean[i] as number;
        const s = sigma[i] as number;
        if (capacity) {
          const rPrime = ((r[at] as number) - mu) / s;
          dR[at] = (o * l * l * rPrime) / s;
          gLambda[i] = (gLambda[i] as number) + o * l * rPrime * rPrime;
          gOneMinus[i] = (gOneMinus[i] as number) + o * (om - 1 / Math.max(om, SMALLEST_NOISE_WEIGHT));
        } else {
          dR[at] = o * l;
          gLambda[i] = (gLambda[i] as number) + o * (r[at] as number);
          gOneMinus[i] = (gOneMinus[i] as number) + o * (mu + s * (noise[at] as number));
        }
      }
    }
    (gLambdaOut as Float32Array).set(gLambda);
    (gOneMinusOut as Float32Array).set(gOneMinus);
  },
};

// Pure annotations: a module-level call that tree-shaking may drop when unused.
export const bottleneckBackwardCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(BOTTLENECK_BACKWARD);
export const bottleneckBackwardWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(BOTTLENECK_BACKWARD);
