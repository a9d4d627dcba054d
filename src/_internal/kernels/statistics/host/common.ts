/**
 * What the host (cpu and wasm) statistics kernels share: reading statistics and γ/β into
 * float64, and where γ/β's index changes along a row.
 *
 * **Precision.** Every sum is a float64 accumulator (JS numbers, `Float64Array` scratch);
 * only the outputs are rounded to float32.
 *
 * **Loops.** The view `[outer, reducedOuter, kept, reducedInner]` is walked in memory
 * order, never transposed. One `outer` block is a *plane* of `reducedOuter` rows of
 * `columns = kept·reducedInner` contiguous elements. Short runs (reducedInner ≤
 * {@link PLANE_MAX_ROW}: NHWC `[N, L, C, 1]`, `[N, L, G, C/G]`, `[1, N·L, C, 1]`) are
 * walked as planes: a flat inner loop over the columns with per-column float64
 * coefficients (columns ≤ 16·kept values, computed once per plane), the loop that
 * `../../host/compiled/planeSweeps.c` also runs. Long runs (NCHW `[N, 1, C, L]`,
 * `[1, N, C, L]`, `[N, 1, G, (C/G)·L]`, layer norm `[B, 1, 1, M]`) get per-statistic
 * scalars and a tight loop over each contiguous run, split into pieces where γ/β are
 * constant (stride > 1) or slide along γ (stride 1); `../../host/compiled/runSweeps.c`
 * runs the same loops (`./runs.ts`), so a change to a run loop's order of operations is a
 * change to the C too. The feature index ⌊j / stride⌋ mod size of column j is computed
 * per column or per piece, never per element. Scratch is O(statistics + columns +
 * features), never proportional to x (the cpu backend's staging memories aside).
 *
 * In the loops `s` indexes a statistic (s = o·kept + k for block o and kept index k) and
 * `f` a feature (γ/β's index); `g` is always dy·γ.
 */
import type { HostInput } from '../../host/adapter';
import type { FeatureLayout, StatisticsView } from '../view';

/** Runs of at most this many elements (reducedInner) are walked as planes; longer ones run by run. */
export const PLANE_MAX_ROW = 16;

/** Elements of one row of a plane: kept·reducedInner. */
export function columnsOf(view: StatisticsView): number {
  return view.kept * view.reducedInner;
}

/**
 * The view as the loops walk it: `outer` planes of `rows` (reducedOuter) rows, each of
 * `columns` elements, `kept` statistics of `inner` (reducedInner) consecutive columns.
 */
export interface PlaneGeometry {
  readonly outer: number;
  readonly rows: number;
  readonly kept: number;
  readonly inner: number;
  readonly columns: number;
}

export function planeGeometry(view: StatisticsView): PlaneGeometry {
  return { outer: view.outer, rows: view.reducedOuter, kept: view.kept, inner: view.reducedInner, columns: columnsOf(view) };
}

/** Rows [0, rows) of `columns` elements from element `base`: a plane, or a chunk of one. */
export interface PlaneRows {
  readonly base: number;
  readonly rows: number;
  readonly columns: number;
}

/** The named float32 input, which the kernel's contract guarantees. */
export function floatInput(inputs: Readonly<Record<string, HostInput>>, name: string): Float32Array {
  const found = inputs[name];
  if (found === undefined) throw new Error(`featstats: statistics kernel input ${name} is missing`);
  return found.values as Float32Array;
}

/**
 * A statistic `[outer, 1, kept, 1]` (or any shape broadcasting to it) as outer·kept
 * float64 values, `fill` everywhere when absent. Broadcasting here lets callers pass
 * `[1, 1, kept, 1]`.
 */
export function statisticValues(given: HostInput | undefined, view: StatisticsView, fill: number): Float64Array {
  const { outer, kept } = view;
  const out = new Float64Array(outer * kept);
  if (given === undefined) return out.fill(fill);
  const [givenOuter = 1, a = 1, givenKept = 1, b = 1] = [1, 1, 1, 1, ...given.shape].slice(-4);
  if (given.shape.length > 4 || a !== 1 || b !== 1 || (givenOuter !== 1 && givenOuter !== outer) || (givenKept !== 1 && givenKept !== kept)) {
    throw new Error(`featstats: a statistic must broadcast to [${outer},1,${kept},1] but got [${given.shape.join(',')}]`);
  }
  const values = given.values;
  const outerStride = givenOuter === 1 ? 0 : givenKept;
  const keptStride = givenKept === 1 ? 0 : 1;
  for (let o = 0, s = 0; o < outer; o++) {
    for (let k = 0; k < kept; k++, s++) out[s] = values[o * outerStride + k * keptStride] as number;
  }
  return out;
}

/** γ and β of a call as float64 (1 and 0 when absent), with their layout. */
export interface FeatureValues extends FeatureLayout {
  /** Whether the feature index matters (γ or β given, or dγ/dβ wanted). */
  readonly present: boolean;
  readonly gamma: Float64Array;
  readonly beta: Float64Array;
}

export function featureValuesOf(inputs: Readonly<Record<string, HostInput>>, layout: FeatureLayout, view: StatisticsView, affineGradients = false): FeatureValues {
  const { stride, size } = layout;
  const gamma = new Float64Array(size).fill(1);
  const beta = new Float64Array(size);
  const present = inputs.gamma !== undefined || inputs.beta !== undefined || affineGradients;
  if (present && columnsOf(view) % (stride * size) !== 0) {
    throw new Error(`featstats: a feature layout's stride·size (${stride}·${size}) must divide kept·reducedInner = ${columnsOf(view)}`);
  }
  if (inputs.gamma !== undefined) gamma.set(inputs.gamma.values);
  if (inputs.beta !== undefined) beta.set(inputs.beta.values);
  return { stride, size, present, gamma, beta };
}

/** The feature index of every column j = k·reducedInner + i of a plane. */
export function columnFeatureIndex(view: StatisticsView, features: FeatureValues): Int32Array {
  const index = new Int32Array(columnsOf(view));
  for (let j = 0; j < index.length; j++) index[j] = Math.floor(j / features.stride) % features.size;
  return index;
}

/**
 * The end (offset within the run starting at column `j0`, of `length` elements) of the
 * piece that starts at offset `t`, over which the feature index is constant (stride > 1)
 * or advances by one per element (stride 1). The run loops walk pieces with this instead
 * of a callback: a closure that updates the caller's accumulators makes them context
 * variables, several times slower in the inner loop.
 */
export function featurePieceEnd(j0: number, t: number, length: number, features: FeatureValues): number {
  if (!features.present) return length;
  const j = j0 + t;
  const run = features.stride === 1 ? features.size - (j % features.size) : features.stride - (j % features.stride);
  return Math.min(length, t + run);
}

/** The feature index of column j. */
export function featureIndexAt(j: number, features: FeatureValues): number {
  return features.present ? Math.floor(j / features.stride) % features.size : 0;
}

/**
 * Whether the call is layer norm's shape: one statistic per block (`[outer, 1, 1, M]`)
 * and γ, β running along the whole run (stride 1, size M), the same for every block. The
 * `…AlongRows` loops then take four blocks per sweep, so each γ[t], β[t] (and each dγ[t],
 * dβ[t] read-modify-write) serves four elements instead of one. (The input gradient has
 * no per-element accumulator and gained nothing that way, so it has no such loop.)
 */
export function featuresAlongRows(view: StatisticsView, features: FeatureValues): boolean {
  return features.present && features.stride === 1 && features.size === view.reducedInner && view.reducedOuter === 1 && view.kept === 1;
}
