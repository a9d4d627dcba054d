/**
 * The terms (see contrastive.ts) of each contrastive loss: which rows are anchors and
 * candidates, and the rules (`kernels/contrastive/terms.ts`) that pick each anchor's
 * positives and denominator, from ids alone: no data is read back from the device to
 * find positives, and nothing `[R, C]` is built here.
 */
import type { ContrastiveTerm, RowRange } from './contrastive';
import { denseCodes } from './kernels/contrastive/terms';

/** Target column t(r) of each of `rows` anchors (−1 for none). */
function targetColumns(rows: number, target: (r: number) => number): Int32Array {
  return Int32Array.from({ length: rows }, (_, r) => target(r));
}

/**
 * InfoNCE over stacked [anchors (N); positives (N); negatives (M)]: anchor i against
 * positives ∪ negatives, target column i; symmetric adds positive i against the anchors
 * (the transposed N×N block: extra negatives serve only the anchor→positive direction).
 */
export function infoNCETerms(n: number, m: number, symmetric: boolean): ContrastiveTerm[] {
  const anchors: RowRange = { start: 0, end: n };
  const positives: RowRange = { start: n, end: 2 * n };
  const diagonal = targetColumns(n, (i) => i);
  const forward: ContrastiveTerm = {
    queries: anchors,
    keys: { start: n, end: 2 * n + m },
    positives: { rule: 'column', columns: diagonal },
    denominator: { rule: 'all' },
    form: 'shared',
    weight: symmetric ? 0.5 : 1,
  };
  if (!symmetric) return [forward];
  return [forward, { queries: positives, keys: anchors, positives: { rule: 'column', columns: diagonal }, denominator: { rule: 'all' }, form: 'shared', weight: 0.5 }];
}

/** NT-Xent over stacked [a (N); b (N)]: row k's positive is k ± N, its denominator every row but k. */
export function ntXentTerms(n: number): ContrastiveTerm[] {
  const all: RowRange = { start: 0, end: 2 * n };
  const partner = targetColumns(2 * n, (k) => (k + n) % (2 * n));
  return [{ queries: all, keys: all, positives: { rule: 'column', columns: partner }, denominator: { rule: 'allButSelf' }, form: 'shared', weight: 1 }];
}

/** A loss's terms and the number of anchors that have a positive (the divisor of 'mean'). */
export interface LabelledTerms {
  readonly terms: ContrastiveTerm[];
  readonly counted: number;
}

/** How many values occur more than once, counting each occurrence: the rows that share their value with another. */
function rowsSharing(codes: Int32Array): number {
  const counts = new Int32Array(codes.length);
  for (const code of codes) counts[code] = (counts[code] as number) + 1;
  return codes.reduce((total, code) => total + ((counts[code] as number) > 1 ? 1 : 0), 0);
}

/** SupCon L_out: W_ip = 1/|P(i)| over P(i) = {p ≠ i : label_p = label_i}; denominator every a ≠ i. */
export function supConTerms(labels: readonly number[]): LabelledTerms {
  const codes = denseCodes(labels);
  const all: RowRange = { start: 0, end: labels.length };
  return {
    terms: [{ queries: all, keys: all, positives: { rule: 'sameLabel', labels: codes }, denominator: { rule: 'allButSelf' }, form: 'shared', weight: 1 }],
    counted: rowsSharing(codes),
  };
}

/**
 * IEContraAST: positives share `primary` and differ in `secondary`; negatives differ in
 * both; the rest (the anchor, same secondary, exact duplicates) is left out. Each positive
 * has its own denominator: itself plus the negatives.
 */
export function idContrastiveTerms(primary: readonly number[], secondary: readonly number[]): LabelledTerms {
  const ids = { primary: denseCodes(primary), secondary: denseCodes(secondary) };
  const all: RowRange = { start: 0, end: primary.length };
  return {
    terms: [{ queries: all, keys: all, positives: { rule: 'samePrimaryOtherSecondary', ids }, denominator: { rule: 'otherInBoth', ids }, form: 'perPositive', weight: 1 }],
    counted: rowsWithPositive(ids.primary, ids.secondary),
  };
}

/** Rows i with some j of the same primary and another secondary id: O(n) with one pass per key. */
function rowsWithPositive(primary: Int32Array, secondary: Int32Array): number {
  const n = primary.length;
  // A row has a positive when its primary group holds more rows than its (primary, secondary) pair.
  const groupSize = new Int32Array(n);
  const pairSize = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const p = primary[i] as number;
    groupSize[p] = (groupSize[p] as number) + 1;
    const key = p * n + (secondary[i] as number);
    pairSize.set(key, (pairSize.get(key) ?? 0) + 1);
  }
  let counted = 0;
  for (let i = 0; i < n; i++) {
    const p = primary[i] as number;
    if ((groupSize[p] as number) > (pairSize.get(p * n + (secondary[i] as number)) as number)) counted++;
  }
  return counted;
}
