/**
 * `FeatstatsColumnSums` on webgpu (contract in `../contract.ts`): one invocation per
 * column, which adds the column's N entries in row order in float32. Neighbouring
 * invocations read neighbouring addresses of each row. It replaces the one-row product
 * 1ᵀ·x, which tfjs-backend-webgpu's MatMul runs slowly (its tiles assume many rows), and
 * an axis-0 sum, slower still.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, run, Uniforms, webgpuBackend } from '../../webgpu/program';

/** Invocations per workgroup, as the other element-wise webgpu programs. */
const WORKGROUP = 64;

export const columnSumsWebgpu: tf.KernelFunc = ({ inputs, backend }) => {
  const x = requiredInput(inputs, 'x');
  const [rows, columns] = x.shape as [number, number];
  return run(webgpuBackend(backend), {
    inputs: ['x'],
    invocations: columns,
    outputSize: columns,
    workgroupSize: WORKGROUP,
    key: 'columnSums',
    uniforms: new Uniforms().int('rows', rows).int('columns', columns),
    code: `
      fn main(index : i32) {
        if (index >= uniforms.columns) {
          return;
        }
        var sum = 0.0;
        for (var r = 0; r < uniforms.rows; r = r + 1) {
          sum = sum + x[r * uniforms.columns + index];
        }
        result[index] = sum;
      }
    `,
  }, [x], 'float32', [1, columns]);
};
