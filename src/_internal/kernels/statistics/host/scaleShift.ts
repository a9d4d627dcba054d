/**
 * `FeatstatsScaleShift` on cpu and wasm (contract in `../contract.ts`):
 * `y = (x − mean)·scale·γ + β + shift`, in three loop shapes (`./common.ts`): planes,
 * layer norm's rows with γ along them, and runs.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostContext, type HostKernel } from '../../host/adapter';
import { featureLayoutOf, statisticsViewOf, type StatisticsView } from '../view';
import { columnFeatureIndex, featureIndexAt, featurePieceEnd, featuresAlongRows, featureValuesOf, floatInput, PLANE_MAX_ROW, planeGeometry, statisticValues, type FeatureValues, type PlaneRows } from './common';
import { columnArrays, compiledPlanes, type CompiledPlanes } from './planes';
import { compiledRuns, statisticsScratch, type CompiledRuns } from './runs';

const SCALE_SHIFT: HostKernel = {
  // Every loop writes y[i] from x[i] alone, so y may be x's buffer.
  reusesInput: 'x',
  // Runs: γ, β and the three statistics, float64, for the compiled sliding loop.
  heapScratch: /* @__PURE__ */ statisticsScratch(2, (statistics, features) => 2 * features + 3 * statistics),
  outputs: (inputs) => [{ shape: [...(inputs.x as tf.TensorInfo).shape], dtype: 'float32', filled: true }],
  run(inputs, outputs, attrs, context) {
    const x = floatInput(inputs, 'x');
    const view = statisticsViewOf(attrs, requiredInput(inputs, 'x'));
    scaleShiftInto({ y: outputs[0] as Float32Array, x, view }, {
      mean: statisticValues(inputs.mean, view, 0),
      scale: statisticValues(inputs.scale, view, 1),
      shift: statisticValues(inputs.shift, view, 0),
      features: featureValuesOf(inputs, featureLayoutOf(attrs), view),
    }, context);
  },
};

/** A scale-shift's per-statistic terms (float64) and γ, β. */
export interface ScaleShiftTerms {
  readonly mean: ArrayLike<number>;
  readonly scale: ArrayLike<number>;
  readonly shift: ArrayLike<number>;
  readonly features: FeatureValues;
}

/** A scale-shift's arrays: y written from x, over the view. */
export interface ScaleShiftArrays {
  readonly y: Float32Array;
  readonly x: Float32Array;
  readonly view: StatisticsView;
}

/** y = (x − mean)·scale·γ + β + shift over the view. */
export function scaleShiftInto(arrays: ScaleShiftArrays, terms: ScaleShiftTerms, context: HostContext): void {
  const { y, x, view } = arrays;
  if (view.reducedInner <= PLANE_MAX_ROW) {
    scaleShiftPlanes(arrays, terms, compiledPlanes(context, { view, arrays: [x, y], count: 2 }));
    return;
  }
  const compiled = compiledRuns(context, { inputs: [x], outputs: [y], doubles: scaleShiftRunDoubles(view, terms.features) });
  if (compiled !== undefined) {
    scaleShiftRunsCompiled(arrays, terms, compiled);
    compiled.finish();
  } else if (featuresAlongRows(view, terms.features)) scaleShiftAlongRows(arrays, terms);
  else scaleShiftRuns(arrays, terms);
}


/** The lengths of the float64 arrays of {@link scaleShiftRunsCompiled}: γ, β, and the three statistics. */
export function scaleShiftRunDoubles(view: StatisticsView, features: FeatureValues): number[] {
  const statistics = view.outer * view.kept;
  return [features.gamma.length, features.gamma.length, statistics, statistics, statistics];
}

/**
 * scaleShiftAlongRows and scaleShiftRuns, compiled (x and y at `at`, its float64 arrays
 * as {@link scaleShiftRunDoubles} says): layer norm's rows in one call, other
 * runs one call per piece (runSweeps.c computes each element alone, as both loops do,
 * so the rows need no grouping by four).
 */
export function scaleShiftRunsCompiled({ view }: ScaleShiftArrays, { mean, scale, shift, features }: ScaleShiftTerms, { sweeps, at, doubles }: CompiledRuns): void {
  const { outer, rows, kept, inner, columns } = planeGeometry(view);
  const [gamma, beta, m, sc, h] = doubles as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const [xAt, yAt] = at as [number, number];
  const sliding = features.present && features.stride === 1;
  if (sliding) {
    gamma.set(features.gamma);
    beta.set(features.beta);
    for (let s = 0; s < m.length; s++) {
      m[s] = mean[s] as number;
      sc[s] = scale[s] as number;
      h[s] = shift[s] as number;
    }
  }
  if (featuresAlongRows(view, features)) {
    sweeps.scaleShiftSlide(xAt, yAt, outer, inner, gamma.byteOffset, beta.byteOffset, m.byteOffset, sc.byteOffset, h.byteOffset);
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let a = 0; a < rows; a++) {
      for (let k = 0; k < kept; k++) {
        const s = o * kept + k;
        const run = (o * rows + a) * columns + k * inner;
        for (let t = 0; t < inner; ) {
          const end = featurePieceEnd(k * inner, t, inner, features);
          const f = featureIndexAt(k * inner + t, features);
          const at = 4 * (run + t);
          if (sliding) {
            sweeps.scaleShiftSlide(xAt + at, yAt + at, 1, end - t, gamma.byteOffset + 8 * f, beta.byteOffset + 8 * f, m.byteOffset + 8 * s, sc.byteOffset + 8 * s, h.byteOffset + 8 * s);
          } else {
            const factor = (scale[s] as number) * (features.gamma[f] as number);
            sweeps.scaleShiftRun(xAt + at, yAt + at, end - t, factor, (features.beta[f] as number) + (shift[s] as number) - (mean[s] as number) * factor);
          }
          t = end;
        }
      }
    }
  }
}

function scaleShiftPlanes({ y, x, view }: ScaleShiftArrays, terms: ScaleShiftTerms, compiled?: CompiledPlanes): void {
  const { outer, rows, columns } = planeGeometry(view);
  const index = columnFeatureIndex(view, terms.features);
  const [factor, offsetTerm] = columnArrays(compiled, view, 2) as [Float64Array, Float64Array];
  for (let o = 0; o < outer; o++) {
    scaleShiftCoefficients({ view, o, index }, terms, { factor, offsetTerm });
    const base = o * rows * columns;
    if (compiled !== undefined) {
      compiled.rows({ inputs: [x], outputs: [y] }, { base, rows }, ([xAt, yAt], chunk) => compiled.sweeps.scaleShiftPlane(xAt as number, yAt as number, chunk, columns, factor.byteOffset, offsetTerm.byteOffset));
    } else {
      scaleShiftSweep(y, x, { base, rows, columns }, { factor, offsetTerm });
    }
  }
}

/**
 * Plane o's per-column coefficients of y = (x − m)·s·γ + β + h, folded to x·f + c with
 * f = s·γ and c = β + h − m·f: two coefficient reads per element, not three. In float64
 * the fold costs nothing a float32 output can see.
 */
export function scaleShiftCoefficients(
  { view, o, index }: { readonly view: StatisticsView; readonly o: number; readonly index: Int32Array },
  terms: ScaleShiftTerms,
  out: ScaleShiftColumns,
): void {
  const { kept, reducedInner: inner } = view;
  const { mean, scale, shift, features } = terms;
  for (let k = 0, j = 0; k < kept; k++) {
    const s = o * kept + k;
    for (let b = 0; b < inner; b++, j++) {
      const f = index[j] as number;
      const factor = (scale[s] as number) * (features.gamma[f] as number);
      out.factor[j] = factor;
      out.offsetTerm[j] = (features.beta[f] as number) + (shift[s] as number) - (mean[s] as number) * factor;
    }
  }
}

/** A plane's per-column coefficients of y = x·factor + offsetTerm. */
export interface ScaleShiftColumns {
  readonly factor: Float64Array;
  readonly offsetTerm: Float64Array;
}

/** y = x·f + c per column over a plane's rows (`scaleShiftPlane` in planeSweeps.c). */
function scaleShiftSweep(y: Float32Array, x: Float32Array, { base, rows, columns }: PlaneRows, { factor, offsetTerm }: ScaleShiftColumns): void {
  const c2 = 2 * columns;
  const c3 = 3 * columns;
  // Four rows a … a + 3 per sweep: each coefficient pair is read once for four
  // elements, and the loop's own overhead is paid once for four (V8 does not unroll).
  let a = 0;
  let offset = base;
  for (; a + 3 < rows; a += 4, offset += 4 * columns) {
    for (let j = 0, i = offset; j < columns; j++, i++) {
      const f = factor[j] as number;
      const c = offsetTerm[j] as number;
      y[i] = (x[i] as number) * f + c;
      y[i + columns] = (x[i + columns] as number) * f + c;
      y[i + c2] = (x[i + c2] as number) * f + c;
      y[i + c3] = (x[i + c3] as number) * f + c;
    }
  }
  for (; a < rows; a++, offset += columns) {
    for (let j = 0, i = offset; j < columns; j++, i++) y[i] = (x[i] as number) * (factor[j] as number) + (offsetTerm[j] as number);
  }
}

function scaleShiftAlongRows({ y, x, view }: ScaleShiftArrays, { mean, scale, shift, features }: ScaleShiftTerms): void {
  const { outer, reducedInner: n } = view;
  const { gamma, beta } = features;
  let o = 0;
  for (; o + 3 < outer; o += 4) {
    const [m0, m1, m2, m3] = [mean[o] as number, mean[o + 1] as number, mean[o + 2] as number, mean[o + 3] as number];
    const [s0, s1, s2, s3] = [scale[o] as number, scale[o + 1] as number, scale[o + 2] as number, scale[o + 3] as number];
    const [h0, h1, h2, h3] = [shift[o] as number, shift[o + 1] as number, shift[o + 2] as number, shift[o + 3] as number];
    for (let t = 0, i = o * n; t < n; t++, i++) {
      const gt = gamma[t] as number;
      const bt = beta[t] as number;
      y[i] = ((x[i] as number) - m0) * s0 * gt + bt + h0;
      y[i + n] = ((x[i + n] as number) - m1) * s1 * gt + bt + h1;
      y[i + 2 * n] = ((x[i + 2 * n] as number) - m2) * s2 * gt + bt + h2;
      y[i + 3 * n] = ((x[i + 3 * n] as number) - m3) * s3 * gt + bt + h3;
    }
  }
  for (; o < outer; o++) {
    const m = mean[o] as number;
    const sc = scale[o] as number;
    const h = shift[o] as number;
    for (let t = 0, i = o * n; t < n; t++, i++) y[i] = ((x[i] as number) - m) * sc * (gamma[t] as number) + (beta[t] as number) + h;
  }
}

function scaleShiftRuns({ y, x, view }: ScaleShiftArrays, { mean, scale, shift, features }: ScaleShiftTerms): void {
  const { outer, rows, kept, inner, columns } = planeGeometry(view);
  const { gamma, beta } = features;
  const sliding = features.present && features.stride === 1;
  for (let o = 0; o < outer; o++) {
    for (let a = 0; a < rows; a++) {
      for (let k = 0; k < kept; k++) {
        const s = o * kept + k;
        const m = mean[s] as number;
        const sc = scale[s] as number;
        const h = shift[s] as number;
        const run = (o * rows + a) * columns + k * inner;
        for (let t = 0; t < inner; ) {
          const end = featurePieceEnd(k * inner, t, inner, features);
          const f = featureIndexAt(k * inner + t, features);
          const stop = run + end;
          // Both loops take four elements per iteration: V8 does not unroll, and the
          // loop's own overhead is a large share of so little arithmetic.
          let i = run + t;
          if (sliding) {
            let ff = f;
            for (; i + 3 < stop; i += 4, ff += 4) {
              y[i] = ((x[i] as number) - m) * sc * (gamma[ff] as number) + (beta[ff] as number) + h;
              y[i + 1] = ((x[i + 1] as number) - m) * sc * (gamma[ff + 1] as number) + (beta[ff + 1] as number) + h;
              y[i + 2] = ((x[i + 2] as number) - m) * sc * (gamma[ff + 2] as number) + (beta[ff + 2] as number) + h;
              y[i + 3] = ((x[i + 3] as number) - m) * sc * (gamma[ff + 3] as number) + (beta[ff + 3] as number) + h;
            }
            for (; i < stop; i++, ff++) y[i] = ((x[i] as number) - m) * sc * (gamma[ff] as number) + (beta[ff] as number) + h;
          } else {
            // (x − m)·f + c folded to x·f + (c − m·f), as on the plane path.
            const factor = sc * (gamma[f] as number);
            const offsetTerm = (beta[f] as number) + h - m * factor;
            for (; i + 3 < stop; i += 4) {
              y[i] = (x[i] as number) * factor + offsetTerm;
              y[i + 1] = (x[i + 1] as number) * factor + offsetTerm;
              y[i + 2] = (x[i + 2] as number) * factor + offsetTerm;
              y[i + 3] = (x[i + 3] as number) * factor + offsetTerm;
            }
            for (; i < stop; i++) y[i] = (x[i] as number) * factor + offsetTerm;
          }
          t = end;
        }
      }
    }
  }
}

// Pure annotations: see ./moments.ts.
export const scaleShiftCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(SCALE_SHIFT);
export const scaleShiftWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(SCALE_SHIFT);
