/**
 * `FeatstatsContrastiveForward` on cpu and wasm (contract in `../contract.ts`). The
 * log-sum-exp streams blocks of candidates with an online maximum: for each block, with
 * m the running maximum and s = Σ e^{S − m} so far, m' = max(m, block max over M) and
 * s' = s·e^{m − m'} + Σ_block e^{S − m'}; lse = m + log s at the end. Each exponent is ≤ 0,
 * so no logit magnitude overflows, and the value equals the dense max-subtracted one up
 * to rounding. Then each anchor's loss takes its positives' logits alone:
 * ℓ_r = weight·Σ_{c∈P(r)} W_rc·(lse_r − S_rc) (or softplus of it for `'perPositive'`).
 * Memory beyond the inputs: one block of logits and O(R) (and on cpu E's copy in the
 * compiled products' memory, `./blockProducts.ts`), and the `[R·C]` logits when the
 * caller asks to keep them (each masked block copied out as it is made).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, wasmKernel, type HostKernel } from '../../host/adapter';
import { BLOCK_BYTES, type BlockProducts, blockProducts } from './blockProducts';
import { BLOCK_COLUMNS, BLOCK_ROWS, hostTermOf, logit, MASKED, softplus, termPlacementOf, type HostTerm } from './common';

/**
 * lse_r of every anchor, float64; {@link MASKED} where M_r is empty. Each block of masked
 * logits is also copied into `kept` (`[R·C]` row-major) when given.
 */
export function logSumExps(term: HostTerm, products: BlockProducts, kept?: Float32Array): Float64Array {
  const { rows, columns, relation } = term;
  const result = new Float64Array(rows);
  const block = new Float64Array(BLOCK_ROWS * BLOCK_COLUMNS);
  const max = new Float64Array(BLOCK_ROWS);
  const sum = new Float64Array(BLOCK_ROWS);
  for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
    const blockRows = Math.min(BLOCK_ROWS, rows - r0);
    max.fill(-Infinity);
    sum.fill(0);
    for (let c0 = 0; c0 < columns; c0 += BLOCK_COLUMNS) {
      const blockColumns = Math.min(BLOCK_COLUMNS, columns - c0);
      products.logits(r0, blockRows, c0, blockColumns, block);
      relation.maskBlock(r0, blockRows, c0, blockColumns, block);
      if (kept !== undefined) {
        for (let i = 0; i < blockRows; i++) kept.set(block.subarray(i * blockColumns, (i + 1) * blockColumns), (r0 + i) * columns + c0);
      }
      for (let i = 0; i < blockRows; i++) {
        const at = i * blockColumns;
        let blockMax = -Infinity;
        for (let j = 0; j < blockColumns; j++) blockMax = Math.max(blockMax, block[at + j] as number);
        if (blockMax === -Infinity) continue;
        const m = Math.max(max[i] as number, blockMax);
        let s = (sum[i] as number) * Math.exp((max[i] as number) - m); // e^{−∞} = 0 before the first block
        for (let j = 0; j < blockColumns; j++) s += Math.exp((block[at + j] as number) - m);
        max[i] = m;
        sum[i] = s;
      }
    }
    for (let i = 0; i < blockRows; i++) result[r0 + i] = max[i] === -Infinity ? MASKED : (max[i] as number) + Math.log(sum[i] as number);
  }
  return result;
}

const CONTRASTIVE_FORWARD: HostKernel = {
  outputs: (_inputs, attrs) => {
    const { rows, columns } = termPlacementOf(attrs);
    return [
      { shape: [rows], dtype: 'float32', filled: true },
      { shape: [rows], dtype: 'float32', filled: true },
      { shape: [attrs.keepLogits === true ? rows * columns : 0], dtype: 'float32', filled: true },
    ];
  },
  heapScratch: () => BLOCK_BYTES,
  run: (inputs, [lossesOut, logSumExpOut, logitsOut], attrs, context) => {
    const term = hostTermOf(inputs, attrs);
    const lse = logSumExps(term, blockProducts(term, context), attrs.keepLogits === true ? (logitsOut as Float32Array) : undefined);
    const losses = lossesOut as Float32Array;
    for (let r = 0; r < term.rows; r++) {
      const rowLse = lse[r] as number;
      let loss = 0;
      term.relation.forEachPositive(r, (c, weight) => {
        const gap = rowLse - logit(term, r, c);
        loss += weight * (term.perPositive ? softplus(gap) : gap);
      });
      losses[r] = loss * term.weight;
    }
    (logSumExpOut as Float32Array).set(lse);
  },
};

// Pure annotations: a module-level call that tree-shaking may drop when unused.
export const contrastiveForwardCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(CONTRASTIVE_FORWARD);
export const contrastiveForwardWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(CONTRASTIVE_FORWARD);
