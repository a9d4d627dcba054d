/**
 * `FeatstatsGradientSums` on webgl (contract in `../contract.ts`): two-level chunked
 * reductions (`./common.ts`) of Σg and Σg·x̂ per statistic, and of dγ, dβ per feature.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { pairedSumsProgram, requiredInput, webglBackend } from '../../webgl/program';
import { featureLayoutOf, statisticsShape, statisticsViewOf, type FeatureLayout, type StatisticsView } from '../view';
import { asViews, chunkLoop, chunkSize, disposeAll, normalizedTerms, present, sumChunks } from './common';

export const gradientSumsWebgl: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webglBackend(rawBackend);
  const x = requiredInput(inputs, 'x');
  const view = statisticsViewOf(attrs, x);
  const { views, temporaries } = asViews(backend, [x, requiredInput(inputs, 'dy')], view);
  const features = featureLayoutOf(attrs);
  const used = present({ ...inputs, x: views[0], dy: views[1] }, ['x', 'dy', 'mean', 'scale', 'gamma']);
  const names = used.map(([name]) => name);
  const tensors = used.map(([, info]) => info);
  const total = view.reducedOuter * view.reducedInner;
  const chunk = chunkSize(total);
  const chunks = Math.ceil(total / chunk);
  const partialProgram = pairedSumsProgram(names, [view.outer, view.kept, chunks, 2], `
    vec2 chunkSums(int p, int q, int c) {
      float sumG = 0.0;
      float sumGNormalized = 0.0;
      ${chunkLoop(view, chunk, 'c', `${normalizedTerms(view, inputs, features)} sumG += g; sumGNormalized += g * normalized;`)}
      return vec2(sumG, sumGNormalized);
    }
  `);
  const partials = backend.runWebGLProgram(partialProgram, tensors, 'float32');
  const statShape = statisticsShape(view);
  const outputs = [sumChunks(backend, partials, statShape, 0), sumChunks(backend, partials, statShape, 1)];
  backend.disposeIntermediateTensorInfo(partials);
  if (attrs?.['affineGradients'] === true) {
    const featurePartials = backend.runWebGLProgram(featurePartialProgram(view, inputs, features, names), tensors, 'float32');
    outputs.push(sumChunks(backend, featurePartials, [features.size], 0), sumChunks(backend, featurePartials, [features.size], 1));
    backend.disposeIntermediateTensorInfo(featurePartials);
  }
  disposeAll(backend, temporaries);
  return outputs;
};

/**
 * Partial dγ = Σdy·x̂ and dβ = Σdy per feature j, `[size, C, 2]`. The elements of feature
 * j are (p, a, u = (t·size + j)·stride + s) for t < kept·reducedInner/(stride·size),
 * s < stride, with u = q·reducedInner + b; chunk c enumerates them flat in the order
 * (p, a, t, s).
 */
function featurePartialProgram(view: StatisticsView, inputs: tf.NamedTensorInfoMap, features: FeatureLayout, names: string[]) {
  const blocks = (view.kept * view.reducedInner) / (features.stride * features.size);
  const total = view.outer * view.reducedOuter * blocks * features.stride;
  const chunk = chunkSize(total);
  const chunks = Math.ceil(total / chunk);
  return pairedSumsProgram(names, [features.size, chunks, 2], `
    vec2 chunkSums(int j, int c) {
      float sumUpstreamNormalized = 0.0;
      float sumUpstream = 0.0;
      int start = c * ${chunk};
      for (int k = 0; k < ${chunk}; k++) {
        int m = start + k;
        if (m >= ${total}) break;
        int s = imod(m, ${features.stride});
        int rest = m / ${features.stride};
        int t = imod(rest, ${blocks});
        rest = rest / ${blocks};
        int a = imod(rest, ${view.reducedOuter});
        int p = rest / ${view.reducedOuter};
        int u = (t * ${features.size} + j) * ${features.stride} + s;
        int q = u / ${view.reducedInner};
        int b = u - q * ${view.reducedInner};
        ${normalizedTerms(view, inputs, features)}
        sumUpstreamNormalized += upstream * normalized;
        sumUpstream += upstream;
      }
      return vec2(sumUpstreamNormalized, sumUpstream);
    }
  `);
}
