/**
 * The terms (see contrastive.ts) of each contrastive loss, built on the host as
 * Float32Array masks: no data is read back from the device to find positives.
 */
import type { ContrastiveTerm, RowRange } from './contrastive';

/** `[R, C]` with 1 at (r, target(r)), target(r) = −1 for none. */
function oneHotRows(rows: number, columns: number, target: (r: number) => number): Float32Array {
  const w = new Float32Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    const c = target(r);
    if (c >= 0) w[r * columns + c] = 1;
  }
  return w;
}

/** `[n, n]` ones with a zero diagonal: every other row is a candidate. */
function allButSelf(n: number): Float32Array {
  const m = new Float32Array(n * n).fill(1);
  for (let i = 0; i < n; i++) m[i * n + i] = 0;
  return m;
}

/**
 * InfoNCE over stacked [anchors (N); positives (N); negatives (M)]: anchor i against
 * positives ∪ negatives, target column i; symmetric adds positive i against the anchors
 * (the transposed N×N block: extra negatives serve only the anchor→positive direction).
 */
export function infoNCETerms(n: number, m: number, symmetric: boolean): ContrastiveTerm[] {
  const anchors: RowRange = { start: 0, end: n };
  const positives: RowRange = { start: n, end: 2 * n };
  const forward: ContrastiveTerm = {
    queries: anchors,
    keys: { start: n, end: 2 * n + m },
    targets: oneHotRows(n, n + m, (i) => i),
    form: 'shared',
    weight: symmetric ? 0.5 : 1,
  };
  if (!symmetric) return [forward];
  return [forward, { queries: positives, keys: anchors, targets: oneHotRows(n, n, (i) => i), form: 'shared', weight: 0.5 }];
}

/** NT-Xent over stacked [a (N); b (N)]: row k's positive is k ± N, its denominator every row but k. */
export function ntXentTerms(n: number): ContrastiveTerm[] {
  const all: RowRange = { start: 0, end: 2 * n };
  return [{ queries: all, keys: all, targets: oneHotRows(2 * n, 2 * n, (k) => (k + n) % (2 * n)), denominator: allButSelf(2 * n), form: 'shared', weight: 1 }];
}

/** A loss's terms and the number of anchors that have a positive (the divisor of 'mean'). */
export interface LabelledTerms {
  readonly terms: ContrastiveTerm[];
  readonly counted: number;
}

/** SupCon L_out: W_ip = 1/|P(i)| over P(i) = {p ≠ i : label_p = label_i}; denominator every a ≠ i. */
export function supConTerms(labels: readonly number[]): LabelledTerms {
  const n = labels.length;
  const targets = new Float32Array(n * n);
  let counted = 0;
  labels.forEach((label, i) => {
    const positives = labels.flatMap((other, p) => (p !== i && other === label ? [p] : []));
    for (const p of positives) targets[i * n + p] = 1 / positives.length;
    if (positives.length > 0) counted++;
  });
  const all: RowRange = { start: 0, end: n };
  return { terms: [{ queries: all, keys: all, targets, denominator: allButSelf(n), form: 'shared', weight: 1 }], counted };
}

/**
 * IEContraAST: positives share `primary` and differ in `secondary`; negatives differ in
 * both; the rest (the anchor, same secondary, exact duplicates) is left out. Each positive
 * has its own denominator: itself plus the negatives.
 */
export function idContrastiveTerms(primary: readonly number[], secondary: readonly number[]): LabelledTerms {
  const n = primary.length;
  const targets = new Float32Array(n * n);
  const negatives = new Float32Array(n * n);
  let counted = 0;
  for (let i = 0; i < n; i++) {
    let positives = 0;
    for (let j = 0; j < n; j++) {
      const samePrimary = primary[i] === primary[j];
      const sameSecondary = secondary[i] === secondary[j];
      if (samePrimary && !sameSecondary) positives += targets[i * n + j] = 1;
      if (!samePrimary && !sameSecondary) negatives[i * n + j] = 1;
    }
    if (positives > 0) counted++;
  }
  const all: RowRange = { start: 0, end: n };
  return { terms: [{ queries: all, keys: all, targets, denominator: negatives, form: 'perPositive', weight: 1 }], counted };
}
