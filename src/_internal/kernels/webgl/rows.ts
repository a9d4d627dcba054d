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

/**
 * The rank of (x[j], j) among the row's keys, ordered as the argsort orders them (value,
 * then index; values negated when descending): a lower-bound binary search of the sorted
 * row, whose k-th key is (x[perm[k]], perm[k]). ⌈log₂(n + 1)⌉ steps of two reads each, in
 * one pass, where inverting perm by itself is a merge sort of 1 + ⌈log₂(n/8)⌉ passes.
 */
export const rankRowsWebgl: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = requiredInput(inputs, 'x');
  const perm = requiredInput(inputs, 'perm');
  const [rows = 1, n = 1] = perm.shape;
  const steps = Math.ceil(Math.log2(n + 1));
  const program = shaderProgram(['x', 'perm'], [rows, n], `
    void main() {
      ivec2 coords = getOutputCoords();
      int row = coords.x;
      int j = coords.y;
      float key = keySign * getX(row, j);
      int lo = 0;
      int hi = ${n};
      for (int it = 0; it < ${steps}; it++) {
        if (lo >= hi) break;
        int mid = (lo + hi) / 2;
        int i = int(getPerm(row, mid) + 0.5);
        float v = keySign * getX(row, i);
        if (v < key || (v == key && i < j)) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      setOutput(float(lo));
    }
  `, [{ name: 'keySign', type: 'float' }]);
  return webglBackend(backend).runWebGLProgram(program, [x, perm], 'int32', [[attrs?.['descending'] === true ? -1 : 1]]);
};

// The inverse q of a permutation p satisfies q[p[j]] = j, so q lists the positions j in
// the order of their values p[j]: q is the ascending argsort of p (which has no ties).
export const invertPermutationRowsWebgl: tf.KernelFunc = ({ inputs, backend }) =>
  mergeArgsort(webglBackend(backend), requiredInput(inputs, 'perm'), false);
