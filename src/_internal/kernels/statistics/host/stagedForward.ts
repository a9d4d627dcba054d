/**
 * The cpu forwards that are moments and then a scale-shift built from them
 * (`FeatstatsStandardize`, `FeatstatsRecenter`), in one kernel.
 *
 * The cpu backend's arrays are JavaScript memory, which WebAssembly cannot address, so
 * the moments kernel then the scale-shift kernel would each copy x into the staging
 * memory: x would cross twice. Here a plane of up to `wholePlaneElements` (4 Mi by
 * default) is staged whole, so x crosses once: each chunk is copied in and summed while
 * it is in cache; with the plane's statistics known, each chunk is scaled in place and
 * copied out. Long runs (layer norm, NCHW) likewise: x staged whole once for the compiled
 * run loops (`./runs.ts`) of both passes, and y copied out. The outputs are the moments
 * kernel's and, with the terms the rule makes from them, the scale-shift kernel's, bit for
 * bit: the same sweeps over the same row groups.
 */
import type { HostContext } from '../../host/adapter';
import { compiledBuildMissing, type HostOptions } from '../../host/options';
import type { PlaneSweeps } from '../../host/compiled/planeSweepsModule';
import type { StatisticsView } from '../view';
import { columnFeatureIndex, columnsOf, PLANE_MAX_ROW, planeGeometry, type FeatureValues } from './common';
import { finishMoments, foldMoments, momentsInto, momentsRunSums, shiftedSumsOf, type MomentOutputs } from './moments';
import { chunkRowsOf, stagedSweeps, type ColumnTriple } from './planes';
import { compiledRuns } from './runs';
import { scaleShiftCoefficients, scaleShiftInto, scaleShiftRunDoubles, scaleShiftRunsCompiled } from './scaleShift';

/** Statistics [from, to) of a call. */
export interface StatisticRange {
  readonly from: number;
  readonly to: number;
}

/**
 * How a forward makes its scale-shift's terms from the moments: `fill` writes `scale[s]`
 * and `shift[s]` of the statistics in the range once their moments are final (y =
 * (x − mean)·scale·γ + β + shift).
 */
export interface ScaleShiftRule {
  readonly scale: Float64Array;
  readonly shift: Float64Array;
  fill(moments: MomentOutputs, statistics: StatisticRange): void;
}

/** What the forward reads and writes: x and y over the view, the biased moments out. */
export interface StagedForward {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly view: StatisticsView;
  readonly features: FeatureValues;
  readonly moments: MomentOutputs;
}

/** The biased moments of x, then y = (x − mean)·scale·γ + β + shift with the rule's terms. */
export function momentsThenScaleShift(forward: StagedForward, rule: ScaleShiftRule, context: HostContext): void {
  const { x, y, view, features, moments } = forward;
  const whole = stagedWhole(view, context.options);
  if (whole !== undefined) {
    stagedPlanes(forward, rule, whole);
    return;
  }
  const all = { from: 0, to: view.outer * view.kept };
  if (view.reducedInner > PLANE_MAX_ROW && stagedRuns(forward, rule, context)) return;
  momentsInto(moments, x, { view, ddof: 0 }, context);
  rule.fill(moments, all);
  scaleShiftInto({ y, x, view }, { mean: Float64Array.from(moments.mean), scale: rule.scale, shift: rule.shift, features }, context);
}

/**
 * Long runs with the compiled run loops (./runs.ts), x staged once for both passes: the
 * moments over the staged x, then y from it, and y copied out. False where the loops
 * cannot run compiled (then the two kernels' TypeScript loops run).
 */
function stagedRuns({ x, y, view, features, moments }: StagedForward, rule: ScaleShiftRule, context: HostContext): boolean {
  const statistics = view.outer * view.kept;
  const compiled = compiledRuns(context, { inputs: [x], outputs: [y], doubles: [statistics, statistics, statistics, ...scaleShiftRunDoubles(view, features)] });
  if (compiled === undefined) return false;
  const [xAt, yAt] = compiled.at as [number, number];
  const sums = momentsRunSums(x, view, { ...compiled, at: [xAt], doubles: compiled.doubles.slice(0, 3) });
  finishMoments(moments, sums, { view, ddof: 0, from: 0, to: statistics });
  rule.fill(moments, { from: 0, to: statistics });
  const terms = { mean: Float64Array.from(moments.mean), scale: rule.scale, shift: rule.shift, features };
  scaleShiftRunsCompiled({ y, x, view }, terms, { ...compiled, at: [xAt, yAt], doubles: compiled.doubles.slice(3) });
  compiled.finish();
  return true;
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
    if (options.webAssembly === 'required') throw compiledBuildMissing('the staged forward kernels');
    return undefined;
  }
  return {
    sweeps: staged.sweeps,
    scratch: staged.scratch as ColumnTriple,
    plane: new Float32Array(staged.buffer, staged.dataOffset, rows * columns),
    chunkRows: chunkRowsOf(columns),
  };
}

function stagedPlanes({ x, y, view, features, moments }: StagedForward, rule: ScaleShiftRule, whole: WholePlane): void {
  const { outer, rows, kept, inner, columns } = planeGeometry(view);
  const { sweeps, plane, chunkRows } = whole;
  const [shift, s1, s2] = whole.scratch;
  const sums = shiftedSumsOf(view);
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
    finishMoments(moments, sums, { view, ddof: 0, ...statistics });
    rule.fill(moments, statistics);
    // The sums are folded: s1 and s2 take the plane's scale-shift coefficients.
    scaleShiftCoefficients({ view, o, index }, { mean: moments.mean, scale: rule.scale, shift: rule.shift, features }, { factor: s1, offsetTerm: s2 });
    for (let a = 0; a < rows; a += chunkRows) {
      const chunk = Math.min(chunkRows, rows - a);
      sweeps.scaleShiftPlane(address(a), address(a), chunk, columns, s1.byteOffset, s2.byteOffset);
      y.set(plane.subarray(a * columns, (a + chunk) * columns), base + a * columns);
    }
  }
}
