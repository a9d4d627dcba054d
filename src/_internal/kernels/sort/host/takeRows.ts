/** `FeatstatsTakeRows` on cpu and wasm (contract in `../contract.ts`): one block copy per row. */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, rowsShape, wasmKernel, type HostKernel } from '../../host/adapter';

const TAKE_ROWS: HostKernel = {
  outputs: (inputs) => {
    const x = requiredInput(inputs, 'x');
    return [{ shape: [requiredInput(inputs, 'indices').shape[0] ?? 1, rowsShape(x)[1]], dtype: x.dtype === 'int32' ? 'int32' : 'float32' }];
  },
  run: (inputs, [out]) => {
    const x = requiredInput(inputs, 'x');
    const m = rowsShape(x)[1];
    const indices = requiredInput(inputs, 'indices').values;
    const target = out as Float32Array | Int32Array;
    for (let k = 0; k < indices.length; k++) {
      const from = (indices[k] as number) * m;
      target.set(x.values.subarray(from, from + m), k * m);
    }
  },
};

// Pure annotations: see ./swapInnerAxes.ts.
export const takeRowsCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(TAKE_ROWS);
export const takeRowsWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(TAKE_ROWS);
