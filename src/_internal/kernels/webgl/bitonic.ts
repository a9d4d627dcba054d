/**
 * Stable argsort of the rows of a texture on the GPU: a bitonic sorting network.
 *
 * Each row of n elements is padded to N = 2^⌈log₂ n⌉ and sorted by ⌈log₂ N⌉·(⌈log₂ N⌉+1)/2
 * compare-exchange passes, one shader run per (k, j) stage with k and j as uniforms, so the
 * shader compiles once per shape. The only state is an index texture `[R, N]`: each pass
 * reads both elements' values through their indices (`getX(row, index)`), so values are
 * never copied. Keys compare as (value, index) lexicographically, a strict total order:
 * the network's (unstable) result is then the unique sorted order, which is the stable
 * one, ties keeping the lower index first in both directions. Padding slots (index ≥ n)
 * compare after every real element in either direction, and the last pass writes only
 * the n real columns. GLSL's `<`/`==` treat −0 and +0 as equal, like `tf.topk`.
 *
 * The first pass starts from the identity permutation computed in the shader, so no
 * index texture is uploaded. int32 inputs are stored as floats by the webgl backend and
 * compare exactly up to 2²⁴.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { shaderProgram, type ShaderProgram, type WebglBackend } from './program';

/** GLSL: whether key (index a) sorts strictly before key (index b) in row `row`. */
function precedesSource(n: number): string {
  return `
    bool precedes(int row, int a, int b) {
      bool padA = a >= ${n};
      bool padB = b >= ${n};
      if (padA || padB) return padA == padB ? a < b : padB;
      float va = getX(row, a);
      float vb = getX(row, b);
      if (va == vb) return a < b;
      return descending == 1 ? va > vb : va < vb;
    }
  `;
}

/**
 * One compare-exchange stage (k, j) of the network. `fromIdentity`: the input order is
 * the identity (no `idx` input). `outColumns`: N for intermediate passes, n for the last.
 */
function stageProgram(rows: number, n: number, fromIdentity: boolean, outColumns: number): ShaderProgram {
  const indexAt = fromIdentity ? (column: string) => column : (column: string) => `int(getIdx(row, ${column}) + 0.5)`;
  const userCode = `
    ${precedesSource(n)}
    void main() {
      ivec2 coords = getOutputCoords();
      int row = coords.x;
      int i = coords.y;
      bool lower = imod(i, 2 * stageJ) < stageJ;
      int partner = lower ? i + stageJ : i - stageJ;
      bool ascendingBlock = imod(i, 2 * stageK) < stageK;
      int mine = ${indexAt('i')};
      int other = ${indexAt('partner')};
      int first = lower ? mine : other;
      int second = lower ? other : mine;
      // A block sorted ascending (in key order) puts the preceding key at the lower slot.
      bool swapped = ascendingBlock ? precedes(row, second, first) : precedes(row, first, second);
      setOutput(float(swapped ? other : mine));
    }
  `;
  return shaderProgram(fromIdentity ? ['x'] : ['x', 'idx'], [rows, outColumns], userCode, [
    { name: 'stageK', type: 'int' },
    { name: 'stageJ', type: 'int' },
    { name: 'descending', type: 'int' },
  ]);
}

/** The identity order `[R, n]` (int32): a sorted row of one element. */
function identityProgram(rows: number, n: number): ShaderProgram {
  return shaderProgram([], [rows, n], `
    void main() {
      setOutput(float(getOutputCoords().y));
    }
  `);
}

/** Stable argsort of each row of `x` `[R, n]`: int32 `[R, n]` (see the module comment). */
export function bitonicArgsort(backend: WebglBackend, x: tf.TensorInfo, descending: boolean): tf.TensorInfo {
  const [rows = 1, n = 1] = x.shape;
  if (n <= 1) return backend.runWebGLProgram(identityProgram(rows, n), [], 'int32');
  let padded = 1;
  while (padded < n) padded *= 2;
  let order: tf.TensorInfo | undefined;
  for (let k = 2; k <= padded; k *= 2) {
    for (let j = k / 2; j >= 1; j /= 2) {
      const last = k === padded && j === 1;
      const program = stageProgram(rows, n, order === undefined, last ? n : padded);
      const inputs = order === undefined ? [x] : [x, order];
      const next = backend.runWebGLProgram(program, inputs, 'int32', [[k], [j], [descending ? 1 : 0]]);
      if (order !== undefined) backend.disposeIntermediateTensorInfo(order);
      order = next;
    }
  }
  if (order === undefined) throw new Error('featstats: bitonic argsort ran no pass');
  return order;
}
