/**
 * The stacked embeddings E `[T, D]` of a contrastive loss, held as the parts they are
 * stacked from (the loss's inputs, each normalised on its own: row normalisation commutes
 * with stacking). The composite (`./dense.ts`) reads a term's anchors or candidates as
 * the part they are when they are one, as InfoNCE's are, and gives its gradient per part:
 * on webgl and webgpu every concat, slice and split of E is a copy of `[T, D]`. The host
 * kernels read E as one tensor (`stacked`).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Rows [start, end) of E. */
export interface StackedRange {
  readonly start: number;
  readonly end: number;
}

/** A gradient `[end − start, D]` of the rows [start, end) of E. */
export interface RowsGradient {
  readonly values: tf.Tensor2D;
  readonly rows: StackedRange;
}

export class StackedRows {
  /** Where each part starts in E, and T. */
  private readonly starts: number[];
  readonly total: number;
  readonly depth: number;

  constructor(readonly parts: readonly tf.Tensor2D[]) {
    this.starts = [];
    let total = 0;
    for (const part of parts) {
      this.starts.push(total);
      total += part.shape[0];
    }
    this.total = total;
    this.depth = parts[0]?.shape[1] ?? 0;
  }

  /** E itself: the one part, or the parts concatenated (a new tensor, owned by the caller's scope). */
  stacked(): tf.Tensor2D {
    return this.stack(this.parts);
  }

  /** One tensor per part (rows of E, or their gradients) stacked into `[T, D]`. */
  stack(perPart: readonly tf.Tensor2D[]): tf.Tensor2D {
    return perPart.length === 1 ? (perPart[0] as tf.Tensor2D) : tf.concat(perPart as tf.Tensor2D[], 0);
  }

  /** dE `[T, D]` as one gradient per part. */
  split(gradient: tf.Tensor2D): tf.Tensor2D[] {
    return this.parts.length === 1 ? [gradient] : tf.split(gradient, this.parts.map((part) => part.shape[0]), 0);
  }

  /** The overlap of `range` with part i, in E's rows, or undefined. */
  private overlap(i: number, { start, end }: StackedRange): StackedRange | undefined {
    const from = this.starts[i] as number;
    const to = from + (this.parts[i] as tf.Tensor2D).shape[0];
    const lo = Math.max(start, from);
    const hi = Math.min(end, to);
    return lo < hi ? { start: lo, end: hi } : undefined;
  }

  /** E's rows [start, end): a part itself where they are one, else slices of the parts concatenated. */
  rows(range: StackedRange): tf.Tensor2D {
    const pieces: tf.Tensor2D[] = [];
    this.parts.forEach((part, i) => {
      const overlap = this.overlap(i, range);
      if (overlap === undefined) return;
      const from = this.starts[i] as number;
      const whole = overlap.start === from && overlap.end === from + part.shape[0];
      pieces.push(whole ? part : tf.slice(part, [overlap.start - from, 0], [overlap.end - overlap.start, this.depth]));
    });
    return pieces.length === 1 ? (pieces[0] as tf.Tensor2D) : tf.concat(pieces, 0);
  }

  /** Per part, the sum of the gradients' rows that fall in it (zeros where none does). */
  place(gradients: readonly RowsGradient[]): tf.Tensor2D[] {
    return this.parts.map((part, i) => {
      const from = this.starts[i] as number;
      const size = part.shape[0];
      const pieces: tf.Tensor2D[] = [];
      for (const { values, rows } of gradients) {
        const overlap = this.overlap(i, rows);
        if (overlap === undefined) continue;
        const count = overlap.end - overlap.start;
        const piece = count === rows.end - rows.start ? values : tf.slice(values, [overlap.start - rows.start, 0], [count, this.depth]);
        const before = overlap.start - from;
        const after = from + size - overlap.end;
        pieces.push(before === 0 && after === 0 ? piece : tf.pad(piece, [[before, after], [0, 0]]));
      }
      if (pieces.length === 0) return tf.zerosLike(part);
      return pieces.length === 1 ? (pieces[0] as tf.Tensor2D) : (tf.addN(pieces) as tf.Tensor2D);
    });
  }
}
