/**
 * The contrastive kernels' composite (`./contract.ts`): one term in the dense formulation,
 * over `[R, C]` tensors. It defines what the kernels compute, and it is what webgl and
 * webgpu run, so it is written for them: every `[R, C]` pass is a shader, and the loss
 * must not cost more passes than the user's own `softmaxCrossEntropy` over cosine logits.
 *
 * - W and M are never expanded on the host. Their `[R, C]` supports are comparisons of the
 *   term's int32 id tensors (`R + C` values uploaded) against each other or against column
 *   indices; what varies per row only (|P(r)|, each positive's weight, whether r has one)
 *   is computed on the host from the ids in O(R + Σ|P(r)|) and uploaded as `[R, 1]`.
 * - Logits outside M are −1e30 in the arithmetic, −∞ only in the `keepLogits` output: webgl
 *   packs 2×2 texels, and a packed op's padding lanes computing −∞ − (−∞) turned a later
 *   matMul's sums into NaN (and its packed relu is x·(x ≥ 0), NaN at −∞). e^{−1e30 − m} = 0
 *   wherever M_r is not empty, so only a term whose M_r may be empty (IEContraAST's, or one
 *   column but self) masks the exponentials again (lse = −1e30 there, contrastive.ts).
 * - The backward takes lse from the forward and, where the forward kept the masked logits,
 *   forms p = e^{S − lse} from them: no matrix product and no reduction to redo. Only the
 *   `'perPositive'` form recomputes S, for σ(lse − S) at positives that lie outside M.
 * - When anchors and candidates are the same rows (NT-Xent, SupCon, IEContraAST), dQ + dK
 *   is (dS + dSᵀ)·E: one matrix product instead of two.
 * - E comes as the parts it is stacked from (`./stackedRows.ts`), so InfoNCE's anchors and
 *   candidates are read, and their gradients given, with no concat, slice or pad.
 */
import * as tf from '@tensorflow/tfjs-core';

import { MASKED } from './host/common';
import type { StackedRows } from './stackedRows';
import { TermRelation, type TermPlacement, type TermStructure } from './terms';

/** Rows [start, end) of the stacked embeddings. */
interface Rows {
  readonly start: number;
  readonly end: number;
}

/** What the composite reads of a term (`TermKernelOptions` in contract.ts). */
export interface DenseTerm extends TermStructure {
  readonly queries: Rows;
  readonly keys: Rows;
  readonly form: 'shared' | 'perPositive';
  readonly weight: number;
  readonly temperature: number;
}

/** The term's int32 id inputs, as `kernelArguments` (contract.ts) uploads them. */
export interface DenseIds {
  readonly columns?: tf.Tensor;
  readonly labels?: tf.Tensor;
  readonly primary?: tf.Tensor;
  readonly secondary?: tf.Tensor;
}

function placementOf({ queries, keys }: DenseTerm): TermPlacement {
  return { queryStart: queries.start, rows: queries.end - queries.start, keyStart: keys.start, columns: keys.end - keys.start };
}

const sameRows = ({ queries, keys }: DenseTerm): boolean => queries.start === keys.start && queries.end === keys.end;

/**
 * S = Q·Kᵀ/τ `[R, C]`. On webgpu Kᵀ is formed first: tfjs-backend-webgpu's product with
 * `transposeB` took 170 ms for `[256, 512]·[512, 256]` on SwiftShader (650 ms at 512 rows),
 * against 112–130 (470–490) for the transpose and a plain product; on webgl the two were
 * even at 256 rows and the transpose 10 % slower at 512, so webgl keeps `transposeB`.
 */
function logitsOf(e: StackedRows, term: DenseTerm): tf.Tensor2D {
  const queries = e.rows(term.queries);
  const keys = sameRows(term) ? queries : e.rows(term.keys);
  const product = tf.getBackend() === 'webgpu' ? tf.matMul(queries, transposeMatrix(keys)) : tf.matMul(queries, keys, false, true);
  return tf.div(product, term.temperature);
}


/** Per-row facts of W, from the ids on the host. */
interface PositiveRows {
  /** W_rc of each of row r's positives (1, or 1/|P(r)| for SupCon) `[R, 1]`. */
  readonly weight: Float32Array;
  /** Σ_c W_rc `[R, 1]`. */
  readonly total: Float32Array;
}

function positiveRows(term: DenseTerm, placement: TermPlacement): PositiveRows {
  const relation = new TermRelation(term, placement);
  const weight = new Float32Array(placement.rows);
  const total = new Float32Array(placement.rows);
  for (let r = 0; r < placement.rows; r++) {
    let sum = 0;
    relation.forEachPositive(r, (_, w) => {
      weight[r] = w;
      sum += w;
    });
    total[r] = sum;
  }
  return { weight, total };
}

/** The term's W and M as device tensors (see the module comment). */
interface DenseStructure {
  readonly placement: TermPlacement;
  readonly rows: PositiveRows;
  /** Whether M leaves some column out (else every column counts and there is no mask). */
  readonly masked: boolean;
  /** M as bool `[R, C]` (built on first use: a backward from kept logits needs none). */
  readonly denominator: () => tf.Tensor;
  /** Whether some row's M may be empty. */
  readonly mayBeEmpty: boolean;
  /** W's support as bool `[R, C]` (built on first use: the 'column' forward gathers instead). */
  readonly positives: () => tf.Tensor;
  /** For the 'column' rule, c(r) of each row's positive (0 for none; `rows.total` is 0 there). */
  readonly positiveColumn: Int32Array | undefined;
  /** r·C + c(r): the same in S flattened. */
  readonly positiveIndex: Int32Array | undefined;
}

function denseStructure(term: DenseTerm, ids: DenseIds): DenseStructure {
  const placement = placementOf(term);
  const { rows, columns } = placement;
  const columnIndex = tf.reshape(tf.range(0, columns, 1, 'int32'), [1, columns]);
  // Candidate c is anchor r's own row when keyStart + c = queryStart + r.
  const offset = placement.queryStart - placement.keyStart;
  const selfColumn = (shift: number) => tf.reshape(tf.range(shift, shift + rows, 1, 'int32'), [rows, 1]);
  const asRows = (t: tf.Tensor) => tf.reshape(t, [rows, 1]);
  const asColumns = (t: tf.Tensor) => tf.reshape(t, [1, columns]);
  const { positives, denominator } = term;

  // IEContraAST: both W and M need s_r ≠ s_c, and M = (s_r ≠ s_c) ∧ ¬(p_r = p_c) = (s_r ≠ s_c) ≠ W.
  let paired: { positives: tf.Tensor; otherSecondary: tf.Tensor } | undefined;
  const pairedMasks = () => {
    if (paired === undefined) {
      const primary = ids.primary as tf.Tensor;
      const secondary = ids.secondary as tf.Tensor;
      const otherSecondary = tf.notEqual(asRows(secondary), asColumns(secondary));
      paired = { otherSecondary, positives: tf.logicalAnd(tf.equal(asRows(primary), asColumns(primary)), otherSecondary) };
    }
    return paired;
  };

  let mask: tf.Tensor | undefined;
  const denominatorMask = () => {
    mask ??= denominator.rule === 'allButSelf' ? tf.notEqual(selfColumn(offset), columnIndex) : tf.notEqual(pairedMasks().otherSecondary, pairedMasks().positives);
    return mask;
  };
  // IEContraAST's exponentials are masked again even where no row's M is empty: without
  // it, a 5-row styleContrastiveLoss at logits near 1e4 gave NaN gradients on webgl (CI,
  // property seed 20261128), though the unmasked entries are e^{−1e30 − lse}.
  const mayBeEmpty = denominator.rule === 'otherInBoth' || (denominator.rule === 'allButSelf' && columns <= 1);

  let support: tf.Tensor | undefined;
  const positiveSupport = () => {
    if (support !== undefined) return support;
    if (positives.rule === 'column') support = tf.equal(asRows(ids.columns as tf.Tensor), columnIndex);
    else if (positives.rule === 'sameLabel') {
      const labels = ids.labels as tf.Tensor;
      support = tf.logicalAnd(tf.equal(asRows(labels), asColumns(labels)), tf.notEqual(selfColumn(0), columnIndex));
    } else support = pairedMasks().positives;
    return support;
  };
  const positiveColumn = positives.rule === 'column' ? positives.columns.map((c) => Math.max(c, 0)) : undefined;
  const positiveIndex = positiveColumn?.map((c, r) => r * columns + c);
  const masked = denominator.rule !== 'all';
  return { placement, rows: positiveRows(term, placement), masked, denominator: denominatorMask, mayBeEmpty, positives: positiveSupport, positiveColumn, positiveIndex };
}

/** S with `outside` (−1e30, or −∞ for the kept logits) outside M. */
function maskLogits(logits: tf.Tensor2D, structure: DenseStructure, outside: number): tf.Tensor2D {
  return structure.masked ? (tf.where(structure.denominator(), logits, tf.scalar(outside) as tf.Tensor) as tf.Tensor2D) : logits;
}

/** e^{masked − shift}, and 0 outside M where M_r may be empty (there masked − shift = 0). */
function exponentials(masked: tf.Tensor, shift: tf.Tensor, structure: DenseStructure): tf.Tensor {
  const shifted = tf.exp(tf.sub(masked, shift));
  return structure.mayBeEmpty ? tf.where(structure.denominator(), shifted, tf.scalar(0)) : shifted;
}

/**
 * The composite forward: per-anchor losses `[R]` (× weight), lse `[R]` and the masked
 * logits `[R·C]` when `keepLogits` (`[0]` otherwise).
 */
export function denseForward(e: StackedRows, term: DenseTerm, ids: DenseIds, keepLogits: boolean): tf.Tensor[] {
  const structure = denseStructure(term, ids);
  const { rows, columns } = structure.placement;
  const logits = logitsOf(e, term);
  // S flattened: a copy on webgl (a packed texture's 2×2 texels do not reshape), so made once
  // for the gathered positives and, where nothing is masked, the kept logits.
  let flat: tf.Tensor | undefined;
  const flatLogits = () => (flat ??= tf.reshape(logits, [rows * columns]));
  const masked = maskLogits(logits, structure, MASKED);
  // An empty M_r has the maximum −1e30 and the sum 0, counted as 1 (a non-empty M's sum is
  // ≥ 1, its maximum's e^0): lse = −1e30.
  const max = tf.max(masked, 1, true);
  const sum = tf.sum(exponentials(masked, max, structure), 1, true);
  const total = structure.mayBeEmpty ? tf.add(sum, tf.cast(tf.equal(sum, 0), 'float32')) : sum;
  const logSumExp = tf.add(max, tf.log(total));
  const { weight, total: positiveTotal } = structure.rows;
  let losses: tf.Tensor;
  if (structure.positiveIndex !== undefined) {
    // One positive per row, ℓ_r = [r has one]·f(lse_r − S_r,c(r)): its logit as Σ_c S∘onehot
    // (exact: the other terms are 0), where a gather from S flattened took 9 ms on webgl for
    // 256 values (the flattening a copy). A row without one (c = −1) reads column 0, made 0
    // below; int32 one-hots, since wasm's OneHot ignores a float32 dtype; C ≥ 2 for tf.oneHot.
    const positiveLogits =
      columns >= 2
        ? tf.sum(tf.mul(logits, tf.cast(tf.oneHot(tf.tensor1d(structure.positiveColumn as Int32Array, 'int32'), columns), 'float32')), 1)
        : tf.gather(flatLogits(), tf.tensor1d(structure.positiveIndex, 'int32'));
    const gap = tf.sub(tf.reshape(logSumExp, [-1]), positiveLogits);
    const perRow = term.form === 'shared' ? gap : tf.softplus(gap);
    const factor = positiveTotal.map((t) => t * term.weight);
    // × [r has a positive]·weight: skipped where that is 1 for every row (InfoNCE); + 0 where
    // a row has none, whose (lse − S)·0 is −0 for a negative gap.
    losses = factor.every((f) => f === 1) ? perRow : factor.includes(0) ? tf.add(tf.mul(perRow, tf.tensor1d(factor)), 0) : tf.mul(perRow, tf.tensor1d(factor));
  } else if (term.form === 'shared') {
    // Σ_c W_rc·(lse_r − S_rc) = (Σ_c W_rc)·lse_r − w_r·Σ_{c∈P(r)} S_rc.
    const positiveSum = tf.sum(tf.where(structure.positives(), logits as tf.Tensor, tf.scalar(0)), 1, true);
    const loss = tf.sub(tf.mul(logSumExp, tf.tensor2d(positiveTotal, [rows, 1])), tf.mul(positiveSum, tf.tensor2d(weight, [rows, 1])));
    // + 0: an anchor without positives gets lse·0 − 0, which is −0 for lse < 0; the loss is +0.
    losses = tf.add(tf.mul(tf.reshape(loss, [-1]), term.weight), 0);
  } else {
    // Σ_{c∈P(r)} w_r·softplus(lse_r − S_rc), with −1e30 (softplus 0) off the positives.
    // tfjs's softplus is one pass (max(x, 0) + log1p(e^{−|x|}) took six); on the GPU backends
    // it is log(1 + eˣ) in float32 for |x| < 13.9, an absolute error of about 6e-8 per
    // positive, as the user's own composite has it.
    const gap = tf.where(structure.positives(), tf.sub(logSumExp, logits), tf.scalar(MASKED));
    losses = tf.mul(tf.reshape(tf.sum(tf.softplus(gap), 1), [-1]), tf.tensor1d(weight.map((w) => w * term.weight)));
  }
  const kept = !keepLogits ? tf.zeros([0]) : structure.masked ? tf.reshape(maskLogits(logits, structure, -Infinity), [rows * columns]) : flatLogits();
  return [losses, tf.reshape(logSumExp, [-1]), kept];
}

/**
 * The composite backward: dE `[T, D]` from the forward's lse and, where it kept them, its
 * masked logits. With G = W ('shared') or W∘σ(lse − S) ('perPositive') and p = e^{S − lse}
 * on M, dS = ((Σ_c G_rc)·p − G)·upstream_r/τ; dQ = dS·K and dK = dSᵀ·Q.
 */
export function denseBackward(e: StackedRows, term: DenseTerm, ids: DenseIds, logSumExp: tf.Tensor1D, upstream: tf.Tensor1D, kept: tf.Tensor1D | undefined): tf.Tensor2D[] {
  const structure = denseStructure(term, ids);
  const { rows, columns } = structure.placement;
  const raw = kept === undefined || term.form === 'perPositive' ? logitsOf(e, term) : undefined;
  // The kept logits' −∞ back to −1e30 (see the module comment); the same values otherwise.
  const keptLogits = () => {
    const logits = tf.reshape(kept as tf.Tensor1D, [rows, columns]);
    return structure.masked ? tf.maximum(logits, MASKED) : logits;
  };
  const masked = kept === undefined ? maskLogits(raw as tf.Tensor2D, structure, MASKED) : keptLogits();
  const lse = tf.reshape(logSumExp, [rows, 1]);
  const probabilities = exponentials(masked, lse, structure);
  const rowScale = tf.div(tf.reshape(upstream, [rows, 1]), term.temperature);
  const support = structure.positives();
  let dLogits: tf.Tensor;
  if (term.form === 'shared') {
    const { weight, total } = structure.rows;
    const softmaxPart = tf.mul(probabilities, tf.mul(rowScale, tf.tensor2d(total, [rows, 1])));
    dLogits = tf.where(support, tf.sub(softmaxPart, tf.mul(rowScale, tf.tensor2d(weight, [rows, 1]))), softmaxPart);
  } else {
    const { weight } = structure.rows;
    const sigmoid = tf.sigmoid(tf.sub(lse, raw as tf.Tensor2D));
    const weighted = weight.every((w) => w === 1) ? sigmoid : tf.mul(sigmoid, tf.tensor2d(weight, [rows, 1]));
    const g = tf.where(support, weighted, tf.scalar(0));
    dLogits = tf.mul(tf.sub(tf.mul(tf.sum(g, 1, true), probabilities), g), rowScale);
  }
  return placeGradient(e, term, dLogits as tf.Tensor2D);
}

/**
 * xᵀ of `[R, C]`, as the transpose of `[1, R, C]`: tfjs-backend-webgpu runs a 2-D transpose
 * as a tiled program with a workgroup barrier, which SwiftShader makes slow (124 ms for
 * `[256, 256]` in a webgpu styleContrastiveLoss backward, against 2–16 ms per element-wise
 * pass), and any other permutation one invocation per element.
 */
function transposeMatrix(x: tf.Tensor2D): tf.Tensor2D {
  const [rows, columns] = x.shape;
  return tf.reshape(tf.transpose(tf.reshape(x, [1, rows, columns]), [0, 2, 1]), [columns, rows]);
}

/** dE from dS, per part of E: dQ = dS·K on the anchors' rows plus dK = dSᵀ·Q on the candidates'. */
function placeGradient(e: StackedRows, term: DenseTerm, dLogits: tf.Tensor2D): tf.Tensor2D[] {
  const { queries, keys } = term;
  const queryRows = e.rows(queries);
  // dS·E_q + dSᵀ·E_q = (dS + dSᵀ)·E_q.
  if (sameRows(term)) return e.place([{ values: tf.matMul(tf.add(dLogits, transposeMatrix(dLogits)), queryRows), rows: queries }]);
  return e.place([
    { values: tf.matMul(dLogits, e.rows(keys)), rows: queries },
    { values: tf.matMul(dLogits, queryRows, true, false), rows: keys },
  ]);
}
