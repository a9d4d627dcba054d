/**
 * `FeatstatsMaskPositions` on cpu and wasm (contract in `../contract.ts`): one pass over x,
 * each element multiplied by its position's mask value (float32 multiplication: the store
 * rounds the exact float64 product once).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';

const MASK_POSITIONS: HostKernel = {
  outputs: (inputs) => [{ shape: [...requiredInput(inputs, 'x').shape], dtype: 'float32', filled: true }],
  run: (inputs, [out], attrs) => {
    const x = requiredInput(inputs, 'x');
    const mask = requiredInput(inputs, 'mask').values;
    const source = x.values;
    const target = out as Float32Array;
    const batch = x.shape[0] as number;
    const size = source.length / batch;
    const positions = mask.length / batch;
    const channels = size / positions;
    if (attrs.channelsLast === true) {
      // [N·L, C]: one mask value per run of C.
      for (let p = 0, i = 0; p < mask.length; p++) {
        const m = mask[p] as number;
        for (const end = i + channels; i < end; i++) target[i] = (source[i] as number) * m;
      }
      return;
    }
    // [N, C, L]: each channel's plane against its image's mask row.
    for (let n = 0, i = 0; n < batch; n++) {
      const row = n * positions;
      for (let c = 0; c < channels; c++) {
        for (let l = 0; l < positions; l++, i++) target[i] = (source[i] as number) * (mask[row + l] as number);
      }
    }
  },
};

// Pure annotations: a module-level call that tree-shaking may drop when unused.
export const maskPositionsCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(MASK_POSITIONS);
export const maskPositionsWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(MASK_POSITIONS);
