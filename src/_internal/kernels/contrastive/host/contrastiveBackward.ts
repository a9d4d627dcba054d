/**
 * `FeatstatsContrastiveBackward` on cpu and wasm (contract in `../contract.ts`). With
 * u_r = upstream_r/τ, G_rc = W_rc ('shared') or W_rc·σ(lse_r − S_rc) ('perPositive') and
 * p_rc = e^{S_rc − lse_r} on M_r (0 elsewhere), the logits' gradient is
 * dS_rc = u_r·(G_r·p_rc − G_rc), G_r = Σ_c G_rc (derived in contrastive.ts). Its two parts:
 *
 * - the positives' −u_r·G_rc, from their logits alone (a row's G_r comes from the same pass);
 * - the softmax part u_r·G_r·p_rc, recomputed block by block from the forward's lse (no
 *   second log-sum-exp), each block's dS applied at once: dQ_blk += dS·K_blk, dK_blk += dSᵀ·Q_blk.
 *
 * dE[queries] += dQ and dE[keys] += dK (a row that is anchor and candidate gets both),
 * accumulated in float64 `[T, D]`: memory O(T·D) besides one block of logits.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';
import { BLOCK_COLUMNS, BLOCK_ROWS, blockLogits, hostTermOf, logit, sigmoid, type HostTerm } from './common';

/** dE[a] += scale·E[b] over D. */
function addScaledRow(dE: Float64Array, a: number, e: Float32Array, b: number, scale: number, depth: number): void {
  for (let d = 0; d < depth; d++) dE[a + d] = (dE[a + d] as number) + scale * (e[b + d] as number);
}

/** The positives' part; returns G_r·u_r per anchor, the softmax part's row factor. */
function positivePart(term: HostTerm, lse: Float32Array, upstream: Float32Array, dE: Float64Array): Float64Array {
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
 * dE[target row + ·] += Σ_k weights[k·stride]·E[source rows[k] + ·] over `count` weighted
 * rows of E, four rows per pass over D: one load and store of the accumulator per four
 * products.
 */
function addWeightedRows(dE: Float64Array, target: number, e: Float32Array, sources: Int32Array, weights: Float64Array, from: number, stride: number, count: number, depth: number): void {
  let k = 0;
  for (; k + 3 < count; k += 4) {
    const w0 = weights[from + k * stride] as number;
    const w1 = weights[from + (k + 1) * stride] as number;
    const w2 = weights[from + (k + 2) * stride] as number;
    const w3 = weights[from + (k + 3) * stride] as number;
    const s0 = sources[k] as number;
    const s1 = sources[k + 1] as number;
    const s2 = sources[k + 2] as number;
    const s3 = sources[k + 3] as number;
    for (let d = 0; d < depth; d++) {
      const t = (dE[target + d] as number) + w0 * (e[s0 + d] as number) + w1 * (e[s1 + d] as number);
      dE[target + d] = t + w2 * (e[s2 + d] as number) + w3 * (e[s3 + d] as number);
    }
  }
  for (; k < count; k++) addScaledRow(dE, target, e, sources[k] as number, weights[from + k * stride] as number, depth);
}

/**
 * The softmax part, block by block: dS_blk = u·G·p (0 outside M, whose logits are −∞),
 * then dQ_blk += dS_blk·K_blk and dK_blk += dS_blkᵀ·Q_blk.
 */
function softmaxPart(term: HostTerm, lse: Float32Array, rowFactor: Float64Array, dE: Float64Array): void {
  const { embeddings, depth, rows, columns, queryStart, keyStart, relation } = term;
  const block = new Float64Array(BLOCK_ROWS * BLOCK_COLUMNS);
  const queryRows = new Int32Array(BLOCK_ROWS);
  const keyRows = new Int32Array(BLOCK_COLUMNS);
  for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
    const blockRows = Math.min(BLOCK_ROWS, rows - r0);
    if (rowFactor.subarray(r0, r0 + blockRows).every((f) => f === 0)) continue;
    for (let i = 0; i < blockRows; i++) queryRows[i] = (queryStart + r0 + i) * depth;
    for (let c0 = 0; c0 < columns; c0 += BLOCK_COLUMNS) {
      const blockColumns = Math.min(BLOCK_COLUMNS, columns - c0);
      for (let j = 0; j < blockColumns; j++) keyRows[j] = (keyStart + c0 + j) * depth;
      blockLogits(term, r0, blockRows, c0, blockColumns, block);
      relation.maskBlock(r0, blockRows, c0, blockColumns, block);
      for (let i = 0; i < blockRows; i++) {
        const factor = rowFactor[r0 + i] as number;
        const rowLse = lse[r0 + i] as number;
        const at = i * blockColumns;
        for (let j = 0; j < blockColumns; j++) block[at + j] = factor === 0 ? 0 : factor * Math.exp((block[at + j] as number) - rowLse);
      }
      for (let i = 0; i < blockRows; i++) addWeightedRows(dE, queryRows[i] as number, embeddings, keyRows, block, i * blockColumns, 1, blockColumns, depth);
      for (let j = 0; j < blockColumns; j++) addWeightedRows(dE, keyRows[j] as number, embeddings, queryRows, block, j, blockColumns, blockRows, depth);
    }
  }
}

const CONTRASTIVE_BACKWARD: HostKernel = {
  outputs: (inputs) => [{ shape: [...requiredInput(inputs, 'embeddings').shape], dtype: 'float32', filled: true }],
  run: (inputs, [dEOut], attrs) => {
    const term = hostTermOf(inputs, attrs);
    const lse = requiredInput(inputs, 'logSumExp').values as Float32Array;
    const upstream = requiredInput(inputs, 'upstream').values as Float32Array;
    const dE = new Float64Array(term.embeddings.length);
    const rowFactor = positivePart(term, lse, upstream, dE);
    softmaxPart(term, lse, rowFactor, dE);
    (dEOut as Float32Array).set(dE);
  },
};

// Pure annotations: a module-level call that tree-shaking may drop when unused.
export const contrastiveBackwardCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(CONTRASTIVE_BACKWARD);
export const contrastiveBackwardWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(CONTRASTIVE_BACKWARD);
