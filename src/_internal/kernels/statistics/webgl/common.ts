/**
 * What the webgl statistics kernels share: x read as its view, samplers of statistics,
 * the feature index, and the chunked loop of the two-level reductions. In the GLSL,
 * (p, a, q, b) index the view's four axes `[outer, reducedOuter, kept, reducedInner]`.
 *
 * Reductions over the reducedOuter·reducedInner elements of a statistic run in two shader
 * passes: the first gives one partial sum per (statistic, chunk of ≈ √M consecutive
 * elements), so the GPU has many fragments to run even when there are few statistics
 * (batch norm's C); the second adds the chunks. Chunking is also a step towards pairwise
 * summation: float32 sums of √M terms of √M partials lose far fewer digits than one
 * running sum of M terms.
 *
 * x and dy arrive in their own shape with the view as an attr (`../contract.ts`); the
 * kernels read them as the view ({@link asViews}) and return y and dx re-labelled with
 * x's shape, as tfjs's unpacked `Reshape` would, so no view tensor exists outside a kernel.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, shaderProgram, type WebglBackend } from '../../webgl/program';
import { viewShape, type FeatureLayout, type StatisticsView } from '../view';

/**
 * Big inputs reinterpreted as the view, the way tfjs-backend-webgl's own `Reshape` treats
 * an unpacked texture: the same dataId under another shape, since an unpacked texture holds
 * the flat row-major elements whatever the logical shape. A packed texture's layout depends
 * on its last two dimensions, so a packed input is first unpacked in its own shape (the
 * copy is returned in `temporaries`, to dispose after the programs ran). The infos made
 * here are never registered with the engine, so they need no reference count.
 */
export function asViews(backend: WebglBackend, infos: readonly tf.TensorInfo[], view: StatisticsView): { views: tf.TensorInfo[]; temporaries: tf.TensorInfo[] } {
  const shape = viewShape(view);
  const temporaries: tf.TensorInfo[] = [];
  const views = infos.map((info) => {
    if (info.shape.length === 4 && info.shape.every((d, i) => d === shape[i])) return info;
    let source = info;
    if (backend.texData?.get(info.dataId)?.isPacked === true && backend.unpackTensor !== undefined) {
      source = backend.unpackTensor(info);
      temporaries.push(source);
    }
    return { dataId: source.dataId, shape, dtype: source.dtype };
  });
  return { views, temporaries };
}

/** Consecutive elements per chunk of a reduction over `m` elements (all of them when few). */
export function chunkSize(m: number): number {
  if (m <= 256) return m;
  let chunk = 16;
  while (chunk * chunk < m) chunk *= 2;
  return chunk;
}

/**
 * A GLSL read of statistic `name` at the GLSL ints `p`, `q` in scope, for a statistic
 * `[outer|1, 1, kept|1, 1]`: a dimension of size 1 broadcasts.
 */
export function statAt(name: string, info: tf.TensorInfo, view: StatisticsView): string {
  const [sp, sa, sq, sb] = info.shape;
  const fits = info.shape.length === 4 && sa === 1 && sb === 1 && (sp === 1 || sp === view.outer) && (sq === 1 || sq === view.kept);
  if (!fits) {
    throw new Error(`featstats: webgl statistic ${name} must be [${view.outer},1,${view.kept},1] but got [${info.shape.join(',')}]`);
  }
  const sampler = `get${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  return `${sampler}(${sp === 1 ? '0' : 'p'}, 0, ${sq === 1 ? '0' : 'q'}, 0)`;
}

/** GLSL: the γ/β index of element (q, b) of the view, `⌊(q·reducedInner + b) / stride⌋ mod size`. */
export function featureIndex(view: StatisticsView, features: FeatureLayout, q: string, b: string): string {
  return `imod((${q} * ${view.reducedInner} + ${b}) / ${features.stride}, ${features.size})`;
}

/**
 * GLSL: a loop over chunk `chunkIndex` of the reducedOuter·reducedInner elements of
 * statistic (p, q), with ints `a` and `b` naming the current element inside `body`.
 */
export function chunkLoop(view: StatisticsView, chunk: number, chunkIndex: string, body: string): string {
  const total = view.reducedOuter * view.reducedInner;
  return `
    int m = ${chunkIndex} * ${chunk};
    int a = m / ${view.reducedInner};
    int b = m - a * ${view.reducedInner};
    for (int t = 0; t < ${chunk}; t++) {
      if (m >= ${total}) break;
      ${body}
      m++;
      b++;
      if (b == ${view.reducedInner}) { b = 0; a++; }
    }
  `;
}

/**
 * GLSL declarations of x̂ = (x − mean)·scale (`normalized`), dy (`upstream`) and g = dy·γ
 * for element (p, a, q, b) of the view, with ints `p`, `q` in scope and `a`, `b` GLSL
 * int expressions; `atOutput` reads x and dy at the output's own texel instead.
 */
export function normalizedTerms(view: StatisticsView, inputs: tf.NamedTensorInfoMap, features: FeatureLayout, at: { a: string; b: string; atOutput: boolean } = { a: 'a', b: 'b', atOutput: false }): string {
  const { a, b, atOutput } = at;
  const scale = inputs['scale'];
  const gamma = inputs['gamma'];
  const mean = statAt('mean', requiredInput(inputs, 'mean'), view);
  return `
    float normalized = (${atOutput ? 'getXAtOutCoords()' : `getX(p, ${a}, q, ${b})`} - ${mean})${scale === undefined ? '' : ` * ${statAt('scale', scale, view)}`};
    float upstream = ${atOutput ? 'getDyAtOutCoords()' : `getDy(p, ${a}, q, ${b})`};
    float g = upstream${gamma === undefined ? '' : ` * getGamma(${featureIndex(view, features, 'q', b)})`};
  `;
}

/** The present inputs among `names`, in order, with their names. */
export function present(inputs: tf.NamedTensorInfoMap, names: string[]): Array<[string, tf.TensorInfo]> {
  const found: Array<[string, tf.TensorInfo]> = [];
  for (const name of names) {
    const info = inputs[name];
    if (info !== undefined) found.push([name, info]);
  }
  return found;
}

/** A program output (shaped like the view) re-labelled with `x`'s shape; it keeps its single reference. */
export function shapedLike(output: tf.TensorInfo, x: tf.TensorInfo): tf.TensorInfo {
  return { dataId: output.dataId, shape: [...x.shape], dtype: output.dtype };
}

export function disposeAll(backend: WebglBackend, infos: readonly tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeIntermediateTensorInfo(info);
}

/**
 * Adds chunk partials into one output per statistic, `[outer, kept, chunks, 2]` →
 * `[outer, 1, kept, 1]`, or per feature, `[size, chunks, 2]` → `[size]`; `which` (a
 * uniform) picks the component.
 */
export function sumChunks(backend: WebglBackend, partials: tf.TensorInfo, outShape: number[], which: number): tf.TensorInfo {
  const perIndex = outShape.length === 1;
  const chunks = partials.shape[partials.shape.length - 2] ?? 1;
  const program = shaderProgram(['part'], outShape, `
    void main() {
      ${perIndex ? 'int j = getOutputCoords();' : 'ivec4 coords = getOutputCoords();'}
      float sum = 0.0;
      for (int c = 0; c < ${chunks}; c++) sum += ${perIndex ? 'getPart(j, c, which)' : 'getPart(coords.x, coords.z, c, which)'};
      setOutput(sum);
    }
  `, [{ name: 'which', type: 'int' }]);
  return backend.runWebGLProgram(program, [partials], 'float32', [[which]]);
}
