/**
 * `FeatstatsContrastiveBackward` on cpu and wasm (contract in `../contract.ts`). With
 * u_r = upstream_r/τ, G_rc = W_rc ('shared') or W_rc·σ(lse_r − S_rc) ('perPositive') and
 * p_rc = e^{S_rc − lse_r} on M_r (0 elsewhere), the logits' gradient is
 * dS_rc = u_r·(G_r·p_rc − G_rc), G_r = Σ_c G_rc (derived in contrastive.ts). Its two parts:
 *
 * - the positives' −u_r·G_rc, from their logits alone (a row's G_r comes from the same pass);
 * - the softmax part u_r·G_r·p_rc, block by block from the forward's lse (no second
 *   log-sum-exp) and its logits where it kept them (else recomputed), each block's dS
 *   applied at once: dQ_blk += dS·K_blk, dK_blk += dSᵀ·Q_blk.
 *
 * dE[queries] += dQ and dE[keys] += dK (a row that is anchor and candidate gets both),
 * accumulated `[T, D]` (float32 by the compiled products, float64 by the TypeScript ones,
 * `./blockProducts.ts`): memory O(T·D) besides one block of logits.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';
import { addScaledRow, BLOCK_BYTES, blockProducts, finishGradient, type BlockProducts } from './blockProducts';
import { BLOCK_COLUMNS, BLOCK_ROWS, hostTermOf, logit, sigmoid, type HostTerm } from './common';

/** The positives' part; returns G_r·u_r per anchor, the softmax part's row factor. */
function positivePart(term: HostTerm, lse: Float32Array, upstream: Float32Array, dE: Float32Array | Float64Array): Float64Array {
  const { embeddings, depth, rows, queryStart, keyStart, relation, perPositive, inverseTemperature } = term;
  const rowFactor = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const u = (upstream[r] as number) * inverseTemperature;
    if (u === 0) continue;
    const q = (queryStart + r) * depth;
    let total = 0;
    relation.forEachPositive(r, (c, weight) => {
      const g = perPositive ? weight * sigmoid((lse[r] as number) - logit(term, r, c)) : weight;
      if (g === 0) return;
      total += g;
      const k = (keyStart + c) * depth;
      addScaledRow(dE, q, embeddings, k, -u * g, depth);
      addScaledRow(dE, k, embeddings, q, -u * g, depth);
    });
    rowFactor[r] = u * total;
  }
  return rowFactor;
}

/**
 * The softmax part, block by block: dS_blk = u·G·p (0 outside M, whose logits are −∞),
 * then dQ_blk += dS_blk·K_blk and dK_blk += dS_blkᵀ·Q_blk.
 */
function softmaxPart(term: HostTerm, lse: Float32Array, rowFactor: Float64Array, products: BlockProducts, kept: Float32Array | undefined): void {
  const { rows, columns, relation } = term;
  const block = new Float64Array(BLOCK_ROWS * BLOCK_COLUMNS);
  for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
    const blockRows = Math.min(BLOCK_ROWS, rows - r0);
    if (rowFactor.subarray(r0, r0 + blockRows).every((f) => f === 0)) continue;
    for (let c0 = 0; c0 < columns; c0 += BLOCK_COLUMNS) {
      const blockColumns = Math.min(BLOCK_COLUMNS, columns - c0);
      if (kept === undefined) {
        products.logits(r0, blockRows, c0, blockColumns, block);
        relation.maskBlock(r0, blockRows, c0, blockColumns, block);
      } else {
        for (let i = 0; i < blockRows; i++) block.set(kept.subarray((r0 + i) * columns + c0, (r0 + i) * columns + c0 + blockColumns), i * blockColumns);
      }
      for (let i = 0; i < blockRows; i++) {
        const factor = rowFactor[r0 + i] as number;
        const rowLse = lse[r0 + i] as number;
        const at = i * blockColumns;
        for (let j = 0; j < blockColumns; j++) block[at + j] = factor === 0 ? 0 : factor * Math.exp((block[at + j] as number) - rowLse);
      }
      products.addGradient(r0, blockRows, c0, blockColumns, block);
    }
  }
}

const CONTRASTIVE_BACKWARD: HostKernel = {
  outputs: (inputs) => [{ shape: [...requiredInput(inputs, 'embeddings').shape], dtype: 'float32', filled: true }],
  heapScratch: () => BLOCK_BYTES,
  run: (inputs, [dEOut], attrs, context) => {
    const term = hostTermOf(inputs, attrs);
    const lse = requiredInput(inputs, 'logSumExp').values as Float32Array;
    const upstream = requiredInput(inputs, 'upstream').values as Float32Array;
    const products = blockProducts(term, context, dEOut as Float32Array);
    const rowFactor = positivePart(term, lse, upstream, products.gradient);
    // The forward's masked logits where it kept them (the same float32 values a block recomputes).
    const kept = inputs.logits !== undefined && inputs.logits.values.length === term.rows * term.columns ? (inputs.logits.values as Float32Array) : undefined;
    softmaxPart(term, lse, rowFactor, products, kept);
    finishGradient(products, dEOut as Float32Array);
  },
};

// Pure annotations: a module-level call that tree-shaking may drop when unused.
export const contrastiveBackwardCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(CONTRASTIVE_BACKWARD);
export const contrastiveBackwardWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(CONTRASTIVE_BACKWARD);
