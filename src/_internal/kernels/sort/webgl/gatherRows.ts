/** `FeatstatsGatherRows` on webgl (contract in `../contract.ts`): a one-texel shader. */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, shaderProgram, webglBackend } from '../../webgl/program';

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
