/**
 * `FeatstatsBottleneckGates` on cpu (contract in `../contract.ts`): σ(α), σ(−α), their
 * product σ'(α) and max(std, minStd), a sample's size each, in one loop.
 *
 * The composite is five tfjs-backend-cpu ops (two sigmoids, a negation, a product and a
 * maximum), each a pass through tfjs's generic element-wise loop; this loop computes each
 * value the way those kernels do (1/(1 + e^{−x}) in float64 rounded to float32, the
 * product of the rounded sigmoids rounded again, Math.max against float32 minStd), so the
 * outputs are the composite's, bit for bit. Only cpu registers it: tfjs-backend-wasm's
 * element-wise ops are already compiled.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, type HostKernel } from '../../host/adapter';

const BOTTLENECK_GATES: HostKernel = {
  outputs: (inputs) => {
    const shape = (name: string) => ({ shape: [...requiredInput(inputs, name).shape], dtype: 'float32' as const, filled: true });
    return [shape('alpha'), shape('alpha'), shape('alpha'), shape('std')];
  },
  run: (inputs, [openOut, closedOut, slopeOut, sigmaOut], attrs) => {
    const alpha = requiredInput(inputs, 'alpha').values;
    const std = requiredInput(inputs, 'std').values;
    const [open, closed, slope, sigma] = [openOut, closedOut, slopeOut, sigmaOut] as Float32Array[];
    // tf.maximum(std, minStd) makes minStd a float32 scalar.
    const minStd = Math.fround(attrs.minStd as number);
    for (let i = 0; i < alpha.length; i++) {
      const a = alpha[i] as number;
      const o = Math.fround(1 / (1 + Math.exp(-a)));
      const c = Math.fround(1 / (1 + Math.exp(a)));
      (open as Float32Array)[i] = o;
      (closed as Float32Array)[i] = c;
      (slope as Float32Array)[i] = o * c;
    }
    for (let i = 0; i < std.length; i++) (sigma as Float32Array)[i] = Math.max(std[i] as number, minStd);
  },
};

// Pure annotation: a module-level call that tree-shaking may drop when unused.
export const bottleneckGatesCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(BOTTLENECK_GATES);
