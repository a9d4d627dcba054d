/**
 * `FeatstatsInputGradient` on webgpu (contract in `../contract.ts`): one element-wise
 * program, `dx = (g − centering − x̂·projection)·outScale`, its statistics stacked into
 * one buffer first (`./common.ts`, {@link stackStatistics}: x, dy, γ and five statistics
 * would exceed WebGPU's 8 storage buffers per shader).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, run, webgpuBackend } from '../../webgpu/program';
import { featureLayoutOf, statisticsViewOf } from '../view';
import { coordinatesWgsl, ELEMENTWISE_WORKGROUP, FEATURE_WGSL, stackStatistics, viewUniforms } from './common';

export const inputGradientWebgpu: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webgpuBackend(rawBackend);
  const x = requiredInput(inputs, 'x');
  const dy = requiredInput(inputs, 'dy');
  const view = statisticsViewOf(attrs, x);
  const size = x.shape.reduce((a, b) => a * b, 1);
  for (const name of ['mean', 'centering', 'projection', 'outScale']) requiredInput(inputs, name);
  const statistics = stackStatistics(backend, view, inputs, ['mean', 'centering', 'projection', 'outScale', 'scale']);
  const stat = (name: string) => statistics.read(name) as string;
  const scale = statistics.read('scale');
  const gamma = inputs['gamma'];
  const coordinates = coordinatesWgsl(view);
  const dx = run(backend, {
    inputs: ['x', 'dy', 'stats', ...(gamma === undefined ? [] : ['gamma'])],
    invocations: size,
    outputSize: size,
    workgroupSize: ELEMENTWISE_WORKGROUP,
    key: `inputGradient_${coordinates.key}_${statistics.key}g${gamma === undefined ? 0 : 1}`,
    uniforms: viewUniforms(view, featureLayoutOf(attrs)).int('statistics', view.outer * view.kept).int('size', size),
    code: `
      ${FEATURE_WGSL}
      fn main(i : i32) {
        if (i >= uniforms.size) {
          return;
        }
        ${coordinates.code}
        let normalized = (x[i] - ${stat('mean')})${scale === undefined ? '' : ` * ${scale}`};
        let g = dy[i]${gamma === undefined ? '' : ' * gamma[fsFeature(q, b)]'};
        result[i] = (g - ${stat('centering')} - normalized * ${stat('projection')}) * ${stat('outScale')};
      }
    `,
  }, [x, dy, statistics.stacked, ...(gamma === undefined ? [] : [gamma])], 'float32', x.shape);
  backend.disposeData(statistics.stacked.dataId);
  return dx;
};
