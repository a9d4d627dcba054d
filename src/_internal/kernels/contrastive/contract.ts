/**
 * The contrastive kernels: one term of a contrastive loss (`src/_internal/contrastive.ts`)
 * over the stacked embeddings E `[T, D]`, its anchors Q = E[queries] `[R, D]` and
 * candidates K = E[keys] `[C, D]`, logits S = Q·Kᵀ/τ, and the term's structure
 * (`./terms.ts`: W and M described by ids).
 *
 * | kernel | inputs → outputs |
 * |---|---|
 * | `FeatstatsContrastiveForward`  | embeddings, the structure's int32 arrays; attr `keepLogits` → losses `[R]` (×weight), lse `[R]`, logits `[R·C]` (−∞ outside M_r) when `keepLogits`, else `[0]` |
 * | `FeatstatsContrastiveBackward` | the same, lse `[R]`, upstream `[R]`, logits `[R·C]` (optional) → dE `[T, D]` |
 *
 * with lse_r = log Σ_{c∈M_r} e^{S_rc} (−1e30 for an empty M_r, see contrastive.ts) and
 * upstream_r = ∂loss/∂ℓ_r, the term's weight included. The composites are the dense
 * formulation (masks expanded, the `[R, C]` logits formed with tfjs's matMul); the host
 * kernels (cpu and wasm) stream blocks of candidates with an online log-sum-exp and
 * recompute them in the backward, so nothing `[R, C]` is held unless the caller asks the
 * forward to keep the logits (small terms: the backward then skips one of its three
 * block products; `./host/`).
 */
import * as tf from '@tensorflow/tfjs-core';

import { dispatch, type FusedKernel } from '../dispatch';
import { contrastiveBackwardCpu, contrastiveBackwardWasm } from './host/contrastiveBackward';
import { contrastiveForwardCpu, contrastiveForwardWasm } from './host/contrastiveForward';
import { MASKED } from './host/common';
import { denseMasks, type TermPlacement, type TermStructure } from './terms';

export const CONTRASTIVE_FORWARD: FusedKernel = { name: 'FeatstatsContrastiveForward', backends: { cpu: contrastiveForwardCpu, wasm: contrastiveForwardWasm } };
export const CONTRASTIVE_BACKWARD: FusedKernel = { name: 'FeatstatsContrastiveBackward', backends: { cpu: contrastiveBackwardCpu, wasm: contrastiveBackwardWasm } };

/** Rows [start, end) of the stacked embeddings. */
export interface RowRange {
  readonly start: number;
  readonly end: number;
}

/** One term: its rows, its structure, its form and weight (see contrastive.ts). */
export interface TermKernelOptions extends TermStructure {
  readonly queries: RowRange;
  readonly keys: RowRange;
  readonly form: 'shared' | 'perPositive';
  readonly weight: number;
  readonly temperature: number;
}

export function placementOf({ queries, keys }: TermKernelOptions): TermPlacement {
  return { queryStart: queries.start, rows: queries.end - queries.start, keyStart: keys.start, columns: keys.end - keys.start };
}

/**
 * The structure's arrays as int32 inputs (`columns`, `labels`, `primary`, `secondary`) and
 * the rest as attrs. IEContraAST's positives and negatives read the same ids.
 */
function kernelArguments(embeddings: tf.Tensor2D, term: TermKernelOptions): { inputs: tf.NamedTensorMap; attrs: tf.NamedAttrMap } {
  const inputs: tf.NamedTensorMap = { embeddings };
  const { positives, denominator } = term;
  if (positives.rule === 'column') inputs.columns = tf.tensor1d(positives.columns, 'int32');
  if (positives.rule === 'sameLabel') inputs.labels = tf.tensor1d(positives.labels, 'int32');
  const ids = positives.rule === 'samePrimaryOtherSecondary' ? positives.ids : denominator.rule === 'otherInBoth' ? denominator.ids : undefined;
  if (denominator.rule === 'otherInBoth' && denominator.ids !== ids) throw new Error('featstats: a contrastive term must read one set of ids');
  if (ids !== undefined) Object.assign(inputs, { primary: tf.tensor1d(ids.primary, 'int32'), secondary: tf.tensor1d(ids.secondary, 'int32') });
  const { queries, keys, form, weight, temperature } = term;
  const attrs = {
    positives: positives.rule,
    denominator: denominator.rule,
    form,
    weight,
    temperature,
    queryStart: queries.start,
    queryEnd: queries.end,
    keyStart: keys.start,
    keyEnd: keys.end,
  };
  return { inputs, attrs };
}

function rowsOf(e: tf.Tensor2D, { start, end }: RowRange): tf.Tensor2D {
  return start === 0 && end === e.shape[0] ? e : tf.slice(e, [start, 0], [end - start, e.shape[1]]);
}

/** softplus(x) = max(x, 0) + log1p(e^{−|x|}): exact for every x, on every backend. */
function softplus(x: tf.Tensor): tf.Tensor {
  return tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
}

/** The dense formulation of one term: logits, log-sum-exp, gap lse − S and the masked softmax. */
function denseTerm(e: tf.Tensor2D, term: TermKernelOptions) {
  const placement = placementOf(term);
  const { rows, columns } = placement;
  const masks = denseMasks(term, placement);
  const queries = rowsOf(e, term.queries);
  const keys = rowsOf(e, term.keys);
  const logits = tf.div(tf.matMul(queries, keys, false, true), term.temperature) as tf.Tensor2D;
  const mask = masks.denominator === undefined ? undefined : tf.tensor2d(masks.denominator, [rows, columns]);
  const masked = mask === undefined ? logits : tf.add(tf.mul(logits, mask), tf.mul(tf.sub(1, mask), MASKED));
  const max = tf.max(masked, 1, true);
  const shifted = tf.exp(tf.sub(masked, max));
  const exponentials = mask === undefined ? shifted : tf.mul(shifted, mask);
  // An empty row sums to 0; adding 1 there keeps log finite (lse = max = −1e30).
  const empty = mask === undefined ? undefined : tf.cast(tf.equal(tf.sum(mask, 1, true), 0), 'float32');
  const total = empty === undefined ? tf.sum(exponentials, 1, true) : tf.add(tf.sum(exponentials, 1, true), empty);
  const logSumExp = tf.add(max, tf.log(total));
  const gap = tf.sub(logSumExp, logits);
  const targets = tf.tensor2d(masks.targets, [rows, columns]);
  // −∞ outside the denominator: S + (−∞) there, S + 0 (exactly S) inside.
  const maskedLogits = () => (masks.denominator === undefined ? logits : tf.add(logits, tf.tensor2d(masks.denominator.map((m) => (m === 0 ? -Infinity : 0)), [rows, columns])));
  return { queries, keys, gap, targets, logSumExp, maskedLogits, probabilities: () => tf.div(exponentials, total) };
}

/**
 * The term's per-anchor losses `[R]` (times its weight), log-sum-exps `[R]` and, when
 * `keepLogits`, its logits `[R·C]` row-major with −∞ outside the denominator (`[0]`
 * otherwise): what the backward would recompute, kept where it is small enough to hold.
 */
export function contrastiveTermForward(embeddings: tf.Tensor2D, term: TermKernelOptions, keepLogits = false): { losses: tf.Tensor1D; logSumExp: tf.Tensor1D; logits: tf.Tensor1D } {
  const [losses, logSumExp, logits] = tf.tidy(() => {
    const { inputs, attrs } = kernelArguments(embeddings, term);
    return dispatch(CONTRASTIVE_FORWARD, inputs, { ...attrs, keepLogits }, () => {
      const { gap, targets, logSumExp, maskedLogits } = denseTerm(embeddings, term);
      const perPair = term.form === 'shared' ? gap : softplus(gap);
      const kept = keepLogits ? tf.reshape(maskedLogits(), [-1]) : tf.zeros([0]);
      return [tf.mul(tf.sum(tf.mul(targets, perPair), 1), term.weight), tf.reshape(logSumExp, [-1]), kept];
    });
  }) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  return { losses, logSumExp, logits };
}

/**
 * dE `[T, D]` of the term for upstream_r = ∂loss/∂ℓ_r (the term's weight included). The
 * composite recomputes the log-sum-exp; the host kernels read `logSumExp` from the forward,
 * and its logits where it kept them (`logits` of {@link contrastiveTermForward}, `[R·C]`),
 * else recompute them block by block.
 */
export function contrastiveTermBackward(embeddings: tf.Tensor2D, term: TermKernelOptions, logSumExp: tf.Tensor1D, upstream: tf.Tensor1D, logits?: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const { inputs, attrs } = kernelArguments(embeddings, term);
    const kept = logits !== undefined && logits.size > 0 ? { logits } : {};
    return dispatch(CONTRASTIVE_BACKWARD, { ...inputs, ...kept, logSumExp, upstream }, attrs, () => {
      const { queries, keys, gap, targets, probabilities } = denseTerm(embeddings, term);
      // G = W ('shared') or W∘σ(lse − S) ('perPositive'); dS = ((Σ_c G)·p − G)·upstream/τ.
      const g = term.form === 'shared' ? targets : tf.mul(targets, tf.sigmoid(gap));
      const rowScale = tf.div(tf.reshape(upstream, [-1, 1]), term.temperature);
      const dLogits = tf.mul(tf.sub(tf.mul(tf.sum(g, 1, true), probabilities()), g), rowScale);
      const total = embeddings.shape[0];
      const place = (t: tf.Tensor2D, { start, end }: RowRange) => (start === 0 && end === total ? t : tf.pad(t, [[start, total - end], [0, 0]]));
      return tf.add(place(tf.matMul(dLogits, keys), term.queries), place(tf.matMul(dLogits, queries, true, false), term.keys)) as tf.Tensor2D;
    });
  });
}
