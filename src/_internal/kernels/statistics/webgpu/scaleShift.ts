/**
 * `FeatstatsScaleShift` on webgpu (contract in `../contract.ts`): one element-wise
 * program, in the composite's order of operations (subtract, scale, γ, β, shift).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, run, webgpuBackend } from '../../webgpu/program';
import { featureLayoutOf, statisticsViewOf } from '../view';
import { coordinatesWgsl, ELEMENTWISE_WORKGROUP, FEATURE_WGSL, present, statAt, viewUniforms } from './common';

export const scaleShiftWebgpu: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webgpuBackend(rawBackend);
  const x = requiredInput(inputs, 'x');
  const view = statisticsViewOf(attrs, x);
  const size = x.shape.reduce((a, b) => a * b, 1);
  const used = [['x', x] as [string, tf.TensorInfo], ...present(inputs, ['mean', 'scale', 'shift', 'gamma', 'beta'])];
  const stat = (name: string) => {
    const info = inputs[name];
    return info === undefined ? undefined : statAt(name, info, view);
  };
  const mean = statAt('mean', requiredInput(inputs, 'mean'), view);
  const scale = stat('scale');
  const shift = stat('shift');
  const hasGamma = inputs['gamma'] !== undefined;
  const hasBeta = inputs['beta'] !== undefined;
  const coordinates = coordinatesWgsl(view);
  const key = `scaleShift_${coordinates.key}_m${mean.pattern}s${scale?.pattern ?? '-'}h${shift?.pattern ?? '-'}g${hasGamma ? 1 : 0}b${hasBeta ? 1 : 0}`;
  return run(backend, {
    inputs: used.map(([name]) => name),
    invocations: size,
    outputSize: size,
    workgroupSize: ELEMENTWISE_WORKGROUP,
    key,
    uniforms: viewUniforms(view, featureLayoutOf(attrs)).int('size', size),
    code: `
      ${FEATURE_WGSL}
      fn main(i : i32) {
        if (i >= uniforms.size) {
          return;
        }
        ${coordinates.code}
        var y = x[i] - ${mean.read};
        ${scale === undefined ? '' : `y = y * ${scale.read};`}
        ${hasGamma ? 'y = y * gamma[fsFeature(q, b)];' : ''}
        ${hasBeta ? 'y = y + beta[fsFeature(q, b)];' : ''}
        ${shift === undefined ? '' : `y = y + ${shift.read};`}
        result[i] = y;
      }
    `,
  }, used.map(([, info]) => info), 'float32', x.shape);
};
