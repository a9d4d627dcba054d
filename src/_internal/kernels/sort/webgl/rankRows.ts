/**
 * `FeatstatsRankRows` on webgl (contract in `../contract.ts`): the rank of (x[j], j) among
 * the row's keys, ordered as the argsort orders them (value, then index; values negated
 * when descending), by a lower-bound binary search of the sorted row, whose k-th key is
 * (x[perm[k]], perm[k]). ⌈log₂(n + 1)⌉ steps of two reads each, in one pass, where
 * inverting perm by itself is a merge sort of 1 + ⌈log₂(n/8)⌉ passes.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, shaderProgram, webglBackend } from '../../webgl/program';

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
