/**
 * `FeatstatsMoments` on webgl (contract in `../contract.ts`): two shader passes over each
 * statistic's elements (`./common.ts`).
 *
 * A shifted two-moment accumulation: with the shift s = the group's first element,
 * S₁ = Σ(x − s) and S₂ = Σ(x − s)² give mean = s + S₁/M and variance = (S₂ − S₁²/M) /
 * (M − ddof). One read of the data gives both; a constant group gives d = 0 throughout,
 * so its mean is exact and its variance exactly 0; and since s lies inside the data,
 * S₂ − S₁²/M cancels only as much as the two-pass formula's correction term does when the
 * group's spread is small next to its distance from s.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { pairedSumsProgram, requiredInput, shaderProgram, webglBackend } from '../../webgl/program';
import { statisticsViewOf } from '../view';
import { asViews, chunkLoop, chunkSize, disposeAll } from './common';

export const momentsWebgl: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webglBackend(rawBackend);
  const view = statisticsViewOf(attrs, requiredInput(inputs, 'x'));
  const { views: [x], temporaries } = asViews(backend, [requiredInput(inputs, 'x')], view) as { views: [tf.TensorInfo]; temporaries: tf.TensorInfo[] };
  const total = view.reducedOuter * view.reducedInner;
  const chunk = chunkSize(total);
  const chunks = Math.ceil(total / chunk);
  const partialProgram = pairedSumsProgram(['x'], [view.outer, view.kept, chunks, 2], `
    vec2 chunkSums(int p, int q, int c) {
      float shift = getX(p, 0, q, 0);
      float s1 = 0.0;
      float s2 = 0.0;
      ${chunkLoop(view, chunk, 'c', 'float d = getX(p, a, q, b) - shift; s1 += d; s2 += d * d;')}
      return vec2(s1, s2);
    }
  `);
  const partials = backend.runWebGLProgram(partialProgram, [x], 'float32');
  // M − ddof ≤ 0 gives x·(1/0): Infinity or NaN, as the composite's division does.
  const combine = shaderProgram(['x', 'part'], [view.outer, 1, view.kept, 1], `
    void main() {
      ivec4 coords = getOutputCoords();
      float s1 = 0.0;
      float s2 = 0.0;
      for (int c = 0; c < ${chunks}; c++) {
        s1 += getPart(coords.x, coords.z, c, 0);
        s2 += getPart(coords.x, coords.z, c, 1);
      }
      float mean = getX(coords.x, 0, coords.z, 0) + s1 / ${total}.0;
      float variance = max(s2 - s1 * s1 / ${total}.0, 0.0) * inverseDenominator;
      setOutput(which == 0 ? mean : variance);
    }
  `, [{ name: 'which', type: 'int' }, { name: 'inverseDenominator', type: 'float' }]);
  const inverse = 1 / (total - Number(attrs?.['ddof'] ?? 0));
  const mean = backend.runWebGLProgram(combine, [x, partials], 'float32', [[0], [inverse]]);
  const variance = backend.runWebGLProgram(combine, [x, partials], 'float32', [[1], [inverse]]);
  disposeAll(backend, [partials, ...temporaries]);
  return [mean, variance];
};
