/** `FeatstatsGatherRows` on webgpu (contract in `../contract.ts`): one invocation per output element. */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, run, Uniforms, webgpuBackend } from '../../webgpu/program';

export const gatherRowsWebgpu: tf.KernelFunc = ({ inputs, backend }) => {
  const x = requiredInput(inputs, 'x');
  const indices = requiredInput(inputs, 'indices');
  const [, n = 1] = x.shape;
  const [rows = 1, m = 1] = indices.shape;
  return run(webgpuBackend(backend), {
    inputs: ['x', 'indices'],
    invocations: rows * m,
    outputSize: rows * m,
    workgroupSize: 64,
    key: 'gatherRows',
    uniforms: new Uniforms().int('n', n).int('m', m).int('size', rows * m),
    code: 'fn main(i : i32) { if (i < uniforms.size) { result[i] = x[(i / uniforms.m) * uniforms.n + indices[i]]; } }',
  }, [x, indices], x.dtype, [rows, m]);
};
