/**
 * webgl implementations of the kernels in `../rows.ts` (contracts there). Every kernel
 * stays on the GPU: the argsort is a block sort then merge passes (`./mergeSort.ts`), the
 * row gather a one-texel shader and the permutation inverse the ascending argsort of the
 * permutation (O(n log² n) per row, where tfjs-backend-webgl's scatterND is O(n²)).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { mergeArgsort } from './mergeSort';
import { requiredInput, shaderProgram, webglBackend } from './program';

export const argsortRowsWebgl: tf.KernelFunc = ({ inputs, backend, attrs }) =>
  mergeArgsort(webglBackend(backend), requiredInput(inputs, 'x'), attrs?.['descending'] === true);

export const gatherRowsWebgl: tf.KernelFunc = ({ inputs, backend }) => {
  const x = requiredInput(inputs, 'x');
  const indices = requiredInput(inputs, 'indices');
  const [rows = 1, m = 1] = indices.shape;
  const program = shaderProgram(['x', 'indices'], [rows, m], `
    void main() {
      ivec2 coords = getOutputCoords();
      setOutput(getX(coords.x, int(getIndices(coords.x, coords.y) + 0.5)));
    }
  `);
  return webglBackend(backend).runWebGLProgram(program, [x, indices], x.dtype);
};

// The inverse q of a permutation p satisfies q[p[j]] = j, so q lists the positions j in
// the order of their values p[j]: q is the ascending argsort of p (which has no ties).
export const invertPermutationRowsWebgl: tf.KernelFunc = ({ inputs, backend }) =>
  mergeArgsort(webglBackend(backend), requiredInput(inputs, 'perm'), false);
