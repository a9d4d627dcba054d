/**
 * `FeatstatsStandardize` on cpu (contract in `../contract.ts`): the biased moments, then
 * `y = (x − mean)·rsqrt(variance + ε)·γ + β`, in one kernel.
 *
 * The cpu backend's arrays are JavaScript memory, which WebAssembly cannot address, so
 * the moments kernel then the scale-shift kernel would each copy x into the staging
 * memory: x would cross twice. Here a plane of up to `wholePlaneElements` (4 Mi by
 * default) is staged whole, so x crosses once: each chunk is copied in and summed while
 * it is in cache; with the plane's statistics known, each chunk is scaled in place and
 * copied out. The outputs are the moments kernel's, rsqrt(variance + ε) as
 * tfjs-backend-cpu computes it (float32 add, then 1/√ rounded to float32), and the
 * scale-shift kernel's with those, bit for bit: the same sweeps over the same row groups.
 * Long runs (layer norm, NCHW) likewise: x staged whole once for the compiled run loops
 * (`./runs.ts`) of both passes, and y copied out.
 * Only cpu registers it: on wasm the sweeps already work in place, with nothing to stage.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, type HostContext, type HostKernel, type HostOutputSpec } from '../../host/adapter';
import { compiledBuildMissing, type HostOptions } from '../../host/options';
import type { PlaneSweeps } from '../../host/compiled/planeSweepsModule';
import { featureLayoutOf, statisticsShape, statisticsViewOf, type StatisticsView } from '../view';
import { columnFeatureIndex, columnsOf, featureValuesOf, floatInput, PLANE_MAX_ROW, planeGeometry, type FeatureValues } from './common';
import { finishMoments, foldMoments, momentsInto, momentsRunSums, shiftedSumsOf, type MomentOutputs } from './moments';
import { chunkRowsOf, stagedSweeps, type ColumnTriple } from './planes';
import { compiledRuns } from './runs';
import { scaleShiftCoefficients, scaleShiftInto, scaleShiftRunDoubles, scaleShiftRunsCompiled } from './scaleShift';

const STANDARDIZE: HostKernel = {
  outputs: (inputs, attrs) => {
    const x = inputs.x as tf.TensorInfo;
    const shape = statisticsShape(statisticsViewOf(attrs, x));
    const statistic = (): HostOutputSpec => ({ shape: [...shape], dtype: 'float32' });
    return [{ shape: [...x.shape], dtype: 'float32', filled: true }, statistic(), statistic(), statistic()];
  },
  run(inputs, outputs, attrs, context) {
    const x = floatInput(inputs, 'x');
    const [y, mean, variance, inverseStd] = outputs as [Float32Array, Float32Array, Float32Array, Float32Array];
    const view = statisticsViewOf(attrs, requiredInput(inputs, 'x'));
    // tf.add(variance, ε) makes ε a float32 scalar.
    const epsilon = Math.fround(attrs.epsilon as number);
    const features = featureValuesOf(inputs, featureLayoutOf(attrs), view);
    const out: StandardizedOutputs = { y, mean, variance, inverseStd };
    const whole = stagedWhole(view, context.options);
    if (whole !== undefined) {
      standardizeStaged({ x, view, epsilon, features }, out, whole);
      return;
    }
    const statistics = view.outer * view.kept;
    if (view.reducedInner > PLANE_MAX_ROW && standardizeRuns({ x, view, epsilon, features }, out, context)) return;
    momentsInto(out, x, { view, ddof: 0 }, context);
    inverseStdOf(out, epsilon, { from: 0, to: statistics });
    scaleShiftInto({ y, x, view }, { mean: Float64Array.from(mean), scale: Float64Array.from(inverseStd), shift: new Float64Array(statistics), features }, context);
  },
};

interface StandardizedOutputs extends MomentOutputs {
  readonly y: Float32Array;
  readonly inverseStd: Float32Array;
}

/**
 * Long runs with the compiled run loops (./runs.ts), x staged once for both passes (the
 * moments then the scale-shift kernel would stage it twice): the moments over the staged
 * x, then y from it, and y copied out. The values are those two kernels', the same loops
 * over the same data. False where the loops cannot run compiled (then the two kernels'
 * TypeScript loops run).
 */
function standardizeRuns(
  { x, view, epsilon, features }: { readonly x: Float32Array; readonly view: StatisticsView; readonly epsilon: number; readonly features: FeatureValues },
  out: StandardizedOutputs,
  context: HostContext,
): boolean {
  const statistics = view.outer * view.kept;
  const compiled = compiledRuns(context, { inputs: [x], outputs: [out.y], doubles: [statistics, statistics, statistics, ...scaleShiftRunDoubles(view, features)] });
  if (compiled === undefined) return false;
  const [xAt, yAt] = compiled.at as [number, number];
  const sums = momentsRunSums(x, view, { ...compiled, at: [xAt], doubles: compiled.doubles.slice(0, 3) });
  finishMoments(out, sums, { view, ddof: 0, from: 0, to: statistics });
  inverseStdOf(out, epsilon, { from: 0, to: statistics });
  const terms = { mean: Float64Array.from(out.mean), scale: Float64Array.from(out.inverseStd), shift: new Float64Array(statistics), features };
  scaleShiftRunsCompiled({ y: out.y, x, view }, terms, { ...compiled, at: [xAt, yAt], doubles: compiled.doubles.slice(3) });
  compiled.finish();
  return true;
}

/** rsqrt(variance + ε) of statistics [from, to), as tfjs-backend-cpu's Add then Rsqrt round it. */
function inverseStdOf({ variance, inverseStd }: StandardizedOutputs, epsilon: number, { from, to }: { readonly from: number; readonly to: number }): void {
  for (let s = from; s < to; s++) inverseStd[s] = 1 / Math.sqrt(Math.fround((variance[s] as number) + epsilon));
}

/** A whole plane staged in the module's memory, with three per-column float64 arrays and the sweeps. */
interface WholePlane {
  readonly sweeps: PlaneSweeps;
  readonly scratch: ColumnTriple;
  readonly plane: Float32Array;
  /** Rows per chunk ({@link chunkRowsOf}). */
  readonly chunkRows: number;
}

function stagedWhole(view: StatisticsView, options: HostOptions): WholePlane | undefined {
  const rows = view.reducedOuter;
  const columns = columnsOf(view);
  // A plane up to the limit (16 MiB by default: batch norm of [8, 32, 32, 512] is one
  // plane) is staged whole. The staging memory keeps the largest size it had, as
  // tfjs-backend-wasm keeps its heap; a larger plane takes the two sweeps chunk by chunk,
  // as the moments and scale-shift kernels do.
  if (view.reducedInner > PLANE_MAX_ROW || rows * columns > options.wholePlaneElements || options.webAssembly === 'off') return undefined;
  const staged = stagedSweeps(columns, 3, rows * columns * 4);
  if (staged === undefined) {
    if (options.webAssembly === 'required') throw compiledBuildMissing('the standardize kernel');
    return undefined;
  }
  return {
    sweeps: staged.sweeps,
    scratch: staged.scratch as ColumnTriple,
    plane: new Float32Array(staged.buffer, staged.dataOffset, rows * columns),
    chunkRows: chunkRowsOf(columns),
  };
}

function standardizeStaged(
  { x, view, epsilon, features }: { readonly x: Float32Array; readonly view: StatisticsView; readonly epsilon: number; readonly features: FeatureValues },
  out: StandardizedOutputs,
  whole: WholePlane,
): void {
  const { outer, rows, kept, inner, columns } = planeGeometry(view);
  const { sweeps, plane, chunkRows } = whole;
  const [shift, s1, s2] = whole.scratch;
  const sums = shiftedSumsOf(view);
  const noShift = new Float64Array(outer * kept);
  const index = columnFeatureIndex(view, features);
  const address = (a: number) => plane.byteOffset + 4 * a * columns;
  for (let o = 0; o < outer; o++) {
    const base = o * rows * columns;
    for (let j = 0; j < columns; j++) shift[j] = x[base + j - (j % inner)] as number;
    s1.fill(0);
    s2.fill(0);
    for (let a = 0; a < rows; a += chunkRows) {
      const chunk = Math.min(chunkRows, rows - a);
      plane.set(x.subarray(base + a * columns, base + (a + chunk) * columns), a * columns);
      sweeps.momentsPlane(address(a), chunk, columns, shift.byteOffset, s1.byteOffset, s2.byteOffset);
    }
    foldMoments(view, o, { shift, s1, s2 }, sums);
    const statistics = { from: o * kept, to: (o + 1) * kept };
    finishMoments(out, sums, { view, ddof: 0, ...statistics });
    inverseStdOf(out, epsilon, statistics);
    // The sums are folded: s1 and s2 take the plane's scale-shift coefficients.
    scaleShiftCoefficients({ view, o, index }, { mean: out.mean, scale: out.inverseStd, shift: noShift, features }, { factor: s1, offsetTerm: s2 });
    for (let a = 0; a < rows; a += chunkRows) {
      const chunk = Math.min(chunkRows, rows - a);
      sweeps.scaleShiftPlane(address(a), address(a), chunk, columns, s1.byteOffset, s2.byteOffset);
      out.y.set(plane.subarray(a * columns, (a + chunk) * columns), base + a * columns);
    }
  }
}

// Pure annotation: see ./moments.ts.
export const standardizeCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(STANDARDIZE);
