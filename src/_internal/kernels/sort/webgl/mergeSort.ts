/**
 * Stable argsort of the rows of a texture on the GPU: a block sort, then a merge sort
 * whose passes each double the sorted run length. (It replaced a bitonic network, which
 * needed log₂N·(log₂N+1)/2 passes: 55 at n = 1024.)
 *
 * Keys compare as (value, index) lexicographically, a strict total order, so the sorted
 * order is unique and is the stable one (ties keep the lower index first in both
 * directions). Descending sorts compare the negated values (exact in float; int32
 * inputs are stored as floats by the webgl backend and compare exactly up to 2²⁴).
 * GLSL's `<`/`==` treat −0 and +0 as equal, like `tf.topk`.
 *
 * 1. One pass sorts every aligned block of {@link BLOCK} columns: each fragment loads its
 *    block's values and outputs the index whose rank in the block (the number of keys
 *    before it) is its own column's offset.
 * 2. Each merge pass (run length b as a uniform, so the shader compiles once per shape)
 *    merges the sorted runs [2mb, 2mb + b) and [2mb + b, 2mb + 2b) of the index texture:
 *    the fragment at offset q of the merged run binary-searches the merge path (the
 *    number a of left-run keys among the first q merged keys: the least a with
 *    ¬(A[a] ≺ B[q − a − 1])) in at most ⌈log₂(b + 1)⌉ steps, then outputs the lesser of
 *    A[a] and B[q − a]. A run at positions [s, s + b) holds exactly the indices s … s + b − 1
 *    (true of the blocks, kept by every merge), so every left-run index is below every
 *    right-run index and A[a] ≺ B[c] is just vA ≤ vB: no index compare. Runs are clamped
 *    at n, so rows are not padded.
 *
 * Only an index texture `[R, n]` is kept; values are read through it (`getX(row, index)`).
 * The first pass reads x directly, so no index texture is uploaded. At n = 1024 this is
 * 1 + 7 passes (the bitonic network: 55). A 16-column block was no faster than 8, and
 * the rank counting must stay straight-line code: with loops over a local array the
 * block pass alone was several times slower than the whole sort (bench/README.md,
 * "Design measurements").
 */
import type * as tf from '@tensorflow/tfjs-core';

import { shaderProgram, type ShaderProgram, type WebglBackend } from '../../webgl/program';

/** The run length that the first pass sorts by rank counting. */
const BLOCK = 8;

/**
 * The first pass: every aligned block of `block` columns sorted by rank counting, as
 * straight-line GLSL (no loops or arrays, which SwiftShader runs far slower). Slots past
 * the row's end hold the largest float and sort after every real key (their indices are
 * higher), so a real key's rank counts real keys only.
 */
function blockProgram(rows: number, n: number, block: number): ShaderProgram {
  const lines: string[] = [];
  for (let k = 0; k < block; k++) {
    lines.push(`float v${k} = ${k} < len ? keySign * getX(row, min(base + ${k}, ${n - 1})) : 3.402823466e38;`);
  }
  for (let a = 0; a < block; a++) {
    const terms: string[] = [];
    for (let b = 0; b < block; b++) {
      if (b !== a) terms.push(`int(v${b} ${b < a ? '<=' : '<'} v${a})`);
    }
    lines.push(`found += (${terms.length === 0 ? '0' : terms.join(' + ')}) == q ? ${a} : 0;`);
  }
  const userCode = `
    void main() {
      ivec2 coords = getOutputCoords();
      int row = coords.x;
      int col = coords.y;
      int q = imod(col, ${block});
      int base = col - q;
      int len = min(${block}, ${n} - base);
      int found = 0;
      ${lines.join('\n      ')}
      setOutput(float(base + found));
    }
  `;
  return shaderProgram(['x'], [rows, n], userCode, [{ name: 'keySign', type: 'float' }]);
}

/** One merge pass: sorted runs of `run` (a uniform) merged pairwise into runs of 2·run. */
function mergeProgram(rows: number, n: number): ShaderProgram {
  const userCode = `
    int indexAt(int row, int column) {
      return int(getIdx(row, column) + 0.5);
    }
    void main() {
      ivec2 coords = getOutputCoords();
      int row = coords.x;
      int col = coords.y;
      int q = imod(col, 2 * runLength);
      int base = col - q;
      int leftLen = min(runLength, ${n} - base);
      int rightLen = clamp(${n} - base - runLength, 0, runLength);
      if (rightLen == 0) {
        setOutput(float(indexAt(row, col)));
        return;
      }
      int right = base + runLength;
      int lo = max(0, q - rightLen);
      int hi = min(q, leftLen);
      for (int it = 0; it < 32; it++) {
        if (lo >= hi) break;
        int mid = (lo + hi) / 2;
        int ia = indexAt(row, base + mid);
        int ib = indexAt(row, right + q - mid - 1);
        if (keySign * getX(row, ia) <= keySign * getX(row, ib)) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      int a = lo;
      int b = q - lo;
      int result;
      if (a >= leftLen) {
        result = indexAt(row, right + b);
      } else if (b >= rightLen) {
        result = indexAt(row, base + a);
      } else {
        int ia = indexAt(row, base + a);
        int ib = indexAt(row, right + b);
        result = keySign * getX(row, ia) <= keySign * getX(row, ib) ? ia : ib;
      }
      setOutput(float(result));
    }
  `;
  return shaderProgram(['x', 'idx'], [rows, n], userCode, [
    { name: 'runLength', type: 'int' },
    { name: 'keySign', type: 'float' },
  ]);
}

/** Stable argsort of each row of `x` `[R, n]`: int32 `[R, n]` (see the module comment). */
export function mergeArgsort(backend: WebglBackend, x: tf.TensorInfo, descending: boolean): tf.TensorInfo {
  const [rows = 1, n = 1] = x.shape;
  const sign = descending ? -1 : 1;
  const block = Math.min(BLOCK, n);
  let order = backend.runWebGLProgram(blockProgram(rows, n, block), [x], 'int32', [[sign]]);
  for (let run = block; run < n; run *= 2) {
    const next = backend.runWebGLProgram(mergeProgram(rows, n), [x, order], 'int32', [[run], [sign]]);
    backend.disposeIntermediateTensorInfo(order);
    order = next;
  }
  return order;
}
