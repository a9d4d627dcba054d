/**
 * `FeatstatsStandardize` on cpu (contract in `../contract.ts`): the biased moments, then
 * `y = (x − mean)·rsqrt(variance + ε)·γ + β`, in one kernel that stages x once
 * (`./stagedForward.ts`). The outputs are the moments kernel's, rsqrt(variance + ε) as
 * tfjs-backend-cpu computes it (float32 add, then 1/√ rounded to float32), and the
 * scale-shift kernel's with those, bit for bit.
 * Only cpu registers it: on wasm the sweeps already work in place, with nothing to stage.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, type HostKernel, type HostOutputSpec } from '../../host/adapter';
import { featureLayoutOf, statisticsShape, statisticsViewOf } from '../view';
import { featureValuesOf, floatInput } from './common';
import { momentsThenScaleShift, type ScaleShiftRule } from './stagedForward';

const STANDARDIZE: HostKernel = {
  outputs: (inputs, attrs) => {
    const x = inputs.x as tf.TensorInfo;
    const shape = statisticsShape(statisticsViewOf(attrs, x));
    const statistic = (): HostOutputSpec => ({ shape: [...shape], dtype: 'float32' });
    return [{ shape: [...x.shape], dtype: 'float32', filled: true }, statistic(), statistic(), statistic()];
  },
  run(inputs, outputs, attrs, context) {
    const x = floatInput(inputs, 'x');
    const [y, mean, variance, inverseStd] = outputs as [Float32Array, Float32Array, Float32Array, Float32Array];
    const view = statisticsViewOf(attrs, requiredInput(inputs, 'x'));
    // tf.add(variance, ε) makes ε a float32 scalar.
    const epsilon = Math.fround(attrs.epsilon as number);
    const features = featureValuesOf(inputs, featureLayoutOf(attrs), view);
    const statistics = view.outer * view.kept;
    const scale = new Float64Array(statistics);
    const rule: ScaleShiftRule = {
      scale,
      shift: new Float64Array(statistics),
      // rsqrt(variance + ε) as tfjs-backend-cpu's Add then Rsqrt round it.
      fill(_, { from, to }) {
        for (let s = from; s < to; s++) {
          inverseStd[s] = 1 / Math.sqrt(Math.fround((variance[s] as number) + epsilon));
          scale[s] = inverseStd[s] as number;
        }
      },
    };
    momentsThenScaleShift({ x, y, view, features, moments: { mean, variance } }, rule, context);
  },
};

// Pure annotation: see ./moments.ts.
export const standardizeCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(STANDARDIZE);
