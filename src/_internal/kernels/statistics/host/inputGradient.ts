/**
 * `FeatstatsInputGradient` on cpu and wasm (contract in `../contract.ts`):
 * `dx = (g − centering − x̂·projection)·outScale` with g = dy·γ, x̂ = (x − mean)·scale.
 *
 * Expanded per statistic as dx = dy·(γ·o) − (x − mean)·(scale·projection·o) −
 * centering·o, o = outScale, so the inner loop is two multiply-adds over float64
 * coefficients.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';
import { featureLayoutOf, statisticsViewOf, type StatisticsView } from '../view';
import { columnFeatureIndex, featureIndexAt, featurePieceEnd, featureValuesOf, floatInput, PLANE_MAX_ROW, planeGeometry, statisticValues, type FeatureValues, type PlaneRows } from './common';
import { columnArrays, compiledPlanes, type ColumnTriple, type CompiledPlanes } from './planes';
import { compiledRuns, statisticsScratch, type CompiledRuns } from './runs';

const INPUT_GRADIENT: HostKernel = {
  // Every loop writes dx[i] from x[i] and dy[i] alone, so dx may be x's buffer.
  reusesInput: 'x',
  // Runs: γ and three per-statistic arrays, float64, for the compiled sliding loop.
  heapScratch: /* @__PURE__ */ statisticsScratch(3, (statistics, features) => features + 3 * statistics),
  outputs: (inputs) => [{ shape: [...(inputs.x as tf.TensorInfo).shape], dtype: 'float32', filled: true }],
  run(inputs, outputs, attrs, context) {
    const x = floatInput(inputs, 'x');
    const dy = floatInput(inputs, 'dy');
    const dx = outputs[0] as Float32Array;
    const view = statisticsViewOf(attrs, requiredInput(inputs, 'x'));
    const scale = statisticValues(inputs.scale, view, 1);
    const outScale = statisticValues(inputs.outScale, view, 1);
    // Per statistic: the constant term and the factor of x − mean.
    const constant = statisticValues(inputs.centering, view, 0);
    const centeredFactor = statisticValues(inputs.projection, view, 0);
    for (let s = 0; s < constant.length; s++) {
      const o = outScale[s] as number;
      centeredFactor[s] = (scale[s] as number) * (centeredFactor[s] as number) * o;
      constant[s] = (constant[s] as number) * o;
    }
    const terms: ApplyTerms = { mean: statisticValues(inputs.mean, view, 0), outScale, constant, centeredFactor, features: featureValuesOf(inputs, featureLayoutOf(attrs), view) };
    const arrays: ApplyArrays = { dx, x, dy, view };
    if (view.reducedInner <= PLANE_MAX_ROW) inputGradientPlanes(arrays, terms, compiledPlanes(context, { view, arrays: [x, dy, dx], count: 3 }));
    else {
      const statistics = view.outer * view.kept;
      const compiled = compiledRuns(context, { inputs: [x, dy], outputs: [dx], doubles: [terms.features.size, statistics, statistics, statistics] });
      if (compiled === undefined) inputGradientRuns(arrays, terms);
      else {
        inputGradientRunsCompiled(arrays, terms, compiled);
        compiled.finish();
      }
    }
  },
};


/** inputGradientRuns, compiled: with γ along whole rows (layer norm) one call, else one per piece. */
function inputGradientRunsCompiled({ view }: ApplyArrays, { mean, outScale, constant, centeredFactor, features }: ApplyTerms, { sweeps, at, doubles }: CompiledRuns): void {
  const { outer, rows, kept, inner, columns } = planeGeometry(view);
  const [gamma, out, fx, c] = doubles as [Float64Array, Float64Array, Float64Array, Float64Array];
  const [xAt, dyAt, dxAt] = at as [number, number, number];
  const sliding = features.present && features.stride === 1;
  gamma.set(features.gamma);
  for (let s = 0; s < out.length; s++) {
    out[s] = outScale[s] as number;
    fx[s] = centeredFactor[s] as number;
    c[s] = (mean[s] as number) * (centeredFactor[s] as number) - (constant[s] as number);
  }
  if (sliding && rows === 1 && kept === 1 && features.size === inner) {
    sweeps.gradApplySlide(xAt, dyAt, dxAt, outer, inner, gamma.byteOffset, out.byteOffset, fx.byteOffset, c.byteOffset);
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
          if (sliding) sweeps.gradApplySlide(xAt + at, dyAt + at, dxAt + at, 1, end - t, gamma.byteOffset + 8 * f, out.byteOffset + 8 * s, fx.byteOffset + 8 * s, c.byteOffset + 8 * s);
          else sweeps.gradApplyRun(xAt + at, dyAt + at, dxAt + at, end - t, (features.gamma[f] as number) * (outScale[s] as number), fx[s] as number, c[s] as number);
          t = end;
        }
      }
    }
  }
}

/** dx written from x and dy, over the view. */
interface ApplyArrays {
  readonly dx: Float32Array;
  readonly x: Float32Array;
  readonly dy: Float32Array;
  readonly view: StatisticsView;
}

/** Per statistic (float64): dx = dy·γ·outScale − (x − mean)·centeredFactor − constant. */
interface ApplyTerms {
  readonly mean: Float64Array;
  readonly outScale: Float64Array;
  readonly constant: Float64Array;
  readonly centeredFactor: Float64Array;
  readonly features: FeatureValues;
}

function inputGradientPlanes({ dx, x, dy, view }: ApplyArrays, terms: ApplyTerms, compiled?: CompiledPlanes): void {
  const { outer, rows, kept, inner, columns } = planeGeometry(view);
  const { mean, outScale, constant, centeredFactor, features } = terms;
  const index = columnFeatureIndex(view, features);
  // dx = dy·d − (x − m)·f − c folded to dy·d − x·f + (m·f − c), as in scaleShiftCoefficients.
  const [dyFactor, xFactor, c] = columnArrays(compiled, view, 3) as ColumnTriple;
  for (let o = 0; o < outer; o++) {
    for (let k = 0, j = 0; k < kept; k++) {
      const s = o * kept + k;
      for (let b = 0; b < inner; b++, j++) {
        const f = centeredFactor[s] as number;
        dyFactor[j] = (features.gamma[index[j] as number] as number) * (outScale[s] as number);
        xFactor[j] = f;
        c[j] = (mean[s] as number) * f - (constant[s] as number);
      }
    }
    const base = o * rows * columns;
    if (compiled !== undefined) {
      compiled.rows({ inputs: [x, dy], outputs: [dx] }, { base, rows }, ([xAt, dyAt, dxAt], chunk) =>
        compiled.sweeps.gradApplyPlane(xAt as number, dyAt as number, dxAt as number, chunk, columns, dyFactor.byteOffset, xFactor.byteOffset, c.byteOffset),
      );
    } else {
      inputGradientSweep({ dx, x, dy }, { base, rows, columns }, { dyFactor, xFactor, c });
    }
  }
}

/** dx = dy·fd − x·fx + c per column over a plane's rows (`gradApplyPlane` in planeSweeps.c). */
function inputGradientSweep(
  { dx, x, dy }: { readonly dx: Float32Array; readonly x: Float32Array; readonly dy: Float32Array },
  { base, rows, columns }: PlaneRows,
  { dyFactor, xFactor, c }: { readonly dyFactor: Float64Array; readonly xFactor: Float64Array; readonly c: Float64Array },
): void {
  const c2 = 2 * columns;
  const c3 = 3 * columns;
  // Four rows per sweep, as in scaleShiftSweep.
  let a = 0;
  let offset = base;
  for (; a + 3 < rows; a += 4, offset += 4 * columns) {
    for (let j = 0, i = offset; j < columns; j++, i++) {
      const fd = dyFactor[j] as number;
      const fx = xFactor[j] as number;
      const cj = c[j] as number;
      dx[i] = (dy[i] as number) * fd - (x[i] as number) * fx + cj;
      dx[i + columns] = (dy[i + columns] as number) * fd - (x[i + columns] as number) * fx + cj;
      dx[i + c2] = (dy[i + c2] as number) * fd - (x[i + c2] as number) * fx + cj;
      dx[i + c3] = (dy[i + c3] as number) * fd - (x[i + c3] as number) * fx + cj;
    }
  }
  for (; a < rows; a++, offset += columns) {
    for (let j = 0, i = offset; j < columns; j++, i++) {
      dx[i] = (dy[i] as number) * (dyFactor[j] as number) - (x[i] as number) * (xFactor[j] as number) + (c[j] as number);
    }
  }
}

function inputGradientRuns({ dx, x, dy, view }: ApplyArrays, terms: ApplyTerms): void {
  const { outer, rows, kept, inner, columns } = planeGeometry(view);
  const { mean, outScale, constant, centeredFactor, features } = terms;
  const { gamma } = features;
  const sliding = features.present && features.stride === 1;
  for (let o = 0; o < outer; o++) {
    for (let a = 0; a < rows; a++) {
      for (let k = 0; k < kept; k++) {
        const s = o * kept + k;
        const m = mean[s] as number;
        const out = outScale[s] as number;
        const xFactor = centeredFactor[s] as number;
        const c = constant[s] as number;
        const run = (o * rows + a) * columns + k * inner;
        for (let t = 0; t < inner; ) {
          const end = featurePieceEnd(k * inner, t, inner, features);
          const f = featureIndexAt(k * inner + t, features);
          const stop = run + end;
          // Four elements per iteration, as in scaleShiftRuns; −(x − m)·f − c folded to
          // −x·f + (m·f − c).
          const offsetTerm = m * xFactor - c;
          let i = run + t;
          if (sliding) {
            let ff = f;
            for (; i + 3 < stop; i += 4, ff += 4) {
              dx[i] = (dy[i] as number) * ((gamma[ff] as number) * out) - (x[i] as number) * xFactor + offsetTerm;
              dx[i + 1] = (dy[i + 1] as number) * ((gamma[ff + 1] as number) * out) - (x[i + 1] as number) * xFactor + offsetTerm;
              dx[i + 2] = (dy[i + 2] as number) * ((gamma[ff + 2] as number) * out) - (x[i + 2] as number) * xFactor + offsetTerm;
              dx[i + 3] = (dy[i + 3] as number) * ((gamma[ff + 3] as number) * out) - (x[i + 3] as number) * xFactor + offsetTerm;
            }
            for (; i < stop; i++, ff++) dx[i] = (dy[i] as number) * ((gamma[ff] as number) * out) - (x[i] as number) * xFactor + offsetTerm;
          } else {
            const dyFactor = (gamma[f] as number) * out;
            for (; i + 3 < stop; i += 4) {
              dx[i] = (dy[i] as number) * dyFactor - (x[i] as number) * xFactor + offsetTerm;
              dx[i + 1] = (dy[i + 1] as number) * dyFactor - (x[i + 1] as number) * xFactor + offsetTerm;
              dx[i + 2] = (dy[i + 2] as number) * dyFactor - (x[i + 2] as number) * xFactor + offsetTerm;
              dx[i + 3] = (dy[i + 3] as number) * dyFactor - (x[i + 3] as number) * xFactor + offsetTerm;
            }
            for (; i < stop; i++) dx[i] = (dy[i] as number) * dyFactor - (x[i] as number) * xFactor + offsetTerm;
          }
          t = end;
        }
      }
    }
  }
}

// Pure annotations: see ./moments.ts.
export const inputGradientCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(INPUT_GRADIENT);
export const inputGradientWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(INPUT_GRADIENT);
