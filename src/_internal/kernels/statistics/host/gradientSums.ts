/**
 * `FeatstatsGradientSums` on cpu and wasm (contract in `../contract.ts`): Σg, Σg·x̂ per
 * statistic [, dγ = Σdy·x̂, dβ = Σdy per feature].
 *
 * Per statistic, with d = x − mean: Σg = Σ γ·dy and Σg·x̂ = scale·Σ γ·dy·d; per feature,
 * dβ = Σdy and dγ = Σ scale·dy·d. The plane path first sums dy and dy·d per column over
 * the rows (float64), then folds the columns into statistics and features.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel, type HostOutputSpec } from '../../host/adapter';
import { featureLayoutOf, statisticsShape, statisticsViewOf, type StatisticsView } from '../view';
import { columnFeatureIndex, featureIndexAt, featurePieceEnd, featuresAlongRows, featureValuesOf, floatInput, PLANE_MAX_ROW, planeGeometry, statisticValues, type FeatureValues, type PlaneRows } from './common';
import { columnArrays, compiledPlanes, type ColumnTriple, type CompiledPlanes } from './planes';
import { compiledRuns, statisticsScratch, type CompiledRuns } from './runs';

const GRADIENT_SUMS: HostKernel = {
  // Runs: γ, dγ, dβ, four per-statistic arrays and a piece's two sums, float64.
  heapScratch: /* @__PURE__ */ statisticsScratch(3, (statistics, features) => 3 * features + 4 * statistics + 2),
  outputs: (inputs, attrs) => {
    const shape = statisticsShape(statisticsViewOf(attrs, inputs.x as tf.TensorInfo));
    const specs: HostOutputSpec[] = [
      { shape, dtype: 'float32' },
      { shape: [...shape], dtype: 'float32' },
    ];
    if (attrs.affineGradients === true) {
      const { size } = featureLayoutOf(attrs);
      specs.push({ shape: [size], dtype: 'float32' }, { shape: [size], dtype: 'float32' });
    }
    return specs;
  },
  run(inputs, outputs, attrs, context) {
    const x = floatInput(inputs, 'x');
    const dy = floatInput(inputs, 'dy');
    const view = statisticsViewOf(attrs, requiredInput(inputs, 'x'));
    const affineGradients = attrs.affineGradients === true;
    const terms: SumTerms = {
      mean: statisticValues(inputs.mean, view, 0),
      scale: statisticValues(inputs.scale, view, 1),
      features: featureValuesOf(inputs, featureLayoutOf(attrs), view, affineGradients),
    };
    const statistics = view.outer * view.kept;
    const arrays: SumArrays = { x, dy, view };
    let sums: Sums;
    if (view.reducedInner <= PLANE_MAX_ROW) {
      sums = sumsOf(view, terms.features);
      gradientSumsPlanes(arrays, terms, sums, compiledPlanes(context, { view, arrays: [x, dy], count: 3 }));
    } else {
      const size = terms.features.size;
      const doubles = [size, size, size, statistics, statistics, statistics, statistics, 2];
      sums = gradientRunSums(arrays, terms, compiledLoops(view, terms.features) ? compiledRuns(context, { inputs: [x, dy], outputs: [], doubles }) : undefined);
    }
    (outputs[0] as Float32Array).set(sums.sumG);
    (outputs[1] as Float32Array).set(sums.sumGNormalized);
    if (affineGradients) {
      (outputs[2] as Float32Array).set(sums.dGamma);
      (outputs[3] as Float32Array).set(sums.dBeta);
    }
  },
};

function sumsOf(view: StatisticsView, features: FeatureValues): Sums {
  const statistics = view.outer * view.kept;
  return { sumG: new Float64Array(statistics), sumGNormalized: new Float64Array(statistics), dGamma: new Float64Array(features.size), dBeta: new Float64Array(features.size) };
}

/**
 * The sums of a view of long runs: compiled where `compiled` is given, else the
 * TypeScript loops. Exported for tests (the two float64 results bit for bit), not from
 * the package.
 */
export function gradientRunSums(arrays: SumArrays, terms: SumTerms, compiled: CompiledRuns | undefined): Sums {
  const sums = sumsOf(arrays.view, terms.features);
  if (compiled !== undefined && compiledLoops(arrays.view, terms.features)) gradientSumsRunsCompiled(arrays, terms, sums, compiled);
  else if (featuresAlongRows(arrays.view, terms.features)) gradientSumsAlongRows(arrays, terms, sums);
  else gradientSumsRuns(arrays, terms, sums);
  return sums;
}

/** Whether the runs have a compiled loop: all but the sliding pieces other than layer norm's (γ along a run, rare). */
function compiledLoops(view: StatisticsView, features: FeatureValues): boolean {
  return !(features.present && features.stride === 1) || featuresAlongRows(view, features);
}


/**
 * gradientSumsAlongRows (one call) and gradientSumsRuns' pieces of constant γ (one call
 * each, the folding into statistics and features here as in the TypeScript loop),
 * compiled.
 */
function gradientSumsRunsCompiled({ view }: SumArrays, { mean, scale, features }: SumTerms, sums: Sums, { sweeps, at, doubles }: CompiledRuns): void {
  const { outer, rows, kept, inner, columns } = planeGeometry(view);
  const [gamma, dGamma, dBeta, m, sc, sumG, sumGNormalized, pieceSums] = doubles as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const [xAt, dyAt] = at as [number, number];
  if (featuresAlongRows(view, features)) {
    gamma.set(features.gamma);
    m.set(mean);
    sc.set(scale);
    dGamma.fill(0);
    dBeta.fill(0);
    sweeps.gradSumsAlong(xAt, dyAt, outer, inner, gamma.byteOffset, m.byteOffset, sc.byteOffset, sumG.byteOffset, sumGNormalized.byteOffset, dGamma.byteOffset, dBeta.byteOffset);
    sums.sumG.set(sumG);
    sums.sumGNormalized.set(sumGNormalized);
    sums.dGamma.set(dGamma);
    sums.dBeta.set(dBeta);
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let a = 0; a < rows; a++) {
      for (let k = 0; k < kept; k++) {
        const s = o * kept + k;
        const ms = mean[s] as number;
        const scs = scale[s] as number;
        const run = (o * rows + a) * columns + k * inner;
        let t1 = 0;
        let t2 = 0;
        for (let t = 0; t < inner; ) {
          const end = featurePieceEnd(k * inner, t, inner, features);
          const f = featureIndexAt(k * inner + t, features);
          sweeps.gradSumsRun(xAt + 4 * (run + t), dyAt + 4 * (run + t), end - t, ms, pieceSums.byteOffset);
          const c1 = pieceSums[0] as number;
          const c2 = pieceSums[1] as number;
          const gv = features.gamma[f] as number;
          t1 += gv * c1;
          t2 += gv * c2;
          if (features.present) {
            sums.dBeta[f] = (sums.dBeta[f] as number) + c1;
            sums.dGamma[f] = (sums.dGamma[f] as number) + scs * c2;
          }
          t = end;
        }
        sums.sumG[s] = (sums.sumG[s] as number) + t1;
        sums.sumGNormalized[s] = (sums.sumGNormalized[s] as number) + scs * t2;
      }
    }
  }
}

/** The arrays the sums read, over the view. */
export interface SumArrays {
  readonly x: Float32Array;
  readonly dy: Float32Array;
  readonly view: StatisticsView;
}

/** The sums' inputs, float64: x̂ = (x − mean)·scale, and γ. */
export interface SumTerms {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  readonly features: FeatureValues;
}

export interface Sums {
  readonly sumG: Float64Array;
  readonly sumGNormalized: Float64Array;
  readonly dGamma: Float64Array;
  readonly dBeta: Float64Array;
}

function gradientSumsPlanes({ x, dy, view }: SumArrays, terms: SumTerms, sums: Sums, compiled?: CompiledPlanes): void {
  const { outer, rows, kept, inner, columns } = planeGeometry(view);
  const { mean, scale, features } = terms;
  const index = columnFeatureIndex(view, features);
  const [m, sumDy, sumDyCentered] = columnArrays(compiled, view, 3) as ColumnTriple;
  for (let o = 0; o < outer; o++) {
    for (let k = 0, j = 0; k < kept; k++) for (let b = 0; b < inner; b++, j++) m[j] = mean[o * kept + k] as number;
    sumDy.fill(0);
    sumDyCentered.fill(0);
    const base = o * rows * columns;
    if (compiled !== undefined) {
      compiled.rows({ inputs: [x, dy], outputs: [] }, { base, rows }, ([xAt, dyAt], chunk) =>
        compiled.sweeps.gradSumsPlane(xAt as number, dyAt as number, chunk, columns, m.byteOffset, sumDy.byteOffset, sumDyCentered.byteOffset),
      );
    } else {
      gradientSumsSweep({ x, dy }, { base, rows, columns }, m, { sumDy, sumDyCentered });
    }
    for (let k = 0, j = 0; k < kept; k++) {
      const s = o * kept + k;
      const sc = scale[s] as number;
      let t1 = 0;
      let t2 = 0;
      for (let b = 0; b < inner; b++, j++) {
        const f = index[j] as number;
        const gamma = features.gamma[f] as number;
        const c1 = sumDy[j] as number;
        const c2 = sumDyCentered[j] as number;
        t1 += gamma * c1;
        t2 += gamma * c2;
        sums.dBeta[f] = (sums.dBeta[f] as number) + c1;
        sums.dGamma[f] = (sums.dGamma[f] as number) + sc * c2;
      }
      sums.sumG[s] = t1;
      sums.sumGNormalized[s] = sc * t2;
    }
  }
}

/** Σdy and Σdy·(x − m) per column over a plane's rows (`gradSumsPlane` in planeSweeps.c). */
function gradientSumsSweep(
  { x, dy }: { readonly x: Float32Array; readonly dy: Float32Array },
  { base, rows, columns }: PlaneRows,
  m: Float64Array,
  { sumDy, sumDyCentered }: { readonly sumDy: Float64Array; readonly sumDyCentered: Float64Array },
): void {
  const c2 = 2 * columns;
  const c3 = 3 * columns;
  // Four rows per sweep, as in momentsSweep.
  let a = 0;
  for (let offset = base; a + 3 < rows; a += 4, offset += 4 * columns) {
    for (let j = 0, i = offset; j < columns; j++, i++) {
      const mj = m[j] as number;
      const g0 = dy[i] as number;
      const g1 = dy[i + columns] as number;
      const g2 = dy[i + c2] as number;
      const g3 = dy[i + c3] as number;
      sumDy[j] = (sumDy[j] as number) + (g0 + g1 + (g2 + g3));
      sumDyCentered[j] =
        (sumDyCentered[j] as number) +
        (g0 * ((x[i] as number) - mj) + g1 * ((x[i + columns] as number) - mj) + (g2 * ((x[i + c2] as number) - mj) + g3 * ((x[i + c3] as number) - mj)));
    }
  }
  for (; a < rows; a++) {
    for (let j = 0, i = base + a * columns; j < columns; j++, i++) {
      const d = dy[i] as number;
      sumDy[j] = (sumDy[j] as number) + d;
      sumDyCentered[j] = (sumDyCentered[j] as number) + d * ((x[i] as number) - (m[j] as number));
    }
  }
}

function gradientSumsAlongRows({ x, dy, view }: SumArrays, { mean, scale, features }: SumTerms, sums: Sums): void {
  const { outer, reducedInner: n } = view;
  const { gamma } = features;
  const { dGamma, dBeta, sumG, sumGNormalized } = sums;
  let o = 0;
  for (; o + 3 < outer; o += 4) {
    const [m0, m1, m2, m3] = [mean[o] as number, mean[o + 1] as number, mean[o + 2] as number, mean[o + 3] as number];
    const [s0, s1, s2, s3] = [scale[o] as number, scale[o + 1] as number, scale[o + 2] as number, scale[o + 3] as number];
    let g0 = 0;
    let g1 = 0;
    let g2 = 0;
    let g3 = 0;
    let n0 = 0;
    let n1 = 0;
    let n2 = 0;
    let n3 = 0;
    for (let t = 0, i = o * n; t < n; t++, i++) {
      const gt = gamma[t] as number;
      const d0 = dy[i] as number;
      const d1 = dy[i + n] as number;
      const d2 = dy[i + 2 * n] as number;
      const d3 = dy[i + 3 * n] as number;
      const c0 = d0 * ((x[i] as number) - m0);
      const c1 = d1 * ((x[i + n] as number) - m1);
      const c2 = d2 * ((x[i + 2 * n] as number) - m2);
      const c3 = d3 * ((x[i + 3 * n] as number) - m3);
      g0 += gt * d0;
      g1 += gt * d1;
      g2 += gt * d2;
      g3 += gt * d3;
      n0 += gt * c0;
      n1 += gt * c1;
      n2 += gt * c2;
      n3 += gt * c3;
      dBeta[t] = (dBeta[t] as number) + (d0 + d1 + (d2 + d3));
      dGamma[t] = (dGamma[t] as number) + (s0 * c0 + s1 * c1 + (s2 * c2 + s3 * c3));
    }
    sumG[o] = g0;
    sumG[o + 1] = g1;
    sumG[o + 2] = g2;
    sumG[o + 3] = g3;
    sumGNormalized[o] = s0 * n0;
    sumGNormalized[o + 1] = s1 * n1;
    sumGNormalized[o + 2] = s2 * n2;
    sumGNormalized[o + 3] = s3 * n3;
  }
  for (; o < outer; o++) {
    const m = mean[o] as number;
    const sc = scale[o] as number;
    let g = 0;
    let normalized = 0;
    for (let t = 0, i = o * n; t < n; t++, i++) {
      const gt = gamma[t] as number;
      const d = dy[i] as number;
      const c = d * ((x[i] as number) - m);
      g += gt * d;
      normalized += gt * c;
      dBeta[t] = (dBeta[t] as number) + d;
      dGamma[t] = (dGamma[t] as number) + sc * c;
    }
    sumG[o] = g;
    sumGNormalized[o] = sc * normalized;
  }
}

function gradientSumsRuns({ x, dy, view }: SumArrays, { mean, scale, features }: SumTerms, sums: Sums): void {
  const { outer, rows, kept, inner, columns } = planeGeometry(view);
  const { gamma } = features;
  const { dGamma, dBeta, sumG, sumGNormalized } = sums;
  const sliding = features.present && features.stride === 1;
  for (let o = 0; o < outer; o++) {
    for (let a = 0; a < rows; a++) {
      for (let k = 0; k < kept; k++) {
        const s = o * kept + k;
        const m = mean[s] as number;
        const sc = scale[s] as number;
        const run = (o * rows + a) * columns + k * inner;
        let t1 = 0;
        let t2 = 0;
        for (let t = 0; t < inner; ) {
          const end = featurePieceEnd(k * inner, t, inner, features);
          const f = featureIndexAt(k * inner + t, features);
          const stop = run + end;
          if (sliding) {
            let u1 = 0;
            let u2 = 0;
            for (let i = run + t, ff = f; i < stop; i++, ff++) {
              const d = dy[i] as number;
              const dc = d * ((x[i] as number) - m);
              const gv = gamma[ff] as number;
              u1 += gv * d;
              u2 += gv * dc;
              dBeta[ff] = (dBeta[ff] as number) + d;
              dGamma[ff] = (dGamma[ff] as number) + sc * dc;
            }
            t1 += u1;
            t2 += u2;
          } else {
            // Four elements per iteration into two accumulator pairs, as in momentsRuns.
            let c1a = 0;
            let c1b = 0;
            let c2a = 0;
            let c2b = 0;
            let i = run + t;
            for (; i + 3 < stop; i += 4) {
              const d0 = dy[i] as number;
              const d1 = dy[i + 1] as number;
              const d2 = dy[i + 2] as number;
              const d3 = dy[i + 3] as number;
              c1a += d0 + d2;
              c2a += d0 * ((x[i] as number) - m) + d2 * ((x[i + 2] as number) - m);
              c1b += d1 + d3;
              c2b += d1 * ((x[i + 1] as number) - m) + d3 * ((x[i + 3] as number) - m);
            }
            for (; i < stop; i++) {
              const d = dy[i] as number;
              c1a += d;
              c2a += d * ((x[i] as number) - m);
            }
            const c1 = c1a + c1b;
            const c2 = c2a + c2b;
            const gv = gamma[f] as number;
            t1 += gv * c1;
            t2 += gv * c2;
            if (features.present) {
              dBeta[f] = (dBeta[f] as number) + c1;
              dGamma[f] = (dGamma[f] as number) + sc * c2;
            }
          }
          t = end;
        }
        sumG[s] = (sumG[s] as number) + t1;
        sumGNormalized[s] = (sumGNormalized[s] as number) + sc * t2;
      }
    }
  }
}

// Pure annotations: see ./moments.ts.
export const gradientSumsCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(GRADIENT_SUMS);
export const gradientSumsWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(GRADIENT_SUMS);
