/**
 * `FeatstatsInputGradient` on webgl (contract in `../contract.ts`): one element-wise
 * program, x and dy read at the output's own texel as in `./scaleShift.ts`.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, shaderProgram, webglBackend } from '../../webgl/program';
import { featureLayoutOf, statisticsViewOf, viewShape } from '../view';
import { asViews, disposeAll, normalizedTerms, present, shapedLike, statAt } from './common';

export const inputGradientWebgl: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webglBackend(rawBackend);
  const x = requiredInput(inputs, 'x');
  const view = statisticsViewOf(attrs, x);
  const { views, temporaries } = asViews(backend, [x, requiredInput(inputs, 'dy')], view);
  const used = present({ ...inputs, x: views[0], dy: views[1] }, ['x', 'dy', 'mean', 'centering', 'projection', 'outScale', 'scale', 'gamma']);
  const stat = (name: string) => statAt(name, requiredInput(inputs, name), view);
  const program = shaderProgram(used.map(([name]) => name), viewShape(view), `
    void main() {
      ivec4 coords = getOutputCoords();
      int p = coords.x;
      int q = coords.z;
      ${normalizedTerms(view, inputs, featureLayoutOf(attrs), { a: 'coords.y', b: 'coords.w', atOutput: true })}
      setOutput((g - ${stat('centering')} - normalized * ${stat('projection')}) * ${stat('outScale')});
    }
  `);
  const dx = backend.runWebGLProgram(program, used.map(([, info]) => info), 'float32');
  disposeAll(backend, temporaries);
  return shapedLike(dx, x);
};
