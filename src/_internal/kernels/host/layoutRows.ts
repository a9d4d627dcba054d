/**
 * Host (cpu and wasm) implementations of the kernels in `../layoutRows.ts` (contracts
 * there), adapted to both backends by `../host.ts`.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, wasmKernel, type HostKernel } from '../host';
import { input, rowsShape } from './rows';

/**
 * Edge of the square tiles of the transpose: each tile is copied with its destination
 * rows innermost, so its 16 source rows stay in L1 while every destination line is
 * written whole. Measured on [8, 1024, 512] in Node 20: 12 ms with 16, 18 ms with 64
 * (and 18 ms source-major), where a stride of 4 KiB makes larger tiles alias in L1.
 */
const TILE = 16;

const swapInnerAxes: HostKernel = {
  outputs: (inputs) => {
    const x = input(inputs, 'x');
    const [batch = 1, p = 1, q = 1] = x.shape;
    return [{ shape: [batch, q, p], dtype: x.dtype === 'int32' ? 'int32' : 'float32', filled: true }];
  },
  run: (inputs, [out]) => {
    const x = input(inputs, 'x');
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

const scatterRows: HostKernel = {
  outputs: (inputs) => {
    const x = input(inputs, 'x');
    return [{ shape: rowsShape(x), dtype: x.dtype === 'int32' ? 'int32' : 'float32' }];
  },
  run: (inputs, [out]) => {
    const x = input(inputs, 'x');
    const [rows, n] = rowsShape(x);
    const source = x.values;
    const perm = input(inputs, 'perm').values;
    const target = out as Float32Array | Int32Array;
    for (let r = 0; r < rows; r++) {
      const start = r * n;
      for (let k = start; k < start + n; k++) target[start + (perm[k] as number)] = source[k] as number;
    }
  },
};

const blendRows: HostKernel = {
  outputs: (inputs) => [{ shape: rowsShape(input(inputs, 'a')), dtype: 'float32' }],
  run: (inputs, [out]) => {
    const [rows, n] = rowsShape(input(inputs, 'a'));
    const a = input(inputs, 'a').values;
    const b = input(inputs, 'b').values;
    const wa = input(inputs, 'wa').values;
    const wb = input(inputs, 'wb').values;
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

const scaleRows: HostKernel = {
  outputs: (inputs) => [{ shape: rowsShape(input(inputs, 'x')), dtype: 'float32' }],
  run: (inputs, [out]) => {
    const [rows, n] = rowsShape(input(inputs, 'x'));
    const x = input(inputs, 'x').values;
    const w = input(inputs, 'w').values;
    const target = out as Float32Array;
    for (let r = 0; r < rows; r++) {
      const weight = w[r] as number;
      const start = r * n;
      // The float32 store rounds the float64 product once: float32 multiplication.
      for (let i = start; i < start + n; i++) target[i] = (x[i] as number) * weight;
    }
  },
};

const takeRows: HostKernel = {
  outputs: (inputs) => {
    const x = input(inputs, 'x');
    return [{ shape: [input(inputs, 'indices').shape[0] ?? 1, rowsShape(x)[1]], dtype: x.dtype === 'int32' ? 'int32' : 'float32' }];
  },
  run: (inputs, [out]) => {
    const x = input(inputs, 'x');
    const m = rowsShape(x)[1];
    const indices = input(inputs, 'indices').values;
    const target = out as Float32Array | Int32Array;
    for (let k = 0; k < indices.length; k++) {
      const from = (indices[k] as number) * m;
      target.set(x.values.subarray(from, from + m), k * m);
    }
  },
};

// Pure annotations: see ./rows.ts.
export const swapInnerAxesCpu: tf.KernelFunc | undefined = /* @__PURE__ */ cpuKernel(swapInnerAxes);
export const swapInnerAxesWasm: tf.KernelFunc | undefined = /* @__PURE__ */ wasmKernel(swapInnerAxes);
export const scatterRowsCpu: tf.KernelFunc | undefined = /* @__PURE__ */ cpuKernel(scatterRows);
export const scatterRowsWasm: tf.KernelFunc | undefined = /* @__PURE__ */ wasmKernel(scatterRows);
export const blendRowsCpu: tf.KernelFunc | undefined = /* @__PURE__ */ cpuKernel(blendRows);
export const blendRowsWasm: tf.KernelFunc | undefined = /* @__PURE__ */ wasmKernel(blendRows);
export const scaleRowsCpu: tf.KernelFunc | undefined = /* @__PURE__ */ cpuKernel(scaleRows);
export const scaleRowsWasm: tf.KernelFunc | undefined = /* @__PURE__ */ wasmKernel(scaleRows);
export const takeRowsCpu: tf.KernelFunc | undefined = /* @__PURE__ */ cpuKernel(takeRows);
export const takeRowsWasm: tf.KernelFunc | undefined = /* @__PURE__ */ wasmKernel(takeRows);
