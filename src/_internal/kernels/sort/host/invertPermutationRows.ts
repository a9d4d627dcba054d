/** `FeatstatsInvertPermutationRows` on cpu and wasm (contract in `../contract.ts`): one O(n) pass per row. */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, rowsShape, wasmKernel, type HostKernel } from '../../host/adapter';

const INVERT_PERMUTATION_ROWS: HostKernel = {
  outputs: (inputs) => [{ shape: rowsShape(requiredInput(inputs, 'perm')), dtype: 'int32' }],
  run: (inputs, [out]) => {
    const perm = requiredInput(inputs, 'perm');
    const [rows, n] = rowsShape(perm);
    const values = perm.values;
    const inverse = out as Int32Array;
    for (let r = 0; r < rows; r++) {
      const start = r * n;
      for (let j = 0; j < n; j++) inverse[start + (values[start + j] as number)] = j;
    }
  },
};

// Pure annotations: see ./argsortRows.ts.
export const invertPermutationRowsCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(INVERT_PERMUTATION_ROWS);
export const invertPermutationRowsWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(INVERT_PERMUTATION_ROWS);
