/**
 * The one customGrad behind every contrastive loss (infoNCE, ntXent, supCon, the
 * IEContraAST style/content losses, contrastiveDistillation).
 *
 * The inputs `[Nₖ, D]` are stacked into E `[T, D]` and, optionally, L2-normalised row by
 * row (row normalisation commutes with stacking). A loss is a sum of terms; a term picks a
 * contiguous block of rows as anchors Q `[R, D]` and another as candidates K `[C, D]`,
 * forms the logits S = Q·Kᵀ/τ `[R, C]` and, with host masks W (weight of each positive)
 * and M (columns of the log-sum-exp), gives each anchor r
 *
 * - `'shared'` (InfoNCE, SupCon):  ℓ_r = Σ_c W_rc·(lse_r − S_rc), lse_r = log Σ_{c∈M_r} e^{S_rc},
 *   i.e. −Σ_c W_rc·log softmax_M(S_r)_c with the positives inside the denominator;
 * - `'perPositive'` (IEContraAST): ℓ_r = Σ_c W_rc·softplus(lse_r − S_rc)
 *   = −Σ_c W_rc·log(e^{S_rc}/(e^{S_rc} + Σ_{n∈M_r} e^{S_rn})), M the negatives only.
 *
 * lse subtracts the row maximum over M (computed in the forward, a constant), so logits of
 * any magnitude stay finite; masked columns are pushed to −1e30 before the maximum and
 * zeroed after the exponential. A row with an empty M gets lse ≈ −1e30: its `'shared'`
 * terms have W = 0 (positives lie in M) and its `'perPositive'` terms are softplus(−1e30) = 0,
 * exactly the value of a positive with no negatives, so no NaN can arise.
 */
import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from './customGrad';
import { normalizeRows, normalizeRowsGrad } from './rowNormalize';

/** How a loss reduces its per-anchor values: their mean, their sum, or none (the values `[N]`). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Rows [start, end) of the stacked embeddings. */
export interface RowRange {
  readonly start: number;
  readonly end: number;
}

export interface ContrastiveTerm {
  /** Anchor rows (R of them; every term of a loss has the same R). */
  readonly queries: RowRange;
  /** Candidate rows (C). */
  readonly keys: RowRange;
  /** W, `[R, C]` row-major: the weight of each (anchor, positive) pair, 0 elsewhere. */
  readonly targets: Float32Array;
  /** M, `[R, C]`: 1 for the columns of the log-sum-exp; absent means every column. */
  readonly denominator?: Float32Array;
  readonly form: 'shared' | 'perPositive';
  /** Multiplies the term's per-anchor losses (½ for each direction of a symmetric loss). */
  readonly weight: number;
}

export interface ContrastiveSpec {
  readonly terms: readonly ContrastiveTerm[];
  readonly temperature: number;
  readonly normalize: boolean;
  readonly reduction: Reduction;
  /** How many anchors `'mean'` divides by (those that have a positive). */
  readonly counted: number;
}

/** Stands in for −∞ in masked logits: finite, so masked-minus-max never makes ∞ − ∞. */
const MASKED = -1e30;

/** softplus(x) = max(x, 0) + log1p(e^{−|x|}): exact for every x, on every backend. */
function softplus(x: tf.Tensor): tf.Tensor {
  return tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
}

function rowsOf(e: tf.Tensor2D, { start, end }: RowRange): tf.Tensor2D {
  return start === 0 && end === e.shape[0] ? e : tf.slice(e, [start, 0], [end - start, e.shape[1]]);
}

/** Logits, log-sum-exp and (for the backward) the masked softmax of one term. */
function evaluateTerm(term: ContrastiveTerm, e: tf.Tensor2D, temperature: number) {
  const queries = rowsOf(e, term.queries);
  const keys = rowsOf(e, term.keys);
  const logits = tf.div(tf.matMul(queries, keys, false, true), temperature) as tf.Tensor2D;
  const [rows, columns] = logits.shape;
  const mask = term.denominator === undefined ? undefined : tf.tensor2d(term.denominator, [rows, columns]);
  const masked = mask === undefined ? logits : tf.add(tf.mul(logits, mask), tf.mul(tf.sub(1, mask), MASKED));
  const max = tf.max(masked, 1, true);
  const shifted = tf.exp(tf.sub(masked, max));
  const exponentials = mask === undefined ? shifted : tf.mul(shifted, mask);
  // An empty row sums to 0; adding 1 there keeps log finite (lse = max ≈ −1e30, see above).
  const emptyRows = term.denominator === undefined ? undefined : emptyRowIndicator(term.denominator, rows, columns);
  const total = emptyRows === undefined ? tf.sum(exponentials, 1, true) : tf.add(tf.sum(exponentials, 1, true), tf.tensor2d(emptyRows, [rows, 1]));
  const gap = tf.sub(tf.add(max, tf.log(total)), logits); // lse_r − S_rc
  const targets = tf.tensor2d(term.targets, [rows, columns]);
  const perPair = term.form === 'shared' ? gap : softplus(gap);
  const losses = tf.mul(tf.sum(tf.mul(targets, perPair), 1), term.weight);
  return { queries, keys, gap, targets, probabilities: () => tf.div(exponentials, total), losses };
}

function emptyRowIndicator(mask: Float32Array, rows: number, columns: number): Float32Array | undefined {
  const empty = new Float32Array(rows);
  let any = false;
  for (let r = 0; r < rows; r++) {
    empty[r] = mask.subarray(r * columns, (r + 1) * columns).some((m) => m !== 0) ? 0 : 1;
    any ||= empty[r] === 1;
  }
  return any ? empty : undefined;
}

function placeRows(t: tf.Tensor2D, { start, end }: RowRange, total: number): tf.Tensor2D {
  return start === 0 && end === total ? t : tf.pad(t, [[start, total - end], [0, 0]]);
}

/**
 * The loss of `spec` over the inputs (each `[Nₖ, D]`, stacked in order): a scalar, or the
 * per-anchor losses `[R]` for reduction `'none'`, with its closed-form gradient.
 */
export function contrastiveLoss(inputs: tf.Tensor2D[], spec: ContrastiveSpec): tf.Tensor {
  const sizes = inputs.map((x) => x.shape[0]);
  const total = sizes.reduce((a, b) => a + b, 0);
  const scale = spec.reduction === 'mean' ? 1 / spec.counted : 1;
  const prepare = (raw: tf.Tensor[]) => {
    const stacked = (raw.length === 1 ? raw[0] : tf.concat(raw, 0)) as tf.Tensor2D;
    const rows = spec.normalize ? normalizeRows(stacked) : undefined;
    return { rows, embeddings: rows === undefined ? stacked : rows.normalized };
  };

  const loss = customGrad<tf.Tensor[]>((raw, save) => {
    const { embeddings } = prepare(raw);
    const perAnchor = tf.addN(spec.terms.map((term) => evaluateTerm(term, embeddings, spec.temperature).losses));
    // Save the inputs only: the backward recomputes the logits (as large as the loss's matrix).
    save(raw);
    return {
      value: spec.reduction === 'none' ? perAnchor : tf.mul(tf.sum(perAnchor), scale),
      // With G = W ('shared') or G = W∘σ(lse − S) ('perPositive'), ∂ℓ_r/∂S_rc = (Σ_c' G_rc')·p_rc − G_rc,
      // p the softmax over M: ∂lse_r/∂S_rc = p_rc, and d softplus(lse − S)/d(lse − S) = σ(lse − S).
      // S = Q·Kᵀ/τ gives dQ = dS·K/τ and dK = dSᵀ·Q/τ; a row serving as anchor and as candidate
      // collects both; then the normalisation's backward (rowNormalize.ts).
      gradFunc: (dy, saved) => {
        const { rows, embeddings } = prepare(saved);
        const rowGradient = spec.reduction === 'none' ? tf.reshape(dy, [-1, 1]) : tf.mul(dy, scale);
        const pieces = spec.terms.flatMap((term) => {
          const { queries, keys, gap, targets, probabilities } = evaluateTerm(term, embeddings, spec.temperature);
          const g = term.form === 'shared' ? targets : tf.mul(targets, tf.sigmoid(gap));
          const dLogits = tf.mul(tf.sub(tf.mul(tf.sum(g, 1, true), probabilities()), g), tf.mul(rowGradient, term.weight / spec.temperature));
          return [
            placeRows(tf.matMul(dLogits, keys), term.queries, total),
            placeRows(tf.matMul(dLogits, queries, true, false), term.keys, total),
          ];
        });
        const dEmbeddings = tf.addN(pieces) as tf.Tensor2D;
        const dStacked = rows === undefined ? dEmbeddings : normalizeRowsGrad(dEmbeddings, rows);
        return sizes.length === 1 ? [dStacked] : tf.split(dStacked, sizes, 0);
      },
    };
  });
  return loss(...inputs);
}
