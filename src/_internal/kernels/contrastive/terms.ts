/**
 * A contrastive term's structure: which (anchor r, candidate c) pairs are positives, with
 * their weights W_rc, and which columns enter anchor r's log-sum-exp (M). It is described
 * by ids and index arrays, never by dense `[R, C]` masks, so the fused kernels (`host/`)
 * read it in O(R + C) memory; the composite (`./dense.ts`) expands it on the device, from
 * the same ids as int32 tensors.
 * `src/_internal/contrastivePlans.ts` says which rules each loss uses; this file says what
 * a rule means, for both paths.
 *
 * r and c index the term's anchors and candidates. Rules over labels or ids index both by
 * the same array, so they need the anchors and the candidates to be the same rows.
 * Labels and ids are dense codes in [0, n) (`denseCodes`), n the number of rows.
 */

/** Two ids per row: IEContraAST's primary (the shared one) and secondary. */
export interface PairedIds {
  readonly primary: Int32Array;
  readonly secondary: Int32Array;
}

/** W: the positives of each anchor and their weights. */
export type PositiveRule =
  /** c = columns[r] with weight 1; −1 for none (InfoNCE, NT-Xent). */
  | { readonly rule: 'column'; readonly columns: Int32Array }
  /** c ≠ r with labels[c] = labels[r], each weighted 1/|P(r)| (SupCon's L_out). */
  | { readonly rule: 'sameLabel'; readonly labels: Int32Array }
  /** c with the same primary and another secondary id, weight 1 (IEContraAST). */
  | { readonly rule: 'samePrimaryOtherSecondary'; readonly ids: PairedIds };

/** M: the columns of each anchor's log-sum-exp. */
export type DenominatorRule =
  | { readonly rule: 'all' }
  /** Every candidate but the anchor's own row of the stacked embeddings. */
  | { readonly rule: 'allButSelf' }
  /** Candidates that differ from the anchor in both ids (IEContraAST's negatives). */
  | { readonly rule: 'otherInBoth'; readonly ids: PairedIds };

export interface TermStructure {
  readonly positives: PositiveRule;
  readonly denominator: DenominatorRule;
}

/** Where a term's anchors and candidates sit among the stacked rows. */
export interface TermPlacement {
  readonly queryStart: number;
  readonly rows: number;
  readonly keyStart: number;
  readonly columns: number;
}

/**
 * Rows grouped by code (a counting sort): the rows with code k are
 * `order[start[k] .. start[k + 1])`, so a row's positives are found in its group alone.
 */
interface Groups {
  readonly order: Int32Array;
  readonly start: Int32Array;
}

function groupsOf(codes: Int32Array): Groups {
  let size = 0;
  for (const code of codes) size = Math.max(size, code + 1);
  const start = new Int32Array(size + 1);
  for (const code of codes) start[code + 1] = (start[code + 1] as number) + 1;
  for (let k = 0; k < size; k++) start[k + 1] = (start[k + 1] as number) + (start[k] as number);
  const next = start.slice(0, size);
  const order = new Int32Array(codes.length);
  codes.forEach((code, row) => {
    order[next[code] as number] = row;
    next[code] = (next[code] as number) + 1;
  });
  return { order, start };
}

const ALL = 0;
const ALL_BUT_SELF = 1;
const OTHER_IN_BOTH = 2;

/**
 * A term's structure prepared for per-row queries: M membership in O(1) and each row's
 * positives in O(|group|), with O(R + C) memory.
 */
export class TermRelation {
  private readonly denominatorKind: number;
  private readonly selfOffset: number;
  private readonly groups: Groups | undefined;

  constructor(
    private readonly structure: TermStructure,
    placement: TermPlacement,
  ) {
    const { denominator, positives } = structure;
    this.denominatorKind = denominator.rule === 'all' ? ALL : denominator.rule === 'allButSelf' ? ALL_BUT_SELF : OTHER_IN_BOTH;
    // Candidate c is anchor r's own row when keyStart + c = queryStart + r.
    this.selfOffset = placement.queryStart - placement.keyStart;
    const codes = positives.rule === 'sameLabel' ? positives.labels : positives.rule === 'samePrimaryOtherSecondary' ? positives.ids.primary : undefined;
    this.groups = codes === undefined ? undefined : groupsOf(codes);
  }

  /** Whether candidate c enters anchor r's log-sum-exp. */
  inDenominator(r: number, c: number): boolean {
    const kind = this.denominatorKind;
    if (kind === ALL) return true;
    if (kind === ALL_BUT_SELF) return c !== r + this.selfOffset;
    const { ids } = this.structure.denominator as { readonly ids: PairedIds };
    return ids.primary[r] !== ids.primary[c] && ids.secondary[r] !== ids.secondary[c];
  }

  /**
   * Sets the entries of a block of logits (anchors [r0, r0 + rows), candidates
   * [c0, c0 + columns), row-major) that lie outside M to −∞, so that the block's maximum
   * and exponentials need no test per entry: e^{−∞ − m} = 0.
   */
  maskBlock(r0: number, rows: number, c0: number, columns: number, block: Float64Array): void {
    const kind = this.denominatorKind;
    if (kind === ALL) return;
    for (let i = 0; i < rows; i++) {
      const r = r0 + i;
      if (kind === ALL_BUT_SELF) {
        const self = r + this.selfOffset - c0;
        if (self >= 0 && self < columns) block[i * columns + self] = -Infinity;
        continue;
      }
      for (let j = 0; j < columns; j++) if (!this.inDenominator(r, c0 + j)) block[i * columns + j] = -Infinity;
    }
  }

  /** Calls `visit(c, W_rc)` for each positive c of anchor r. */
  forEachPositive(r: number, visit: (c: number, weight: number) => void): void {
    const { positives } = this.structure;
    if (positives.rule === 'column') {
      const c = positives.columns[r] as number;
      if (c >= 0) visit(c, 1);
      return;
    }
    const { order, start } = this.groups as Groups;
    const code = positives.rule === 'sameLabel' ? (positives.labels[r] as number) : (positives.ids.primary[r] as number);
    const from = start[code] as number;
    const to = start[code + 1] as number;
    if (positives.rule === 'sameLabel') {
      const weight = to - from > 1 ? 1 / (to - from - 1) : 0;
      for (let k = from; k < to; k++) if (order[k] !== r) visit(order[k] as number, weight);
      return;
    }
    const secondary = positives.ids.secondary;
    for (let k = from; k < to; k++) {
      const c = order[k] as number;
      if (secondary[c] !== secondary[r]) visit(c, 1);
    }
  }
}

/** Labels or ids as dense codes in [0, n): equal values get equal codes. */
export function denseCodes(values: readonly number[]): Int32Array {
  const codes = new Map<number, number>();
  return Int32Array.from(values, (value) => {
    let code = codes.get(value);
    if (code === undefined) codes.set(value, (code = codes.size));
    return code;
  });
}
