/**
 * `FeatstatsMaskPositions` on cpu and wasm (contract in `../contract.ts`): one pass over x,
 * each element multiplied by its position's mask value (float32 multiplication: the store
 * rounds the exact float64 product once).
 *
 * The pass runs in WebAssembly SIMD where it can (`../../host/compiled/corruption.c`): on
 * wasm in place in the backend's memory, on cpu with x and y copied through the staging
 * memory, which still costs less than the TypeScript loop (bench/README.md, "Design
 * measurements"). Both give the same float32 products; the TypeScript loop runs where the
 * module cannot, or with the host options' `webAssembly: 'off'`.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';
import { corruption } from '../../host/compiled/corruptionModule';
import { withArraysInMemory } from '../../host/compiled/memoryModule';
import { compiledBuildMissing } from '../../host/options';

const MASK_POSITIONS: HostKernel = {
  outputs: (inputs) => [{ shape: [...requiredInput(inputs, 'x').shape], dtype: 'float32', filled: true }],
  // Every array is a tensor already in the backend's memory: the scratch only asks for that memory.
  heapScratch: () => 8,
  run: (inputs, [out], attrs, context) => {
    const x = requiredInput(inputs, 'x');
    const mask = requiredInput(inputs, 'mask').values;
    const source = x.values;
    const target = out as Float32Array;
    if (source.length === 0) return;
    const batch = x.shape[0] as number;
    const size = source.length / batch;
    const positions = mask.length / batch;
    const channels = size / positions;
    const channelsLast = attrs.channelsLast === true;
    if (context.options.webAssembly !== 'off' && source instanceof Float32Array && mask instanceof Float32Array) {
      const arrays = [{ array: source }, { array: mask }, { array: target, written: true }];
      const ran = withArraysInMemory(context.heap, corruption, arrays, (module, [atX, atMask, atY]) => {
        // One channel is the same layout either way: the planes' form, four positions per step.
        if (channelsLast && channels > 1) module.maskChannelsLast(atX as number, atMask as number, atY as number, mask.length, channels);
        else module.maskChannelsFirst(atX as number, atMask as number, atY as number, batch, channels, positions);
      });
      if (ran) return;
      if (context.options.webAssembly === 'required') throw compiledBuildMissing('the mask kernel');
    }
    if (channelsLast) {
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
