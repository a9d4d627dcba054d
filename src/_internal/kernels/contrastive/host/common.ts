/**
 * What the contrastive host kernels share: the term read back from a call's inputs and
 * attrs, and the block of logits.
 *
 * Precision: logits are float32 sums where the compiled block products run
 * (`./blockProducts.ts`, as the composite's matMul sums them) and otherwise float64 sums
 * of the float32 products (each exact in float64), rounded to float32 as the composite's
 * S is; the positives' logits (`logit`) are always the latter. Every later step (the
 * running maximum and sum, the exponentials) stays in float64, rounded to float32 once
 * per output element. The rounding of S matters: lse is saved as float32, and
 * lse = m + log s ≥ m rounds to a float32 ≥ m, the largest logit of its row, only when m
 * is itself a float32. With float64 logits,
 * S − round(lse) reached +128 at logits of 1e9 (unnormalised rows of 1e4) and e^{S − lse}
 * overflowed the gradient.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, type HostInput } from '../../host/adapter';
import { TermRelation, type DenominatorRule, type PairedIds, type PositiveRule, type TermPlacement } from '../terms';

/** Stands in for −∞ in masked logits: the log-sum-exp of an empty denominator (contrastive.ts). */
export const MASKED = -1e30;

/** Anchors per block: their block of logits and gradient rows stay in cache. */
export const BLOCK_ROWS = 16;
/** Candidates per block: 64 rows of K at D = 128 are 32 KiB, an L1-sized working set. */
export const BLOCK_COLUMNS = 64;

/** One term of a call, read from its inputs and attrs (`../contract.ts`). */
export interface HostTerm extends TermPlacement {
  readonly embeddings: Float32Array;
  readonly depth: number;
  readonly relation: TermRelation;
  readonly perPositive: boolean;
  readonly weight: number;
  /** 1/τ. */
  readonly inverseTemperature: number;
}

const int32 = (input: HostInput | undefined): Int32Array => input?.values as Int32Array;

export function hostTermOf(inputs: Readonly<Record<string, HostInput>>, attrs: tf.NamedAttrMap): HostTerm {
  const embeddings = requiredInput(inputs, 'embeddings');
  const ids = (): PairedIds => ({ primary: int32(requiredInput(inputs, 'primary')), secondary: int32(requiredInput(inputs, 'secondary')) });
  const positives: PositiveRule =
    attrs.positives === 'column'
      ? { rule: 'column', columns: int32(requiredInput(inputs, 'columns')) }
      : attrs.positives === 'sameLabel'
        ? { rule: 'sameLabel', labels: int32(requiredInput(inputs, 'labels')) }
        : { rule: 'samePrimaryOtherSecondary', ids: ids() };
  const denominator: DenominatorRule = attrs.denominator === 'otherInBoth' ? { rule: 'otherInBoth', ids: ids() } : { rule: attrs.denominator === 'all' ? 'all' : 'allButSelf' };
  const placement = termPlacementOf(attrs);
  return {
    ...placement,
    embeddings: embeddings.values as Float32Array,
    depth: embeddings.shape[1] ?? 1,
    relation: new TermRelation({ positives, denominator }, placement),
    perPositive: attrs.form === 'perPositive',
    weight: attrs.weight as number,
    inverseTemperature: 1 / (attrs.temperature as number),
  };
}

export function termPlacementOf(attrs: tf.NamedAttrMap): TermPlacement {
  const queryStart = attrs.queryStart as number;
  const keyStart = attrs.keyStart as number;
  return { queryStart, rows: (attrs.queryEnd as number) - queryStart, keyStart, columns: (attrs.keyEnd as number) - keyStart };
}

/** ⟨E[a], E[b]⟩ over D, four accumulators (independent chains the CPU overlaps). */
export function dot(e: Float32Array, a: number, b: number, depth: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 3 < depth; d += 4) {
    s0 += (e[a + d] as number) * (e[b + d] as number);
    s1 += (e[a + d + 1] as number) * (e[b + d + 1] as number);
    s2 += (e[a + d + 2] as number) * (e[b + d + 2] as number);
    s3 += (e[a + d + 3] as number) * (e[b + d + 3] as number);
  }
  for (; d < depth; d++) s0 += (e[a + d] as number) * (e[b + d] as number);
  return s0 + s1 + s2 + s3;
}

/** S_rc of one pair (anchor r, candidate c), rounded to float32 (see above). */
export function logit(term: HostTerm, r: number, c: number): number {
  return Math.fround(dot(term.embeddings, (term.queryStart + r) * term.depth, (term.keyStart + c) * term.depth, term.depth) * term.inverseTemperature);
}

/**
 * The logits of anchors [r0, r0 + rows) against candidates [c0, c0 + columns) into
 * `out` (row-major, stride `columns`): each a contiguous dot product of two rows of E,
 * the candidates' rows reused from cache across the block's anchors. Two anchors against
 * two candidates at a time: four sums from four loads per step, where one dot product
 * loads two values per product.
 */
export function blockLogits(term: HostTerm, r0: number, rows: number, c0: number, columns: number, out: Float64Array): void {
  const { embeddings: e, depth, inverseTemperature } = term;
  let i = 0;
  for (; i + 1 < rows; i += 2) {
    const a0 = (term.queryStart + r0 + i) * depth;
    const a1 = a0 + depth;
    let j = 0;
    for (; j + 1 < columns; j += 2) {
      const b0 = (term.keyStart + c0 + j) * depth;
      const b1 = b0 + depth;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let d = 0; d < depth; d++) {
        const q0 = e[a0 + d] as number;
        const q1 = e[a1 + d] as number;
        const k0 = e[b0 + d] as number;
        const k1 = e[b1 + d] as number;
        s00 += q0 * k0;
        s01 += q0 * k1;
        s10 += q1 * k0;
        s11 += q1 * k1;
      }
      out[i * columns + j] = Math.fround(s00 * inverseTemperature);
      out[i * columns + j + 1] = Math.fround(s01 * inverseTemperature);
      out[(i + 1) * columns + j] = Math.fround(s10 * inverseTemperature);
      out[(i + 1) * columns + j + 1] = Math.fround(s11 * inverseTemperature);
    }
    if (j < columns) {
      const b = (term.keyStart + c0 + j) * depth;
      out[i * columns + j] = Math.fround(dot(e, a0, b, depth) * inverseTemperature);
      out[(i + 1) * columns + j] = Math.fround(dot(e, a1, b, depth) * inverseTemperature);
    }
  }
  if (i < rows) {
    const a = (term.queryStart + r0 + i) * depth;
    for (let j = 0; j < columns; j++) out[i * columns + j] = Math.fround(dot(e, a, (term.keyStart + c0 + j) * depth, depth) * inverseTemperature);
  }
}

/** softplus(x) = max(x, 0) + log1p(e^{−|x|}). */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** σ(x) = 1/(1 + e^{−x}): 0 at x = −1e30, 1 at +∞. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
