/** `FeatstatsBottleneckForward` on cpu and wasm (contract in `../contract.ts`): one pass over R in float64. */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';
import { SMALLEST_NOISE_WEIGHT } from './common';

const BOTTLENECK_FORWARD: HostKernel = {
  outputs: (inputs) => [{ shape: [...requiredInput(inputs, 'r').shape], dtype: 'float32', filled: true }],
  run: (inputs, [out], attrs) => {
    const r = requiredInput(inputs, 'r').values;
    const lambda = requiredInput(inputs, 'lambda').values;
    const oneMinusLambda = requiredInput(inputs, 'oneMinusLambda').values;
    const mean = requiredInput(inputs, 'mean').values;
    const sigma = requiredInput(inputs, 'sigma').values;
    const noise = requiredInput(inputs, 'noise').values;
    const mask = inputs.mask?.values;
    const target = out as Float32Array;
    const sample = lambda.length;
    const capacity = attrs.term === 'capacity';
    for (let start = 0; start < r.length; start += sample) {
      for (let i = 0; i < sample; i++) {
        const at = start + i;
        const l = lambda[i] as number;
        const om = oneMinusLambda[i] as number;
        const mu = mean[i] as number;
        const s = sigma[i] as number;
        let value: number;
        if (capacity) {
          const muZ = (l * ((r[at] as number) - mu)) / s;
          value = -0.5 * (1 + 2 * Math.log(Math.max(om, SMALLEST_NOISE_WEIGHT)) - muZ * muZ - om * om);
        } else {
          value = l * (r[at] as number) + om * (mu + s * (noise[at] as number));
        }
        target[at] = mask === undefined ? value : value * (mask[i] as number);
      }
    }
  },
};

// Pure annotations: a module-level call that tree-shaking may drop when unused.
export const bottleneckForwardCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(BOTTLENECK_FORWARD);
export const bottleneckForwardWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(BOTTLENECK_FORWARD);
