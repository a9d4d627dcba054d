/** `FeatstatsBlendRows` on cpu and wasm (contract in `../contract.ts`): one pass, float32 arithmetic. */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, rowsShape, wasmKernel, type HostKernel } from '../../host/adapter';

const BLEND_ROWS: HostKernel = {
  outputs: (inputs) => [{ shape: rowsShape(requiredInput(inputs, 'a')), dtype: 'float32' }],
  run: (inputs, [out]) => {
    const [rows, n] = rowsShape(requiredInput(inputs, 'a'));
    const a = requiredInput(inputs, 'a').values;
    const b = requiredInput(inputs, 'b').values;
    const wa = requiredInput(inputs, 'wa').values;
    const wb = requiredInput(inputs, 'wb').values;
    const target = out as Float32Array;
    for (let r = 0; r < rows; r++) {
      const weightA = wa[r] as number;
      const weightB = wb[r] as number;
      const start = r * n;
      // Each product rounded to float32 before the sum, as the composite's two tf.mul and
      // one tf.add: float64 arithmetic on float32 operands, rounded once per operation,
      // is float32 arithmetic bit for bit.
      for (let i = start; i < start + n; i++) {
        target[i] = Math.fround((a[i] as number) * weightA) + Math.fround((b[i] as number) * weightB);
      }
    }
  },
};

// Pure annotations: see ./swapInnerAxes.ts.
export const blendRowsCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(BLEND_ROWS);
export const blendRowsWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(BLEND_ROWS);
