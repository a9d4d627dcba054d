/**
 * `FeatstatsMoments` on webgpu (contract in `../contract.ts`): one two-pass reduction
 * (`./common.ts`) of both moments.
 *
 * A shifted two-moment accumulation, as on webgl: with the shift s = the statistic's first
 * element, S₁ = Σ(x − s) and S₂ = Σ(x − s)² give mean = s + S₁/M and variance =
 * (S₂ − S₁²/M) / (M − ddof). One read of the data gives both; a constant group gives
 * d = 0 throughout, so its mean is exact and its variance exactly 0; and since s lies
 * inside the data, S₂ − S₁²/M cancels only as much as the two-pass formula's correction
 * term does when the group's spread is small next to its distance from s.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, webgpuBackend } from '../../webgpu/program';
import { statisticsShape, statisticsViewOf } from '../view';
import { reducePairs, statisticElement, VIEW_WGSL, viewUniforms } from './common';

export const momentsWebgpu: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webgpuBackend(rawBackend);
  const x = requiredInput(inputs, 'x');
  const view = statisticsViewOf(attrs, x);
  const count = view.reducedOuter * view.reducedInner;
  // M − ddof ≤ 0 gives a factor of 1/0 = Infinity: Infinity or NaN, as the composite's division does.
  const inverseDenominator = 1 / (count - Number(attrs?.['ddof'] ?? 0));
  const shift = `
      ${VIEW_WGSL}
      fn fsShift(r : i32) -> f32 {
        return x[fsViewIndex(r / uniforms.kept, 0, r % uniforms.kept, 0)];
      }
  `;
  const element = statisticElement(view);
  return reducePairs(backend, {
    inputs: [['x', x]],
    rows: view.outer * view.kept,
    count,
    adjacentRows: element.adjacentRows,
    uniforms: () => viewUniforms(view).float('inverseDenominator', inverseDenominator),
    key: `moments_${element.key}`,
    helpers: VIEW_WGSL,
    rowSetup: `${element.rowSetup}\n        let shift = x[fsViewIndex(p, 0, q, 0)];`,
    term: `${element.element}\n          let d = x[i] - shift;\n          let term = vec2<f32>(d, d * d);`,
    finish: {
      inputs: ['x'],
      code: `
        ${shift}
        fn fsFinish(r : i32, sums : vec2<f32>) -> vec2<f32> {
          let total = f32(uniforms.count);
          let spread = sums.y - sums.x * sums.x / total;
          // Rounding may leave a constant group's S₂ − S₁²/M a hair below 0; NaN stays NaN.
          let clamped = select(spread, 0.0, spread < 0.0);
          return vec2<f32>(fsShift(r) + sums.x / total, clamped * uniforms.inverseDenominator);
        }
      `,
    },
  }, statisticsShape(view));
};
