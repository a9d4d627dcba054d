/**
 * `FeatstatsArgsortRows` on cpu and wasm (contract in `../contract.ts`): the radix sort of
 * `./radixSort.ts`, row by row.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, rowsShape, wasmKernel, type HostKernel } from '../../host/adapter';
import { sortRows } from './radixSort';

const ARGSORT_ROWS: HostKernel = {
  outputs: (inputs) => [{ shape: rowsShape(requiredInput(inputs, 'x')), dtype: 'int32', filled: true }],
  run: (inputs, [out], attrs, { options }) => {
    const x = requiredInput(inputs, 'x');
    const [rows, length] = rowsShape(x);
    sortRows(x.values, out as Int32Array, { rows, length, isFloat: x.dtype === 'float32', descending: attrs['descending'] === true }, options);
  },
};

// Pure annotations: the adapters are top-level calls, which a bundler keeps unless told
// they have no side effects (scripts/check-treeshake.mjs bundles one op at a time).
export const argsortRowsCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(ARGSORT_ROWS);
export const argsortRowsWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(ARGSORT_ROWS);
