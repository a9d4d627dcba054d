/** `FeatstatsScaleRows` on cpu and wasm (contract in `../contract.ts`): one pass, float32 arithmetic. */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, rowsShape, wasmKernel, type HostKernel } from '../../host/adapter';

const SCALE_ROWS: HostKernel = {
  outputs: (inputs) => [{ shape: rowsShape(requiredInput(inputs, 'x')), dtype: 'float32' }],
  run: (inputs, [out]) => {
    const [rows, n] = rowsShape(requiredInput(inputs, 'x'));
    const x = requiredInput(inputs, 'x').values;
    const w = requiredInput(inputs, 'w').values;
    const target = out as Float32Array;
    for (let r = 0; r < rows; r++) {
      const weight = w[r] as number;
      const start = r * n;
      // The float32 store rounds the float64 product once: float32 multiplication.
      for (let i = start; i < start + n; i++) target[i] = (x[i] as number) * weight;
    }
  },
};

// Pure annotations: see ./swapInnerAxes.ts.
export const scaleRowsCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(SCALE_ROWS);
export const scaleRowsWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(SCALE_ROWS);
