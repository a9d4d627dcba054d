/**
 * `FeatstatsMoments` on cpu and wasm (contract in `../contract.ts`): mean and variance
 * ÷ (M − ddof) of each statistic.
 *
 * One pass with a shifted algorithm: with k the first element of each statistic's group
 * and d = x − k, `mean = k + Σd/M`, `var = (Σd² − (Σd)²/M)/(M − ddof)` (clamped at 0). In
 * float64 the cancellation costs ~1e-16·((μ − k)/σ)² relative, far below float32; a
 * constant group has d = 0 exactly, so its mean is exactly the constant and its variance
 * exactly 0.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostContext, type HostKernel, type HostOutputSpec } from '../../host/adapter';
import { statisticsShape, statisticsViewOf, type StatisticsView } from '../view';
import { floatInput, PLANE_MAX_ROW, planeGeometry, type PlaneRows } from './common';
import { columnArrays, compiledPlanes, type ColumnTriple, type CompiledPlanes } from './planes';
import { compiledRuns, statisticsScratch, type CompiledRuns } from './runs';

const MOMENTS: HostKernel = {
  heapScratch: /* @__PURE__ */ statisticsScratch(3, (statistics) => 3 * statistics),
  outputs: (inputs, attrs): HostOutputSpec[] => {
    const shape = statisticsShape(statisticsViewOf(attrs, inputs.x as tf.TensorInfo));
    return [
      { shape, dtype: 'float32' },
      { shape: [...shape], dtype: 'float32' },
    ];
  },
  run(inputs, outputs, attrs, context) {
    const x = floatInput(inputs, 'x');
    const [mean, variance] = outputs as [Float32Array, Float32Array];
    const view = statisticsViewOf(attrs, requiredInput(inputs, 'x'));
    momentsInto({ mean, variance }, x, { view, ddof: (attrs.ddof as number | undefined) ?? 0 }, context);
  },
};

/** The float64 sums of the shifted moments, per statistic. */
export interface ShiftedSums {
  readonly shift: Float64Array;
  readonly sum: Float64Array;
  readonly sumSquares: Float64Array;
}

export function shiftedSumsOf(view: StatisticsView): ShiftedSums {
  const statistics = view.outer * view.kept;
  return { shift: new Float64Array(statistics), sum: new Float64Array(statistics), sumSquares: new Float64Array(statistics) };
}

/** The float32 outputs of the moments. */
export interface MomentOutputs {
  readonly mean: Float32Array;
  readonly variance: Float32Array;
}

/** The view and the divisor's ddof of a moments call. */
export interface MomentsOf {
  readonly view: StatisticsView;
  readonly ddof: number;
}

/** Mean and variance (÷ (M − ddof)) of every statistic of x, into `out`. */
export function momentsInto(out: MomentOutputs, x: Float32Array, { view, ddof }: MomentsOf, context: HostContext): void {
  const statistics = view.outer * view.kept;
  let sums: ShiftedSums;
  if (view.reducedInner <= PLANE_MAX_ROW) {
    sums = shiftedSumsOf(view);
    momentsPlanes(x, view, sums, compiledPlanes(context, { view, arrays: [x], count: 3 }));
  } else {
    sums = momentsRunSums(x, view, compiledRuns(context, { inputs: [x], outputs: [], doubles: [statistics, statistics, statistics] }));
  }
  finishMoments(out, sums, { view, ddof, from: 0, to: statistics });
}

/**
 * The shifted sums of a view of long runs: compiled where `compiled` is given (then in
 * its memory), else the TypeScript loop. Exported for tests (the two float64 results bit
 * for bit), not from the package.
 */
export function momentsRunSums(x: Float32Array, view: StatisticsView, compiled: CompiledRuns | undefined): ShiftedSums {
  if (compiled !== undefined) return momentsRunsCompiled(x, view, compiled);
  const sums = shiftedSumsOf(view);
  momentsRuns(x, view, sums);
  return sums;
}


/** momentsRuns, compiled: the sums in the compiled call's memory. */
function momentsRunsCompiled(x: Float32Array, view: StatisticsView, { sweeps, at, doubles }: CompiledRuns): ShiftedSums {
  const { outer, rows, kept, inner, columns } = planeGeometry(view);
  const [shift, sum, sumSquares] = doubles as [Float64Array, Float64Array, Float64Array];
  sum.fill(0);
  sumSquares.fill(0);
  for (let o = 0; o < outer; o++) for (let k = 0; k < kept; k++) shift[o * kept + k] = x[o * rows * columns + k * inner] as number;
  const [xAt] = at as [number];
  // With one row per block the runs of every block follow each other: one call.
  if (rows === 1) sweeps.momentsRuns(xAt, outer * kept, inner, shift.byteOffset, sum.byteOffset, sumSquares.byteOffset);
  else {
    for (let o = 0; o < outer; o++) {
      for (let a = 0; a < rows; a++) sweeps.momentsRuns(xAt + 4 * (o * rows + a) * columns, kept, inner, shift.byteOffset + 8 * o * kept, sum.byteOffset + 8 * o * kept, sumSquares.byteOffset + 8 * o * kept);
    }
  }
  return { shift, sum, sumSquares };
}

/** Mean and variance of statistics [from, to) from their sums, rounded to float32 once. */
export function finishMoments(out: MomentOutputs, sums: ShiftedSums, { view, ddof, from, to }: MomentsOf & { readonly from: number; readonly to: number }): void {
  const { shift, sum, sumSquares } = sums;
  const size = view.reducedOuter * view.reducedInner;
  for (let s = from; s < to; s++) {
    const total = sum[s] as number;
    const centered = (sumSquares[s] as number) - (total * total) / size;
    out.mean[s] = (shift[s] as number) + total / size;
    // `< 0` rather than `> 0 ?` so that a NaN propagates as in the composite.
    out.variance[s] = (centered < 0 ? 0 : centered) / (size - ddof);
  }
}

function momentsPlanes(x: Float32Array, view: StatisticsView, sums: ShiftedSums, compiled?: CompiledPlanes): void {
  const { outer, rows, inner, columns } = planeGeometry(view);
  const [shift, s1, s2] = columnArrays(compiled, view, 3) as ColumnTriple;
  for (let o = 0; o < outer; o++) {
    const base = o * rows * columns;
    for (let j = 0; j < columns; j++) shift[j] = x[base + j - (j % inner)] as number;
    s1.fill(0);
    s2.fill(0);
    if (compiled !== undefined) {
      compiled.rows({ inputs: [x], outputs: [] }, { base, rows }, ([xAt], chunk) => compiled.sweeps.momentsPlane(xAt as number, chunk, columns, shift.byteOffset, s1.byteOffset, s2.byteOffset));
    } else {
      momentsSweep(x, { base, rows, columns }, { shift, s1, s2 });
    }
    foldMoments(view, o, { shift, s1, s2 }, sums);
  }
}

/** Per-column float64 arrays of a moments sweep: the shift (the group's first element) and the two sums. */
export interface MomentColumns {
  readonly shift: Float64Array;
  readonly s1: Float64Array;
  readonly s2: Float64Array;
}

/** Σd and Σd² per column over a plane's rows, d = x − shift (`momentsPlane` in planeSweeps.c). */
function momentsSweep(x: Float32Array, { base, rows, columns }: PlaneRows, { shift, s1, s2 }: MomentColumns): void {
  const c2 = 2 * columns;
  const c3 = 3 * columns;
  // Four rows a … a + 3 per sweep: a quarter of the float64 read-modify-writes per
  // element, and the loop's overhead paid once for four.
  let a = 0;
  for (let offset = base; a + 3 < rows; a += 4, offset += 4 * columns) {
    for (let j = 0, i = offset; j < columns; j++, i++) {
      const k = shift[j] as number;
      const d0 = (x[i] as number) - k;
      const d1 = (x[i + columns] as number) - k;
      const d2 = (x[i + c2] as number) - k;
      const d3 = (x[i + c3] as number) - k;
      s1[j] = (s1[j] as number) + (d0 + d1 + (d2 + d3));
      s2[j] = (s2[j] as number) + (d0 * d0 + d1 * d1 + (d2 * d2 + d3 * d3));
    }
  }
  for (; a < rows; a++) {
    for (let j = 0, i = base + a * columns; j < columns; j++, i++) {
      const d = (x[i] as number) - (shift[j] as number);
      s1[j] = (s1[j] as number) + d;
      s2[j] = (s2[j] as number) + d * d;
    }
  }
}

/** Plane o's per-column sums folded into its `kept` statistics. */
export function foldMoments(view: StatisticsView, o: number, columns: MomentColumns, sums: ShiftedSums): void {
  const { kept, reducedInner: inner } = view;
  const { shift, s1, s2 } = columns;
  for (let k = 0, j = 0; k < kept; k++) {
    const s = o * kept + k;
    sums.shift[s] = shift[j] as number;
    let t1 = 0;
    let t2 = 0;
    for (let b = 0; b < inner; b++, j++) {
      t1 += s1[j] as number;
      t2 += s2[j] as number;
    }
    sums.sum[s] = t1;
    sums.sumSquares[s] = t2;
  }
}

function momentsRuns(x: Float32Array, view: StatisticsView, sums: ShiftedSums): void {
  const { outer, rows, kept, inner, columns } = planeGeometry(view);
  const { shift, sum, sumSquares } = sums;
  for (let o = 0; o < outer; o++) {
    const base = o * rows * columns;
    for (let k = 0; k < kept; k++) shift[o * kept + k] = x[base + k * inner] as number;
    for (let a = 0; a < rows; a++) {
      for (let k = 0; k < kept; k++) {
        const s = o * kept + k;
        const first = shift[s] as number;
        const start = base + a * columns + k * inner;
        const end = start + inner;
        // Four elements per iteration into two accumulator pairs: half the add latency
        // chain, and the loop's overhead paid once for four.
        let s1a = 0;
        let s1b = 0;
        let s2a = 0;
        let s2b = 0;
        let i = start;
        for (; i + 3 < end; i += 4) {
          const d0 = (x[i] as number) - first;
          const d1 = (x[i + 1] as number) - first;
          const d2 = (x[i + 2] as number) - first;
          const d3 = (x[i + 3] as number) - first;
          s1a += d0 + d2;
          s2a += d0 * d0 + d2 * d2;
          s1b += d1 + d3;
          s2b += d1 * d1 + d3 * d3;
        }
        for (; i < end; i++) {
          const d = (x[i] as number) - first;
          s1a += d;
          s2a += d * d;
        }
        sum[s] = (sum[s] as number) + s1a + s1b;
        sumSquares[s] = (sumSquares[s] as number) + s2a + s2b;
      }
    }
  }
}

// Pure annotations: the adapters are top-level calls, which a bundler keeps unless told
// they have no side effects (scripts/check-treeshake.mjs bundles one op at a time).
export const momentsCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(MOMENTS);
export const momentsWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(MOMENTS);
