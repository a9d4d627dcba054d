/**
 * The one customGrad behind every contrastive loss (infoNCE, ntXent, supCon, the
 * IEContraAST style/content losses, contrastiveDistillation).
 *
 * The inputs `[Nₖ, D]` are stacked into E `[T, D]` and, optionally, L2-normalised row by
 * row (row normalisation commutes with stacking). A loss is a sum of terms; a term picks a
 * contiguous block of rows as anchors Q `[R, D]` and another as candidates K `[C, D]`,
 * with logits S = Q·Kᵀ/τ `[R, C]`, the weights W of each anchor's positives and the
 * columns M of its log-sum-exp (both described by ids: `kernels/contrastive/terms.ts`),
 * and gives each anchor r
 *
 * - `'shared'` (InfoNCE, SupCon):  ℓ_r = Σ_c W_rc·(lse_r − S_rc), lse_r = log Σ_{c∈M_r} e^{S_rc},
 *   i.e. −Σ_c W_rc·log softmax_M(S_r)_c with the positives inside the denominator;
 * - `'perPositive'` (IEContraAST): ℓ_r = Σ_c W_rc·softplus(lse_r − S_rc)
 *   = −Σ_c W_rc·log(e^{S_rc}/(e^{S_rc} + Σ_{n∈M_r} e^{S_rn})), M the negatives only.
 *
 * lse subtracts the maximum over M (a constant), so logits of any magnitude stay finite.
 * A row with an empty M gets lse = −1e30 (finite, so lse − S never makes ∞ − ∞): its
 * `'shared'` terms have W = 0 (positives lie in M) and its `'perPositive'` terms are
 * softplus(−1e30) = 0, exactly the value of a positive with no negatives, so no NaN can
 * arise. Each term runs through the contrastive kernels (`kernels/contrastive/`): fused on
 * cpu and wasm, blocks of candidates with an online log-sum-exp and O((R + C)·D) memory;
 * elsewhere the dense composite.
 */
import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from './customGrad';
import { CONTRASTIVE_FORWARD, contrastiveTermBackward, contrastiveTermForward, StackedRows, type RowRange, type TermKernelOptions } from './kernels/contrastive/contract';
import { runsFused } from './kernels/dispatch';
import type { DenominatorRule, PositiveRule } from './kernels/contrastive/terms';
import { normalizeRows, normalizeRowsGrad } from './rowNormalize';

export type { RowRange };

/** How a loss reduces its per-anchor values: their mean, their sum, or none (the values `[N]`). */
export type Reduction = 'mean' | 'sum' | 'none';

export interface ContrastiveTerm {
  /** Anchor rows (R of them; every term of a loss has the same R). */
  readonly queries: RowRange;
  /** Candidate rows (C). */
  readonly keys: RowRange;
  /** W: each anchor's positives and their weights. */
  readonly positives: PositiveRule;
  /** M: the columns of each anchor's log-sum-exp. */
  readonly denominator: DenominatorRule;
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

/**
 * Where the host kernels run, terms with at most this many logits (4 MiB of float32) keep
 * them from the forward to the backward, which then skips recomputing them (one of its
 * three block products); larger ones stay memory-bounded (O((R + C)·D)) and recompute.
 * The composite (webgl, webgpu) holds the dense `[R, C]` logits anyway, as the user's
 * autograd composite does, so it keeps those of a `'shared'` term: its backward then forms
 * the softmax as e^{S − lse} with no matMul, maximum or sum to redo. A `'perPositive'`
 * backward recomputes S for its positives (outside M, so −∞ in the kept logits), and
 * masking those S costs what reading kept ones would.
 */
const KEPT_LOGITS = 1 << 20;

const keepsLogits = (term: TermKernelOptions): boolean =>
  runsFused(CONTRASTIVE_FORWARD) ? (term.queries.end - term.queries.start) * (term.keys.end - term.keys.start) <= KEPT_LOGITS : term.form === 'shared';

/**
 * The loss of `spec` over the inputs (each `[Nₖ, D]`, stacked in order): a scalar, or the
 * per-anchor losses `[R]` for reduction `'none'`, with its closed-form gradient.
 */
export function contrastiveLoss(inputs: tf.Tensor2D[], spec: ContrastiveSpec): tf.Tensor {
  const sizes = inputs.map((x) => x.shape[0]);
  const scale = spec.reduction === 'mean' ? 1 / spec.counted : 1;
  const terms: TermKernelOptions[] = spec.terms.map((term) => ({ ...term, temperature: spec.temperature }));
  const anchors = (terms[0]?.queries.end ?? 0) - (terms[0]?.queries.start ?? 0);
  // Where the host kernels run, E is stacked once and normalised as one tensor (their row
  // kernels take it whole). The composite reads it as the inputs, each normalised on its own
  // (row normalisation commutes with stacking), so that InfoNCE never concatenates, slices
  // or splits `[T, D]`: a copy each on webgl and webgpu.
  // Kept logits serve only a backward: where no gradient tape records this call (a forward
  // alone), keeping them would be an `[R, C]` pass (a copy on webgl) for nothing. Asked here,
  // outside the customGrad, whose forward runs as a kernel with the tape off.
  const recording = tf.engine().isTapeOn();
  const loss = customGrad<tf.Tensor[]>((raw, save) => {
    const stackedOnce = runsFused(CONTRASTIVE_FORWARD);
    const groups = stackedOnce && raw.length > 1 ? [tf.concat(raw, 0) as tf.Tensor2D] : (raw as tf.Tensor2D[]);
    const normalized = spec.normalize ? groups.map((group) => normalizeRows(group)) : undefined;
    const parts = normalized === undefined ? groups : normalized.map(({ normalized: rows }) => rows);
    const embeddings = new StackedRows(parts);
    const evaluated = terms.map((term) => contrastiveTermForward(embeddings, term, recording && keepsLogits(term)));
    const perAnchor = tf.addN(evaluated.map(({ losses }) => losses));
    // Save the embeddings (and the normalisation's factors), each term's lse `[R]` and its
    // logits where it kept them (`[0]` otherwise): the backward recomputes the rest of the
    // logits from them.
    const factors = normalized === undefined ? [] : normalized.flatMap(({ inverseNorm, squaredNorm }) => [inverseNorm, squaredNorm]);
    save([...parts, ...factors, ...evaluated.map(({ logSumExp }) => logSumExp), ...evaluated.map(({ logits }) => logits)]);
    return {
      value: spec.reduction === 'none' ? perAnchor : tf.mul(tf.sum(perAnchor), scale),
      // With G = W ('shared') or G = W∘σ(lse − S) ('perPositive'), ∂ℓ_r/∂S_rc = (Σ_c' G_rc')·p_rc − G_rc,
      // p the softmax over M: ∂lse_r/∂S_rc = p_rc, and d softplus(lse − S)/d(lse − S) = σ(lse − S).
      // S = Q·Kᵀ/τ gives dQ = dS·K/τ and dK = dSᵀ·Q/τ; a row serving as anchor and as candidate
      // collects both (contrastiveTermBackward); then the normalisation's backward (rowNormalize.ts).
      gradFunc: (dy, saved) => {
        // The forward saved `count` parts (one where it stacked E), their normalisation
        // factors (two per part), then two tensors per term.
        const count = (saved.length - 2 * terms.length) / (spec.normalize ? 3 : 1);
        const parts = saved.slice(0, count) as tf.Tensor2D[];
        const factors = spec.normalize ? (saved.slice(count, 3 * count) as tf.Tensor2D[]) : [];
        const first = spec.normalize ? 3 * count : count;
        const rowGradient = spec.reduction === 'none' ? tf.reshape(dy, [-1]) : tf.mul(tf.ones([anchors]), tf.mul(dy, scale));
        const embeddings = new StackedRows(parts);
        const pieces = terms.map((term, i) => {
          const logSumExp = saved[first + i] as tf.Tensor1D;
          const logits = saved[first + terms.length + i] as tf.Tensor1D;
          return contrastiveTermBackward(embeddings, term, logSumExp, tf.mul(rowGradient, term.weight) as tf.Tensor1D, logits);
        });
        const gradients = parts.map((part, k) => {
          const dPart = (pieces.length === 1 ? pieces[0]?.[k] : tf.addN(pieces.map((perPart) => perPart[k] as tf.Tensor2D))) as tf.Tensor2D;
          if (!spec.normalize) return dPart;
          return normalizeRowsGrad(dPart, { normalized: part, inverseNorm: factors[2 * k] as tf.Tensor2D, squaredNorm: factors[2 * k + 1] as tf.Tensor2D });
        });
        return count < sizes.length ? tf.split(gradients[0] as tf.Tensor2D, sizes, 0) : gradients;
      },
    };
  });
  return loss(...inputs);
}
