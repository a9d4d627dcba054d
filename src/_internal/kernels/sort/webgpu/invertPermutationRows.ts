/**
 * `FeatstatsInvertPermutationRows` on webgpu (contract in `../contract.ts`): a scatter,
 * `inverse[r, perm[r, k]] = k`, one invocation per element. Each row being a
 * permutation, every output slot is written exactly once, so no two invocations race
 * (on webgl, which cannot scatter, the inverse is a sort).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, run, Uniforms, webgpuBackend } from '../../webgpu/program';

export const invertPermutationRowsWebgpu: tf.KernelFunc = ({ inputs, backend }) => {
  const perm = requiredInput(inputs, 'perm');
  const [rows = 1, n = 1] = perm.shape;
  return run(webgpuBackend(backend), {
    inputs: ['perm'],
    invocations: rows * n,
    outputSize: rows * n,
    workgroupSize: 64,
    key: 'invertPermutationRows',
    uniforms: new Uniforms().int('n', n).int('size', rows * n),
    code: 'fn main(i : i32) { if (i < uniforms.size) { result[(i / uniforms.n) * uniforms.n + perm[i]] = i % uniforms.n; } }',
  }, [perm], 'int32', [rows, n]);
};
