/** `FeatstatsScatterRows` on cpu and wasm (contract in `../contract.ts`): one pass. */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, rowsShape, wasmKernel, type HostKernel } from '../../host/adapter';

const SCATTER_ROWS: HostKernel = {
  outputs: (inputs) => {
    const x = requiredInput(inputs, 'x');
    return [{ shape: rowsShape(x), dtype: x.dtype === 'int32' ? 'int32' : 'float32' }];
  },
  run: (inputs, [out]) => {
    const x = requiredInput(inputs, 'x');
    const [rows, n] = rowsShape(x);
    const source = x.values;
    const perm = requiredInput(inputs, 'perm').values;
    const target = out as Float32Array | Int32Array;
    for (let r = 0; r < rows; r++) {
      const start = r * n;
      for (let k = start; k < start + n; k++) target[start + (perm[k] as number)] = source[k] as number;
    }
  },
};

// Pure annotations: see ./swapInnerAxes.ts.
export const scatterRowsCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(SCATTER_ROWS);
export const scatterRowsWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(SCATTER_ROWS);
