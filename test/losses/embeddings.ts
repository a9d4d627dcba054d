/**
 * Test data for the contrastive losses: embedding matrices `[N, D]` of several kinds and
 * magnitudes (some with a zero row), and the float32 error scales of a loss over them.
 */
import fc from 'fast-check';

import { makeValues, uniformFrom, type ValueKind } from '../helpers/arbitraries';
import { dot, rows, type Reduction } from '../reference/losses/common';

export interface Embeddings {
  readonly values: Float32Array;
  readonly shape: [number, number];
}

export interface EmbeddingOptions {
  kind: ValueKind;
  scale: number;
  seed: number;
  /** Row set to zero, if any. */
  zeroRow?: number | undefined;
}

/** `[n, d]` values of a kind and magnitude (offset rows sit at 1e4 with a small spread). */
export function embeddings(n: number, d: number, { kind, scale, seed, zeroRow }: EmbeddingOptions): Embeddings {
  const values = makeValues([n * d], 'NHWC', kind, kind === 'offset' ? 1 : scale, seed);
  if (zeroRow !== undefined && zeroRow < n) values.fill(0, zeroRow * d, (zeroRow + 1) * d);
  return { values, shape: [n, d] };
}

/** The settings every loss case draws: sizes, data kind and magnitude, τ, normalize, reduction. */
export interface Draw {
  n: number;
  d: number;
  data: Omit<EmbeddingOptions, 'seed'>;
  seed: number;
  temperature: number;
  normalize: boolean;
  reduction: Reduction;
}

export interface DrawConstraints {
  minRows?: number;
  maxRows?: number;
  maxColumns?: number;
  kinds?: ValueKind[];
  scales?: number[];
  temperatures?: number[];
  normalize?: boolean[];
  reductions?: Reduction[];
  zeroRows?: boolean;
}

export function draw(constraints: DrawConstraints = {}): fc.Arbitrary<Draw> {
  const { minRows = 1, maxRows = 6, maxColumns = 8, zeroRows = true } = constraints;
  return fc.record({
    n: fc.integer({ min: minRows, max: maxRows }),
    d: fc.integer({ min: 1, max: maxColumns }),
    data: fc.record({
      kind: fc.constantFrom<ValueKind>(...(constraints.kinds ?? ['spread', 'ties', 'offset'])),
      scale: fc.constantFrom(...(constraints.scales ?? [1e-3, 1, 1e4])),
      zeroRow: zeroRows ? fc.option(fc.integer({ min: 0, max: 2 * maxRows }), { nil: undefined }) : fc.constant(undefined),
    }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    temperature: fc.constantFrom(...(constraints.temperatures ?? [0.05, 0.07, 0.1, 0.5, 1])),
    normalize: fc.constantFrom(...(constraints.normalize ?? [true, false])),
    reduction: fc.constantFrom<Reduction>(...(constraints.reductions ?? ['mean', 'sum', 'none'])),
  });
}

/** Largest first-order rounding magnitude of a logit, Σ_d |x_d·y_d|/τ over all row pairs. */
export function logitBound(inputs: readonly Embeddings[], normalize: boolean, temperature: number): number {
  const all = inputs.flatMap((x) => rows(x.values, x.shape[0], normalize).map((row) => row.map(Math.abs)));
  let bound = 0;
  for (const a of all) for (const b of all) bound = Math.max(bound, dot(a, b));
  return bound / temperature;
}

/** Smallest and largest row norm over the inputs. */
export function rowNorms(inputs: readonly Embeddings[]): { min: number; max: number } {
  const norms = inputs.flatMap((x) => rows(x.values, x.shape[0], false).map((row) => Math.hypot(...row)));
  return { min: Math.min(...norms), max: Math.max(...norms) };
}

/** A random permutation of 0…n − 1 (Fisher–Yates). */
export function permutation(n: number, seed: number): number[] {
  const uniform = uniformFrom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/** The rows of `x` in the order `order`. */
export function permuteRows(x: Embeddings, order: readonly number[]): Embeddings {
  const d = x.shape[1];
  const values = new Float32Array(x.values.length);
  order.forEach((from, to) => values.set(x.values.subarray(from * d, (from + 1) * d), to * d));
  return { values, shape: x.shape };
}

/** Each row multiplied by its own positive factor in [1e-2, 1e2]. */
export function scaleRows(x: Embeddings, seed: number): Embeddings {
  const uniform = uniformFrom(seed);
  const d = x.shape[1];
  const values = Float32Array.from(x.values);
  for (let i = 0; i < x.shape[0]; i++) {
    const factor = 10 ** (4 * uniform() - 2);
    for (let j = 0; j < d; j++) values[i * d + j] = (values[i * d + j] as number) * factor;
  }
  return { values, shape: x.shape };
}

/** `rows` copies of one random row of width d. */
export function identicalRows(rowsCount: number, d: number, seed: number): Embeddings {
  const row = makeValues([d], 'NHWC', 'spread', 1, seed);
  const values = new Float32Array(rowsCount * d);
  for (let i = 0; i < rowsCount; i++) values.set(row, i * d);
  return { values, shape: [rowsCount, d] };
}

/** Rows that are the one-hot vectors e_{index(i)} of width d. */
export function oneHotRows(indices: readonly number[], d: number): Embeddings {
  const values = new Float32Array(indices.length * d);
  indices.forEach((k, i) => (values[i * d + k] = 1));
  return { values, shape: [indices.length, d] };
}

/** Splits rows into consecutive blocks of the given sizes. */
export function splitRows(x: Embeddings, sizes: readonly number[]): Embeddings[] {
  const d = x.shape[1];
  let start = 0;
  return sizes.map((size) => {
    const block: Embeddings = { values: x.values.slice(start * d, (start + size) * d), shape: [size, d] };
    start += size;
    return block;
  });
}

/** Draws `sizes(draw)` rows in one block (so a zero row may fall in any input) and splits them. */
export function drawInputs(base: Draw, sizes: readonly number[]): Embeddings[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  return splitRows(embeddings(total, base.d, { ...base.data, seed: base.seed }), sizes);
}
