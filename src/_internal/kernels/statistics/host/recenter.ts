/**
 * `FeatstatsRecenter` on cpu (contract in `../contract.ts`): the mean, then
 * `y = (x − mean)·scale + mean·meanScale`, in one kernel that stages x once
 * (`./stagedForward.ts`). The outputs are the moments kernel's mean and the scale-shift
 * kernel's y with shift = mean·meanScale rounded to float32 (tfjs-backend-cpu's
 * Multiply), bit for bit.
 * Only cpu registers it: on wasm the sweeps already work in place, with nothing to stage.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, type HostKernel } from '../../host/adapter';
import { NO_FEATURES, statisticsShape, statisticsViewOf } from '../view';
import { featureValuesOf, floatInput, statisticValues } from './common';
import { momentsThenScaleShift, type ScaleShiftRule } from './stagedForward';

const RECENTER: HostKernel = {
  outputs: (inputs, attrs) => {
    const x = inputs.x as tf.TensorInfo;
    return [
      { shape: [...x.shape], dtype: 'float32', filled: true },
      { shape: statisticsShape(statisticsViewOf(attrs, x)), dtype: 'float32' },
    ];
  },
  run(inputs, outputs, attrs, context) {
    const x = floatInput(inputs, 'x');
    const [y, mean] = outputs as [Float32Array, Float32Array];
    const view = statisticsViewOf(attrs, requiredInput(inputs, 'x'));
    const statistics = view.outer * view.kept;
    const meanScale = statisticValues(inputs.meanScale, view, 1);
    const shift = new Float64Array(statistics);
    const rule: ScaleShiftRule = {
      scale: statisticValues(inputs.scale, view, 1),
      shift,
      fill({ mean }, { from, to }) {
        for (let s = from; s < to; s++) shift[s] = Math.fround((mean[s] as number) * (meanScale[s] as number));
      },
    };
    const moments = { mean, variance: new Float32Array(statistics) };
    momentsThenScaleShift({ x, y, view, features: featureValuesOf(inputs, NO_FEATURES, view), moments }, rule, context);
  },
};

// Pure annotation: see ./moments.ts.
export const recenterCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(RECENTER);
