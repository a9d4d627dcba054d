/**
 * Host (cpu and wasm) implementations of the row-sort kernels in `../rows.ts` (contracts
 * there): one plain-TypeScript kernel each, adapted to both backends by `../host.ts`.
 * Gather and inverse are single passes; the argsort is the radix sort of `./radixSort.ts`.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, wasmKernel, type HostKernel, type HostInput } from '../host';
import { argsortRowsHost } from './radixSort';

/** `[R, n]` of a 2-D input. */
export function rowsShape(info: { readonly shape: readonly number[] }): [number, number] {
  return [info.shape[0] ?? 1, info.shape[1] ?? 1];
}

/** The named input, which the kernel's contract guarantees. */
export function input<T>(inputs: Readonly<Record<string, T>>, name: string): T {
  const value = inputs[name];
  if (value === undefined) throw new Error(`featstats: kernel input ${name} is missing`);
  return value;
}

const argsortRows: HostKernel = {
  outputs: (inputs) => [{ shape: rowsShape(input(inputs, 'x')), dtype: 'int32', filled: true }],
  run: (inputs, [out], attrs) => {
    const x: HostInput = input(inputs, 'x');
    const [rows, n] = rowsShape(x);
    argsortRowsHost(x.values, x.dtype === 'float32', rows, n, attrs['descending'] === true, out as Int32Array);
  },
};

const gatherRows: HostKernel = {
  outputs: (inputs) => {
    const x = input(inputs, 'x');
    const dtype = x.dtype === 'int32' ? 'int32' : 'float32';
    return [{ shape: [rowsShape(x)[0], rowsShape(input(inputs, 'indices'))[1]], dtype, filled: true }];
  },
  run: (inputs, [out]) => {
    const x = input(inputs, 'x').values;
    const indices = input(inputs, 'indices');
    const [rows, n] = rowsShape(input(inputs, 'x'));
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

const invertPermutationRows: HostKernel = {
  outputs: (inputs) => [{ shape: rowsShape(input(inputs, 'perm')), dtype: 'int32' }],
  run: (inputs, [out]) => {
    const perm = input(inputs, 'perm');
    const [rows, n] = rowsShape(perm);
    const values = perm.values;
    const inverse = out as Int32Array;
    for (let r = 0; r < rows; r++) {
      const start = r * n;
      for (let j = 0; j < n; j++) inverse[start + (values[start + j] as number)] = j;
    }
  },
};

// Pure annotations: the adapters are top-level calls, which a bundler keeps unless told
// they have no side effects (scripts/check-treeshake.mjs bundles one op at a time).
export const argsortRowsCpu: tf.KernelFunc | undefined = /* @__PURE__ */ cpuKernel(argsortRows);
export const argsortRowsWasm: tf.KernelFunc | undefined = /* @__PURE__ */ wasmKernel(argsortRows);
export const gatherRowsCpu: tf.KernelFunc | undefined = /* @__PURE__ */ cpuKernel(gatherRows);
export const gatherRowsWasm: tf.KernelFunc | undefined = /* @__PURE__ */ wasmKernel(gatherRows);
export const invertPermutationRowsCpu: tf.KernelFunc | undefined = /* @__PURE__ */ cpuKernel(invertPermutationRows);
export const invertPermutationRowsWasm: tf.KernelFunc | undefined = /* @__PURE__ */ wasmKernel(invertPermutationRows);
