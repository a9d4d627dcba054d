/**
 * webgl implementations of the kernels in `../stats4.ts` (contracts there), as shaders
 * over the view `[P, A, Q, B]` (`./view4.ts`): element-wise programs for the scale-shift
 * and the gradient's apply step, two-level chunked reductions for the sums.
 *
 * Moments use a shifted two-moment accumulation: with the shift s = the group's first
 * element, S₁ = Σ(x − s) and S₂ = Σ(x − s)² give mean = s + S₁/M and
 * variance = (S₂ − S₁²/M) / (M − ddof). One read of the data gives both; a constant group
 * gives d = 0 throughout, so its mean is exact and its variance exactly 0; and since s
 * lies inside the data, S₂ − S₁²/M cancels only as much as the two-pass formula's
 * correction term does when the group's spread is small next to its distance from s.
 *
 * x and dy arrive in their own shape with the view as an attr (`../stats4.ts`); the
 * kernels read them as the view (`asViews`) and return y and dx re-labelled with x's
 * shape, as tfjs's unpacked `Reshape` would, so no view tensor exists outside a kernel.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { pairedSumsProgram, requiredInput, shaderProgram, webglBackend, type WebglBackend } from './program';
import { affineIndex, asViews, chunkLoop, chunkSize, statAt, view4, type View4 } from './view4';

interface AffineAttrs {
  readonly stride: number;
  readonly size: number;
}

function affineAttrs(attrs: tf.NamedAttrMap | undefined): AffineAttrs {
  return { stride: Number(attrs?.['affineStride'] ?? 1), size: Number(attrs?.['affineSize'] ?? 1) };
}

/** The present optional inputs, in order, with their names. */
function present(inputs: tf.NamedTensorInfoMap, names: string[]): Array<[string, tf.TensorInfo]> {
  const found: Array<[string, tf.TensorInfo]> = [];
  for (const name of names) {
    const info = inputs[name];
    if (info !== undefined) found.push([name, info]);
  }
  return found;
}

/** A program output (shaped like the view) re-labelled with `x`'s shape; it keeps its single reference. */
function shapedLike(output: tf.TensorInfo, x: tf.TensorInfo): tf.TensorInfo {
  return { dataId: output.dataId, shape: [...x.shape], dtype: output.dtype };
}

function disposeAll(backend: WebglBackend, infos: readonly tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeIntermediateTensorInfo(info);
}

/**
 * Adds chunk partials into one output per statistic: `[P, Q, C, 2]` → `[P, 1, Q, 1]`, or
 * `[size, C, 2]` → `[size]`; `which` (a uniform) picks the component.
 */
function sumChunks(backend: WebglBackend, partials: tf.TensorInfo, outShape: number[], which: number): tf.TensorInfo {
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

export const moments4Webgl: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webglBackend(rawBackend);
  const view = view4(requiredInput(inputs, 'x'), attrs);
  const { views: [x], temporaries } = asViews(backend, [requiredInput(inputs, 'x')], view) as { views: [tf.TensorInfo]; temporaries: tf.TensorInfo[] };
  const total = view.a * view.b;
  const chunk = chunkSize(total);
  const chunks = Math.ceil(total / chunk);
  const partialProgram = pairedSumsProgram(['x'], [view.p, view.q, chunks, 2], `
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
  const combine = shaderProgram(['x', 'part'], [view.p, 1, view.q, 1], `
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

/**
 * GLSL declarations of x̂ = (x − mean)·scale (`normalized`), dy (`upstream`) and g = dy·γ
 * for element (p, a, q, b) of the view, with ints `p`, `q` in scope and `a`, `b` GLSL
 * int expressions.
 */
function normalizedTerms(view: View4, inputs: tf.NamedTensorInfoMap, affine: AffineAttrs, a = 'a', b = 'b', atOutput = false): string {
  const scale = inputs['scale'];
  const gamma = inputs['gamma'];
  const mean = statAt('mean', requiredInput(inputs, 'mean'), view, 'p', 'q');
  return `
    float normalized = (${atOutput ? 'getXAtOutCoords()' : `getX(p, ${a}, q, ${b})`} - ${mean})${scale === undefined ? '' : ` * ${statAt('scale', scale, view, 'p', 'q')}`};
    float upstream = ${atOutput ? 'getDyAtOutCoords()' : `getDy(p, ${a}, q, ${b})`};
    float g = upstream${gamma === undefined ? '' : ` * getGamma(${affineIndex(view, affine.stride, affine.size, 'q', b)})`};
  `;
}

export const scaleShift4Webgl: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webglBackend(rawBackend);
  const x = requiredInput(inputs, 'x');
  const view = view4(x, attrs);
  const { views: [xView], temporaries } = asViews(backend, [x], view) as { views: [tf.TensorInfo]; temporaries: tf.TensorInfo[] };
  const affine = affineAttrs(attrs);
  const used = [['x', xView] as [string, tf.TensorInfo], ['mean', requiredInput(inputs, 'mean')] as [string, tf.TensorInfo], ...present(inputs, ['scale', 'shift', 'gamma', 'beta'])];
  const has = (name: string) => inputs[name] !== undefined;
  const index = affineIndex(view, affine.stride, affine.size, 'q', 'b');
  const program = shaderProgram(used.map(([name]) => name), [view.p, view.a, view.q, view.b], `
    void main() {
      ivec4 coords = getOutputCoords();
      int p = coords.x;
      int q = coords.z;
      int b = coords.w;
      float y = getXAtOutCoords() - ${statAt('mean', requiredInput(inputs, 'mean'), view, 'p', 'q')};
      ${has('scale') ? `y *= ${statAt('scale', requiredInput(inputs, 'scale'), view, 'p', 'q')};` : ''}
      ${has('gamma') || has('beta') ? `int j = ${index};` : ''}
      ${has('gamma') ? 'y *= getGamma(j);' : ''}
      ${has('beta') ? 'y += getBeta(j);' : ''}
      ${has('shift') ? `y += ${statAt('shift', requiredInput(inputs, 'shift'), view, 'p', 'q')};` : ''}
      setOutput(y);
    }
  `);
  const y = backend.runWebGLProgram(program, used.map(([, info]) => info), 'float32');
  disposeAll(backend, temporaries);
  return shapedLike(y, x);
};

export const gradApply4Webgl: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webglBackend(rawBackend);
  const x = requiredInput(inputs, 'x');
  const view = view4(x, attrs);
  const { views, temporaries } = asViews(backend, [x, requiredInput(inputs, 'dy')], view);
  const used = present({ ...inputs, x: views[0], dy: views[1] }, ['x', 'dy', 'mean', 'a', 'b', 'outScale', 'scale', 'gamma']);
  const stat = (name: string) => statAt(name, requiredInput(inputs, name), view, 'p', 'q');
  const program = shaderProgram(used.map(([name]) => name), [view.p, view.a, view.q, view.b], `
    void main() {
      ivec4 coords = getOutputCoords();
      int p = coords.x;
      int q = coords.z;
      ${normalizedTerms(view, inputs, affineAttrs(attrs), 'coords.y', 'coords.w', true)}
      setOutput((g - ${stat('a')} - normalized * ${stat('b')}) * ${stat('outScale')});
    }
  `);
  const dx = backend.runWebGLProgram(program, used.map(([, info]) => info), 'float32');
  disposeAll(backend, temporaries);
  return shapedLike(dx, x);
};

export const gradSums4Webgl: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webglBackend(rawBackend);
  const x = requiredInput(inputs, 'x');
  const view = view4(x, attrs);
  const { views, temporaries } = asViews(backend, [x, requiredInput(inputs, 'dy')], view);
  const affine = affineAttrs(attrs);
  const used = present({ ...inputs, x: views[0], dy: views[1] }, ['x', 'dy', 'mean', 'scale', 'gamma']);
  const names = used.map(([name]) => name);
  const tensors = used.map(([, info]) => info);
  const total = view.a * view.b;
  const chunk = chunkSize(total);
  const chunks = Math.ceil(total / chunk);
  const partialProgram = pairedSumsProgram(names, [view.p, view.q, chunks, 2], `
    vec2 chunkSums(int p, int q, int c) {
      float sumG = 0.0;
      float sumGNormalized = 0.0;
      ${chunkLoop(view, chunk, 'c', `${normalizedTerms(view, inputs, affine)} sumG += g; sumGNormalized += g * normalized;`)}
      return vec2(sumG, sumGNormalized);
    }
  `);
  const partials = backend.runWebGLProgram(partialProgram, tensors, 'float32');
  const statShape = [view.p, 1, view.q, 1];
  const outputs = [sumChunks(backend, partials, statShape, 0), sumChunks(backend, partials, statShape, 1)];
  backend.disposeIntermediateTensorInfo(partials);
  if (attrs?.['affineGrads'] === true) {
    const affinePartials = backend.runWebGLProgram(affinePartialProgram(view, inputs, affine, names), tensors, 'float32');
    outputs.push(sumChunks(backend, affinePartials, [affine.size], 0), sumChunks(backend, affinePartials, [affine.size], 1));
    backend.disposeIntermediateTensorInfo(affinePartials);
  }
  disposeAll(backend, temporaries);
  return outputs;
};

/**
 * Partial dγ = Σdy·x̂ and dβ = Σdy per γ index j, `[size, C, 2]`. The elements of index j
 * are (p, a, u = (t·size + j)·stride + s) for t < Q·B/(stride·size), s < stride, with
 * u = q·B + b; chunk c enumerates them flat in the order (p, a, t, s).
 */
function affinePartialProgram(view: View4, inputs: tf.NamedTensorInfoMap, affine: AffineAttrs, names: string[]) {
  const blocks = (view.q * view.b) / (affine.stride * affine.size);
  const total = view.p * view.a * blocks * affine.stride;
  const chunk = chunkSize(total);
  const chunks = Math.ceil(total / chunk);
  return pairedSumsProgram(names, [affine.size, chunks, 2], `
    vec2 chunkSums(int j, int c) {
      float sumUpstreamNormalized = 0.0;
      float sumUpstream = 0.0;
      int start = c * ${chunk};
      for (int k = 0; k < ${chunk}; k++) {
        int m = start + k;
        if (m >= ${total}) break;
        int s = imod(m, ${affine.stride});
        int rest = m / ${affine.stride};
        int t = imod(rest, ${blocks});
        rest = rest / ${blocks};
        int a = imod(rest, ${view.a});
        int p = rest / ${view.a};
        int u = (t * ${affine.size} + j) * ${affine.stride} + s;
        int q = u / ${view.b};
        int b = u - q * ${view.b};
        ${normalizedTerms(view, inputs, affine)}
        sumUpstreamNormalized += upstream * normalized;
        sumUpstream += upstream;
      }
      return vec2(sumUpstreamNormalized, sumUpstream);
    }
  `);
}
