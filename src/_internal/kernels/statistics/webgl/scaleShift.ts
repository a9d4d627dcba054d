/**
 * `FeatstatsScaleShift` on webgl (contract in `../contract.ts`): one element-wise program
 * that reads x at the output's own texel (`getXAtOutCoords`: one texture sample when the
 * layouts match, instead of index arithmetic per element).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, shaderProgram, webglBackend } from '../../webgl/program';
import { featureLayoutOf, statisticsViewOf, viewShape } from '../view';
import { asViews, disposeAll, featureIndex, present, shapedLike, statAt } from './common';

export const scaleShiftWebgl: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webglBackend(rawBackend);
  const x = requiredInput(inputs, 'x');
  const view = statisticsViewOf(attrs, x);
  const { views: [xView], temporaries } = asViews(backend, [x], view) as { views: [tf.TensorInfo]; temporaries: tf.TensorInfo[] };
  const used = [['x', xView] as [string, tf.TensorInfo], ['mean', requiredInput(inputs, 'mean')] as [string, tf.TensorInfo], ...present(inputs, ['scale', 'shift', 'gamma', 'beta'])];
  const has = (name: string) => inputs[name] !== undefined;
  const index = featureIndex(view, featureLayoutOf(attrs), 'q', 'b');
  const program = shaderProgram(used.map(([name]) => name), viewShape(view), `
    void main() {
      ivec4 coords = getOutputCoords();
      int p = coords.x;
      int q = coords.z;
      int b = coords.w;
      float y = getXAtOutCoords() - ${statAt('mean', requiredInput(inputs, 'mean'), view)};
      ${has('scale') ? `y *= ${statAt('scale', requiredInput(inputs, 'scale'), view)};` : ''}
      ${has('gamma') || has('beta') ? `int j = ${index};` : ''}
      ${has('gamma') ? 'y *= getGamma(j);' : ''}
      ${has('beta') ? 'y += getBeta(j);' : ''}
      ${has('shift') ? `y += ${statAt('shift', requiredInput(inputs, 'shift'), view)};` : ''}
      setOutput(y);
    }
  `);
  const y = backend.runWebGLProgram(program, used.map(([, info]) => info), 'float32');
  disposeAll(backend, temporaries);
  return shapedLike(y, x);
};
