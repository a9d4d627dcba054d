/**
 * GLSL building blocks over the statistics view `[P, A, Q, B]` (see `../stats4.ts`):
 * samplers of `[P, 1, Q, 1]` statistics, the affine index, and the chunked loop of the
 * two-level reductions.
 *
 * Reductions over A·B run in two shader passes: the first gives one partial sum per
 * (statistic, chunk of ≈ √(A·B) consecutive elements), so the GPU has many fragments to
 * run even when there are few statistics (batch norm's C); the second adds the chunks.
 * Chunking is also a step towards pairwise summation: float32 sums of √M terms of √M
 * partials lose far fewer digits than one running sum of M terms.
 */
import type * as tf from '@tensorflow/tfjs-core';

import type { WebglBackend } from './program';

/** The view's dimensions. */
export interface View4 {
  readonly p: number;
  readonly a: number;
  readonly q: number;
  readonly b: number;
}

/** The view of a call: the `view` attr (see `../stats4.ts`), else x's own 4-D shape. */
export function view4(x: tf.TensorInfo, attrs: tf.NamedAttrMap | undefined): View4 {
  const shape = (attrs?.['view'] as number[] | undefined) ?? x.shape;
  const [p = 1, a = 1, q = 1, b = 1] = shape;
  if (shape.length !== 4) throw new Error(`featstats: webgl statistics kernels take a 4-D view but got [${shape.join(',')}]`);
  return { p, a, q, b };
}

/**
 * Big inputs reinterpreted as the view, the way tfjs-backend-webgl's own `Reshape` treats
 * an unpacked texture: the same dataId under another shape, since an unpacked texture holds
 * the flat row-major elements whatever the logical shape. A packed texture's layout depends
 * on its last two dimensions, so a packed input is first unpacked in its own shape (the
 * copy is returned in `temporaries`, to dispose after the programs ran). The infos made
 * here are never registered with the engine, so they need no reference count.
 */
export function asViews(backend: WebglBackend, infos: readonly tf.TensorInfo[], view: View4): { views: tf.TensorInfo[]; temporaries: tf.TensorInfo[] } {
  const shape = [view.p, view.a, view.q, view.b];
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
 * A GLSL read of statistic `name` at (p, q), for a statistic `[P|1, 1, Q|1, 1]`: a
 * dimension of size 1 broadcasts. `p`, `q` name GLSL int expressions.
 */
export function statAt(name: string, info: tf.TensorInfo, view: View4, p: string, q: string): string {
  const [sp, sa, sq, sb] = info.shape;
  const fits = info.shape.length === 4 && sa === 1 && sb === 1 && (sp === 1 || sp === view.p) && (sq === 1 || sq === view.q);
  if (!fits) {
    throw new Error(`featstats: webgl statistic ${name} must be [${view.p},1,${view.q},1] but got [${info.shape.join(',')}]`);
  }
  const sampler = `get${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  return `${sampler}(${sp === 1 ? '0' : p}, 0, ${sq === 1 ? '0' : q}, 0)`;
}

/** GLSL: the γ/β index of element (q, b) of the view, `⌊(q·B + b) / stride⌋ mod size`. */
export function affineIndex(view: View4, stride: number, size: number, q: string, b: string): string {
  return `imod((${q} * ${view.b} + ${b}) / ${stride}, ${size})`;
}

/**
 * GLSL: a loop over chunk `chunkIndex` of the A·B elements of group (p, q), with ints `a`
 * and `b` naming the current element inside `body`.
 */
export function chunkLoop(view: View4, chunk: number, chunkIndex: string, body: string): string {
  const total = view.a * view.b;
  return `
    int m = ${chunkIndex} * ${chunk};
    int a = m / ${view.b};
    int b = m - a * ${view.b};
    for (int t = 0; t < ${chunk}; t++) {
      if (m >= ${total}) break;
      ${body}
      m++;
      b++;
      if (b == ${view.b}) { b = 0; a++; }
    }
  `;
}
