/** `FeatstatsSwapInnerAxes` on cpu and wasm (contract in `../contract.ts`): a tiled transpose. */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';

/**
 * Edge of the square tiles of the transpose: each tile is copied with its destination
 * rows innermost, so its 16 source rows stay in L1 while every destination line is
 * written whole. Larger tiles were slower (bench/README.md, "Design measurements"): with
 * a row stride of 4 KiB they alias in L1.
 */
const TILE = 16;

const SWAP_INNER_AXES: HostKernel = {
  outputs: (inputs) => {
    const x = requiredInput(inputs, 'x');
    const [batch = 1, p = 1, q = 1] = x.shape;
    return [{ shape: [batch, q, p], dtype: x.dtype === 'int32' ? 'int32' : 'float32', filled: true }];
  },
  run: (inputs, [out]) => {
    const x = requiredInput(inputs, 'x');
    const [batch = 1, p = 1, q = 1] = x.shape;
    const source = x.values;
    const target = out as Float32Array | Int32Array;
    for (let b = 0; b < batch; b++) {
      const base = b * p * q;
      for (let j0 = 0; j0 < q; j0 += TILE) {
        const j1 = Math.min(j0 + TILE, q);
        for (let i0 = 0; i0 < p; i0 += TILE) {
          const i1 = Math.min(i0 + TILE, p);
          for (let j = j0; j < j1; j++) {
            const row = base + j * p;
            for (let i = i0; i < i1; i++) target[row + i] = source[base + i * q + j] as number;
          }
        }
      }
    }
  },
};

// Pure annotations: the adapters are top-level calls, which a bundler keeps unless told
// they have no side effects (scripts/check-treeshake.mjs bundles one op at a time).
export const swapInnerAxesCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(SWAP_INNER_AXES);
export const swapInnerAxesWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(SWAP_INNER_AXES);
