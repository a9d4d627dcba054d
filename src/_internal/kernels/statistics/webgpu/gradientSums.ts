/**
 * `FeatstatsGradientSums` on webgpu (contract in `../contract.ts`): two-pass reductions
 * (`./common.ts`) of Σg and Σg·x̂ per statistic, and of dγ = Σdy·x̂, dβ = Σdy per feature.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, webgpuBackend } from '../../webgpu/program';
import { featureLayoutOf, statisticsShape, statisticsViewOf, type FeatureLayout, type StatisticsView } from '../view';
import { FEATURE_WGSL, normalizedTerms, present, reducePairs, statisticElement, VIEW_WGSL, viewUniforms, type PairReduction } from './common';

export const gradientSumsWebgpu: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webgpuBackend(rawBackend);
  const x = requiredInput(inputs, 'x');
  const view = statisticsViewOf(attrs, x);
  const features = featureLayoutOf(attrs);
  const used = present(inputs, ['x', 'dy', 'mean', 'scale', 'gamma']);
  const terms = normalizedTerms(view, inputs);
  const element = statisticElement(view);
  const perStatistic = reducePairs(backend, {
    inputs: used,
    rows: view.outer * view.kept,
    count: view.reducedOuter * view.reducedInner,
    adjacentRows: element.adjacentRows,
    uniforms: () => viewUniforms(view, features),
    key: `gradientSums_${element.key}_${terms.key}`,
    helpers: `${VIEW_WGSL}\n${FEATURE_WGSL}`,
    rowSetup: element.rowSetup,
    term: `
          ${element.element}
          ${terms.code}
          let term = vec2<f32>(g, g * normalized);
    `,
  }, statisticsShape(view));
  if (attrs?.['affineGradients'] !== true) return perStatistic;
  return [...perStatistic, ...reducePairs(backend, perFeature(view, features, used, terms), [features.size])];
};

/**
 * dγ = Σdy·x̂ and dβ = Σdy of feature j. Its elements are (p, a, u = (t·size + j)·stride + s)
 * for t < kept·reducedInner/(stride·size), s < stride, with u = q·reducedInner + b; term m
 * enumerates them flat in the order (p, a, t, s).
 */
function perFeature(view: StatisticsView, features: FeatureLayout, used: Array<[string, tf.TensorInfo]>, terms: { code: string; key: string }): PairReduction {
  const blocks = (view.kept * view.reducedInner) / (features.stride * features.size);
  return {
    inputs: used,
    rows: features.size,
    count: view.outer * view.reducedOuter * blocks * features.stride,
    // Features j and j + 1 are neighbours when γ varies along the innermost axis.
    adjacentRows: features.stride === 1 && features.size > 1,
    uniforms: () => viewUniforms(view, features).int('blocks', blocks),
    key: `featureSums_${terms.key}`,
    helpers: `${VIEW_WGSL}\n${FEATURE_WGSL}`,
    rowSetup: 'let j = r;',
    term: `
          let s = m % uniforms.featureStride;
          var rest = m / uniforms.featureStride;
          let t = rest % uniforms.blocks;
          rest = rest / uniforms.blocks;
          let a = rest % uniforms.reducedOuter;
          let p = rest / uniforms.reducedOuter;
          let u = (t * uniforms.featureSize + j) * uniforms.featureStride + s;
          let q = u / uniforms.reducedInner;
          let b = u - q * uniforms.reducedInner;
          let i = fsViewIndex(p, a, q, b);
          ${terms.code}
          let term = vec2<f32>(upstream * normalized, upstream);
    `,
  };
}
