/** `FeatstatsRowDots` on cpu and wasm (contract in `../contract.ts`): one pass, float64 sums rounded once. */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, rowsShape, wasmKernel, type HostKernel } from '../../host/adapter';

const ROW_DOTS: HostKernel = {
  outputs: (inputs) => [{ shape: [rowsShape(requiredInput(inputs, 'a'))[0], 1], dtype: 'float32', filled: true }],
  run: (inputs, [out]) => {
    const [rows, n] = rowsShape(requiredInput(inputs, 'a'));
    const a = requiredInput(inputs, 'a').values;
    const b = requiredInput(inputs, 'b').values;
    const target = out as Float32Array;
    for (let r = 0; r < rows; r++) {
      // Two accumulators: half the addition latency chain.
      let [even, odd] = [0, 0];
      let i = r * n;
      const end = i + n;
      for (; i + 1 < end; i += 2) {
        even += (a[i] as number) * (b[i] as number);
        odd += (a[i + 1] as number) * (b[i + 1] as number);
      }
      if (i < end) even += (a[i] as number) * (b[i] as number);
      target[r] = even + odd;
    }
  },
};

// Pure annotations: see ./swapInnerAxes.ts.
export const rowDotsCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(ROW_DOTS);
export const rowDotsWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(ROW_DOTS);
