/** `FeatstatsGatherRows` on cpu and wasm (contract in `../contract.ts`): one pass. */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, rowsShape, wasmKernel, type HostKernel } from '../../host/adapter';

const GATHER_ROWS: HostKernel = {
  outputs: (inputs) => {
    const x = requiredInput(inputs, 'x');
    const dtype = x.dtype === 'int32' ? 'int32' : 'float32';
    return [{ shape: [rowsShape(x)[0], rowsShape(requiredInput(inputs, 'indices'))[1]], dtype, filled: true }];
  },
  run: (inputs, [out]) => {
    const x = requiredInput(inputs, 'x').values;
    const indices = requiredInput(inputs, 'indices');
    const [rows, n] = rowsShape(requiredInput(inputs, 'x'));
    const m = rowsShape(indices)[1];
    const target = out as Float32Array | Int32Array;
    const at = indices.values;
    for (let r = 0; r < rows; r++) {
      const source = r * n;
      const start = r * m;
      for (let j = start; j < start + m; j++) target[j] = x[source + (at[j] as number)] as number;
    }
  },
};

// Pure annotations: see ./argsortRows.ts.
export const gatherRowsCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(GATHER_ROWS);
export const gatherRowsWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(GATHER_ROWS);
