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
 * formulation (`./dense.ts`: W and M as comparisons of the id tensors on the device, the
 * `[R, C]` logits formed with tfjs's matMul), which webgl and webgpu run; the host
 * kernels (cpu and wasm) stream blocks of candidates with an online log-sum-exp and
 * recompute them in the backward, so nothing `[R, C]` is held unless the caller asks the
 * forward to keep the logits (small terms: the backward then skips one of its three
 * block products; `./host/`). Either backward reads the kept logits where they are given.
 */
import * as tf from '@tensorflow/tfjs-core';

import { dispatch, runsFused, type FusedKernel } from '../dispatch';
import { contrastiveBackwardCpu, contrastiveBackwardWasm } from './host/contrastiveBackward';
import { contrastiveForwardCpu, contrastiveForwardWasm } from './host/contrastiveForward';
import { denseBackward, denseForward } from './dense';
import { StackedRows } from './stackedRows';
import type { TermPlacement, TermStructure } from './terms';

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

export { StackedRows };

/** E as parts (the loss's inputs), or one tensor `[T, D]` (the kernel tests). */
export type Embeddings = tf.Tensor2D | StackedRows;

const stackedRows = (embeddings: Embeddings): StackedRows => (embeddings instanceof StackedRows ? embeddings : new StackedRows([embeddings]));

/**
 * The structure's arrays as int32 inputs (`columns`, `labels`, `primary`, `secondary`) and
 * the rest as attrs. IEContraAST's positives and negatives read the same ids. E is an
 * input only where the host kernels run: the composite reads its parts, and stacking them
 * would copy `[T, D]` for nothing.
 */
function kernelArguments(embeddings: StackedRows, term: TermKernelOptions): { inputs: tf.NamedTensorMap; attrs: tf.NamedAttrMap } {
  const inputs: tf.NamedTensorMap = runsFused(CONTRASTIVE_FORWARD) ? { embeddings: embeddings.stacked() } : {};
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

/**
 * The term's per-anchor losses `[R]` (times its weight), log-sum-exps `[R]` and, when
 * `keepLogits`, its logits `[R·C]` row-major with −∞ outside the denominator (`[0]`
 * otherwise): what the backward would recompute, kept where it is small enough to hold.
 */
export function contrastiveTermForward(embeddings: Embeddings, term: TermKernelOptions, keepLogits = false): { losses: tf.Tensor1D; logSumExp: tf.Tensor1D; logits: tf.Tensor1D } {
  const rows = stackedRows(embeddings);
  const [losses, logSumExp, logits] = tf.tidy(() => {
    const { inputs, attrs } = kernelArguments(rows, term);
    return dispatch(CONTRASTIVE_FORWARD, inputs, { ...attrs, keepLogits }, () => denseForward(rows, term, inputs, keepLogits));
  }) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  return { losses, logSumExp, logits };
}

/**
 * dE `[T, D]` of the term for upstream_r = ∂loss/∂ℓ_r (the term's weight included). Both
 * paths read `logSumExp` from the forward, and its logits where it kept them (`logits` of
 * {@link contrastiveTermForward}, `[R·C]`); else the host kernels recompute them block by
 * block and the composite with one matMul.
 */
export function contrastiveTermBackward(embeddings: tf.Tensor2D, term: TermKernelOptions, logSumExp: tf.Tensor1D, upstream: tf.Tensor1D, logits?: tf.Tensor1D): tf.Tensor2D;
/** The same, dE per part of E. */
export function contrastiveTermBackward(embeddings: StackedRows, term: TermKernelOptions, logSumExp: tf.Tensor1D, upstream: tf.Tensor1D, logits?: tf.Tensor1D): tf.Tensor2D[];
export function contrastiveTermBackward(embeddings: Embeddings, term: TermKernelOptions, logSumExp: tf.Tensor1D, upstream: tf.Tensor1D, logits?: tf.Tensor1D): tf.Tensor2D | tf.Tensor2D[] {
  const rows = stackedRows(embeddings);
  const parts = tf.tidy(() => {
    const { inputs, attrs } = kernelArguments(rows, term);
    const kept = logits !== undefined && logits.size > 0 ? { logits } : {};
    const composite = () => denseBackward(rows, term, inputs, logSumExp, upstream, kept.logits);
    // The composite gives dE per part, unstacked: on webgl and webgpu a concat is a copy.
    if (!runsFused(CONTRASTIVE_BACKWARD)) return composite();
    return rows.split(dispatch(CONTRASTIVE_BACKWARD, { ...inputs, ...kept, logSumExp, upstream }, attrs, () => rows.stack(composite())));
  });
  return embeddings instanceof StackedRows ? parts : (parts[0] as tf.Tensor2D);
}
