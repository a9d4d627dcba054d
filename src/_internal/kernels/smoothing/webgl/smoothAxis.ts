/**
 * `FeatstatsSmoothAxis` on webgl (contract in `../contract.ts`): one shader program. x is
 * read as `[outer, L, inner]` around the axis where it lies (no transposes), and each
 * output `y[o, i, c]` sums `w·x[o, j, c]` over the nonzero entries (j, w) of row i of M
 * (of Mᵀ when transposed), taken from the small `[L, K]` inputs `columns` and `weights`
 * that the contract gathers on the host (where the matrix is built), so nothing is read
 * back from the GPU. A row with fewer than K entries ends at column −1; the shader stops
 * there, so it never multiplies a padding 0 by x (a non-finite input then reaches only
 * the outputs within the kernel's reach, as on the host). The sum runs in float32 in
 * increasing column order, the order of the host kernel.
 *
 * Rows away from the borders share one stencil (attrs `band` and `stencil`, found by the
 * contract): those read their weights from a uniform array and their columns from i +
 * offset, so each tap costs one texel read (x) instead of three. The stencil is the
 * same row of weights in the same order, so both paths give the same values. A stencil
 * longer than {@link MAX_STENCIL} taps (a uniform array that long might not fit WebGL 2's
 * minimum of 224 uniform vectors) leaves every row to the general path.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, shaderProgram, webglBackend, type WebglBackend } from '../../webgl/program';

/**
 * x re-labelled `[outer, L, inner]`, as tfjs-backend-webgl's own `Reshape` treats an
 * unpacked texture (the same dataId under another shape); a packed x is first unpacked
 * in its own shape, a copy returned as `temporary` to dispose after the program ran.
 */
function lineView(backend: WebglBackend, x: tf.TensorInfo, shape: number[]): { view: tf.TensorInfo; temporary?: tf.TensorInfo } {
  if (backend.texData?.get(x.dataId)?.isPacked === true && backend.unpackTensor !== undefined) {
    const temporary = backend.unpackTensor(x);
    return { view: { dataId: temporary.dataId, shape, dtype: temporary.dtype }, temporary };
  }
  return { view: { dataId: x.dataId, shape, dtype: x.dtype } };
}

/** The longest stencil passed as a uniform array. */
const MAX_STENCIL = 128;

export const smoothAxisWebgl: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webglBackend(rawBackend);
  const x = requiredInput(inputs, 'x');
  const columns = requiredInput(inputs, 'columns');
  const weights = requiredInput(inputs, 'weights');
  const axis = attrs?.['axis'] as number;
  const length = x.shape[axis] as number;
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const taps = columns.shape[1] as number;
  const shape = [outer, length, inner];
  const given = (attrs?.['stencil'] as number[] | undefined) ?? [];
  const [start = 0, end = 0, offset = 0] = given.length > 0 && given.length <= MAX_STENCIL ? ((attrs?.['band'] as number[] | undefined) ?? []) : [];
  const stencil = end > start ? given : [0];
  const { view, temporary } = lineView(backend, x, shape);
  // K (the most entries of a row) and the stencil's length are the only values in the
  // code: shaders differ by them and by the shapes, which tfjs's program cache keys on
  // anyway; the band and the stencil's weights are uniforms.
  const program = shaderProgram(['x', 'columns', 'weights'], shape, `
    void main() {
      ivec3 coords = getOutputCoords();
      int i = coords.y;
      float sum = 0.0;
      if (i >= bandStart && i < bandEnd) {
        int first = i + bandOffset;
        for (int t = 0; t < ${stencil.length}; t++) sum += stencil[t] * getX(coords.x, first + t, coords.z);
      } else {
        for (int t = 0; t < ${taps}; t++) {
          float column = getColumns(i, t);
          if (column < 0.0) break;
          sum += getWeights(i, t) * getX(coords.x, int(column + 0.5), coords.z);
        }
      }
      setOutput(sum);
    }
  `, [{ name: 'bandStart', type: 'int' }, { name: 'bandEnd', type: 'int' }, { name: 'bandOffset', type: 'int' }, { name: 'stencil', type: 'float', arrayIndex: stencil.length }]);
  const y = backend.runWebGLProgram(program, [view, columns, weights], 'float32', [[start], [end], [offset], stencil]);
  if (temporary !== undefined) backend.disposeIntermediateTensorInfo(temporary);
  return { dataId: y.dataId, shape: [...x.shape], dtype: y.dtype };
};
