/**
 * cpu and wasm implementations of the statistics kernels of `../stats4.ts` (contracts
 * there), each written once as a host kernel over typed arrays (`../host.ts`).
 *
 * **Precision.** Every sum is a float64 accumulator (JS numbers, `Float64Array` scratch);
 * only the outputs are rounded to float32. The moments take one pass with a shifted
 * algorithm: with k the first element of each statistic's group and d = x − k,
 * `mean = k + Σd/M`, `var = (Σd² − (Σd)²/M)/(M − ddof)` (clamped at 0). In float64 the
 * cancellation costs ~1e-16·((μ − k)/σ)² relative, far below float32; a constant group
 * has d = 0 exactly, so its mean is exactly the constant and its variance exactly 0.
 *
 * **Loops.** The view `[P, A, Q, B]` is walked in memory order, never transposed. Short
 * rows (B ≤ {@link PLANE_MAX_ROW}: NHWC `[N, L, C, 1]`, `[N, L, G, C/G]`, `[1, N·L, C, 1]`)
 * are walked as planes: per p, the Q·B columns of one `a` form a flat inner loop over
 * per-column float64 coefficients (Q·B ≤ 16·Q values, computed once per p). Long rows
 * (NCHW `[N, 1, C, L]`, `[1, N, C, L]`, `[N, 1, G, (C/G)·L]`, layer norm `[B, 1, 1, M]`)
 * get per-(p, q) scalars and a tight loop over the contiguous row, split into chunks
 * where γ/β are constant (stride > 1) or slide along γ (stride 1). The affine index
 * ⌊j / stride⌋ mod size of column j = q·B + b is computed per column or per chunk, never
 * per element. Scratch is O(P·Q + Q·B + affineSize) (with Q·B ≤ 16·Q on the plane
 * path), never proportional to x.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, hostTesting, wasmKernel, type Heap, type HostInput, type HostKernel, type HostOutputSpec } from '../host';
import { stats4Sweeps, type Stats4Sweeps } from './stats4Wasm';

/** Rows up to this length are walked as planes of Q·B columns; longer rows one by one. */
const PLANE_MAX_ROW = 16;

interface View {
  readonly P: number;
  readonly A: number;
  readonly Q: number;
  readonly B: number;
  /** Columns of one (p, a): Q·B. */
  readonly QB: number;
  /** Elements per statistic: A·B. */
  readonly M: number;
}

/** The view of a call: the `view` attr, else x's own shape (see `../stats4.ts`). */
function viewOf(x: { readonly shape: readonly number[] }, attrs: tf.NamedAttrMap): View {
  const shape = (attrs.view as number[] | undefined) ?? x.shape;
  if (shape.length !== 4) throw new Error(`featstats: stats4 kernels need a 4-D view but got [${shape.join(',')}]`);
  const [P = 1, A = 1, Q = 1, B = 1] = shape;
  return { P, A, Q, B, QB: Q * B, M: A * B };
}

function statsShape(info: tf.TensorInfo, attrs: tf.NamedAttrMap): number[] {
  const { P, Q } = viewOf(info, attrs);
  return [P, 1, Q, 1];
}

function input(inputs: Readonly<Record<string, HostInput>>, name: string): Float32Array {
  const found = inputs[name];
  if (found === undefined) throw new Error(`featstats: stats4 kernel input ${name} is missing`);
  return found.values as Float32Array;
}

/**
 * A statistic `[P, 1, Q, 1]` (or any shape broadcasting to it) as P·Q float64 values,
 * `fill` everywhere when absent. Broadcasting here lets callers pass `[1, 1, Q, 1]`.
 */
function statistic(given: HostInput | undefined, view: View, fill: number): Float64Array {
  const out = new Float64Array(view.P * view.Q);
  if (given === undefined) return out.fill(fill);
  const shape = [1, 1, 1, 1, ...given.shape].slice(-4);
  const [p0 = 1, a0 = 1, q0 = 1, b0 = 1] = shape;
  if (given.shape.length > 4 || a0 !== 1 || b0 !== 1 || (p0 !== 1 && p0 !== view.P) || (q0 !== 1 && q0 !== view.Q)) {
    throw new Error(`featstats: a statistic must broadcast to [${view.P},1,${view.Q},1] but got [${given.shape.join(',')}]`);
  }
  const values = given.values;
  const pStride = p0 === 1 ? 0 : q0;
  const qStride = q0 === 1 ? 0 : 1;
  for (let p = 0, g = 0; p < view.P; p++) {
    for (let q = 0; q < view.Q; q++, g++) out[g] = values[p * pStride + q * qStride] as number;
  }
  return out;
}

/** The affine map of a call: stride, size and γ, β as float64 (1 and 0 when absent). */
interface Affine {
  readonly stride: number;
  readonly size: number;
  /** Whether the affine index matters (γ or β given, or dγ/dβ wanted). */
  readonly present: boolean;
  readonly gamma: Float64Array;
  readonly beta: Float64Array;
}

function affineOf(inputs: Readonly<Record<string, HostInput>>, attrs: tf.NamedAttrMap, view: View): Affine {
  const stride = (attrs.affineStride as number | undefined) ?? 1;
  const size = (attrs.affineSize as number | undefined) ?? 1;
  const gamma = new Float64Array(size).fill(1);
  const beta = new Float64Array(size);
  const present = inputs.gamma !== undefined || inputs.beta !== undefined || attrs.affineGrads === true;
  if (present && view.QB % (stride * size) !== 0) {
    throw new Error(`featstats: affineStride·affineSize (${stride}·${size}) must divide Q·B = ${view.QB}`);
  }
  if (inputs.gamma !== undefined) gamma.set(inputs.gamma.values);
  if (inputs.beta !== undefined) beta.set(inputs.beta.values);
  return { stride, size, present, gamma, beta };
}

/** Affine index of every column j = q·B + b of a plane. */
function columnAffineIndex(view: View, affine: Affine): Int32Array {
  const index = new Int32Array(view.QB);
  for (let j = 0; j < view.QB; j++) index[j] = Math.floor(j / affine.stride) % affine.size;
  return index;
}

/**
 * The end (offset within the row starting at column `j0`, length `length`) of the chunk
 * that starts at offset `t`, over which the affine index is constant (stride > 1) or
 * advances by one per element (stride 1). The rows loops walk chunks with this instead of
 * a callback: a closure that updates the caller's accumulators makes them context
 * variables, several times slower in the inner loop.
 */
function chunkEnd(j0: number, t: number, length: number, affine: Affine): number {
  if (!affine.present) return length;
  const j = j0 + t;
  const run = affine.stride === 1 ? affine.size - (j % affine.size) : affine.stride - (j % affine.stride);
  return Math.min(length, t + run);
}

/** The affine index of column j. */
function affineIndexAt(j: number, affine: Affine): number {
  return affine.present ? Math.floor(j / affine.stride) % affine.size : 0;
}

/**
 * Whether the call is layer norm's shape: one statistic per row p (`[P, 1, 1, B]`) and
 * γ, β running along the whole row (stride 1, size B), the same for every row. The
 * `…AlongRows` loops then take four rows per sweep, so each γ[t], β[t] (and each dγ[t],
 * dβ[t] read-modify-write) serves four elements instead of one. (The gradient apply has
 * no per-element accumulator and measured no faster that way, so it has no such loop.)
 */
function alongRows(view: View, affine: Affine): boolean {
  return affine.present && affine.stride === 1 && affine.size === view.B && view.A === 1 && view.Q === 1;
}

/**
 * The plane sweeps compiled to WebAssembly (`./stats4.c`), with `count` float64
 * coefficient arrays of Q·B in the memory they work in, and the way rows reach them:
 *
 * - wasm backend (`heap` given, every array of the call in its memory): in place, one
 *   call per plane on the tensors where they are.
 * - otherwise (the cpu backend): staged through the module's own small memory, in
 *   chunks of rows (a multiple of 4, so the sweeps group rows exactly as over the whole
 *   plane): each chunk of the inputs copied in, swept, and the outputs' chunk copied
 *   out. The copies are block copies, which cost far less than the JavaScript sweep
 *   they replace.
 *
 * Undefined where WebAssembly (with SIMD) is unavailable, or for long rows: then the
 * TypeScript sweeps run. Every way gives the same values bit for bit.
 */
interface Compiled {
  readonly sweeps: Stats4Sweeps;
  readonly scratch: Float64Array[];
  /**
   * Sweeps rows [0, A) of the plane starting at element `base`: `sweep(addresses, rows)`
   * gets the byte address of the first row of each input, then of each output.
   */
  rows(inputs: Float32Array[], outputs: Float32Array[], base: number, A: number, sweep: (addresses: number[], rows: number) => void): void;
}

function compiledPlanes(heap: Heap | undefined, arrays: Float32Array[], view: View, count: number): Compiled | undefined {
  if (view.B > PLANE_MAX_ROW || hostTesting.statsEngine === 'typescript') return undefined;
  const { QB } = view;
  if (heap !== undefined && heap.scratchBytes >= count * QB * 8 && arrays.every((a) => a.buffer === heap.memory.buffer)) {
    const sweeps = stats4Sweeps(heap.memory);
    if (sweeps === undefined) return undefined;
    hostTesting.compiledStatsCalls++;
    const buffer = heap.memory.buffer;
    return {
      sweeps,
      scratch: Array.from({ length: count }, (_, i) => new Float64Array(buffer, heap.scratch + i * QB * 8, QB)),
      rows: (inputs, outputs, base, A, sweep) => sweep([...inputs, ...outputs].map((t) => t.byteOffset + 4 * base), A),
    };
  }
  return stagedPlanes(view, count);
}

/** Elements per staged chunk of one array (256 KiB: three of them stay in L2). */
const STAGE_ELEMENTS = 1 << 16;
/** Arrays one sweep stages at most (gradApply: x, dy and dx). */
const STAGED_ARRAYS = 3;

/** The module's own memory for staged sweeps, made on first use and grown as needed. */
let staging: WebAssembly.Memory | undefined;

/** Rows per staged chunk of a plane of Q·B columns: a multiple of 4, so the sweeps group rows as over the whole plane. */
function chunkRowsOf(QB: number): number {
  return Math.max(4, Math.floor(STAGE_ELEMENTS / QB / 4) * 4);
}

/**
 * The sweeps on the staging memory, grown to `count` float64 coefficient arrays of Q·B
 * (the returned `scratch`) followed by `dataBytes` for staged rows from `dataOffset`; or
 * undefined where the module cannot run.
 */
function stagedSweeps(QB: number, count: number, dataBytes: number): { sweeps: Stats4Sweeps; scratch: Float64Array[]; buffer: ArrayBuffer; dataOffset: number } | undefined {
  const dataOffset = count * QB * 8;
  if (typeof WebAssembly !== 'object') return undefined;
  try {
    staging ??= new WebAssembly.Memory({ initial: 1 });
    const pages = Math.ceil((dataOffset + dataBytes) / 65536) - staging.buffer.byteLength / 65536;
    if (pages > 0) staging.grow(pages);
  } catch {
    return undefined;
  }
  const sweeps = stats4Sweeps(staging);
  if (sweeps === undefined) return undefined;
  hostTesting.compiledStatsCalls++;
  const buffer = staging.buffer as ArrayBuffer;
  const scratch = Array.from({ length: count }, (_, i) => new Float64Array(buffer, i * QB * 8, QB));
  return { sweeps, scratch, buffer, dataOffset };
}

function stagedPlanes(view: View, count: number): Compiled | undefined {
  const { QB } = view;
  const chunkRows = chunkRowsOf(QB);
  const staged = stagedSweeps(QB, count, STAGED_ARRAYS * chunkRows * QB * 4);
  if (staged === undefined) return undefined;
  const { sweeps, scratch, buffer, dataOffset } = staged;
  const chunks = Array.from({ length: STAGED_ARRAYS }, (_, i) => new Float32Array(buffer, dataOffset + i * chunkRows * QB * 4, chunkRows * QB));
  return {
    sweeps,
    scratch,
    rows: (inputs, outputs, base, A, sweep) => {
      const addresses = chunks.slice(0, inputs.length + outputs.length).map((chunk) => chunk.byteOffset);
      for (let a = 0; a < A; a += chunkRows) {
        const rows = Math.min(chunkRows, A - a);
        const start = base + a * QB;
        const end = start + rows * QB;
        inputs.forEach((t, i) => (chunks[i] as Float32Array).set(t.subarray(start, end)));
        sweep(addresses, rows);
        outputs.forEach((t, i) => t.set((chunks[inputs.length + i] as Float32Array).subarray(0, rows * QB), start));
      }
    },
  };
}

/** The call's per-column float64 arrays: the compiled call's scratch, else fresh ones. */
function columnArrays(compiled: Compiled | undefined, view: View, count: number): Float64Array[] {
  return compiled?.scratch ?? Array.from({ length: count }, () => new Float64Array(view.QB));
}

type Triple = [Float64Array, Float64Array, Float64Array];

/** `heapScratch` of a kernel whose plane path takes `count` coefficient arrays. */
function planeScratch(count: number): NonNullable<HostKernel['heapScratch']> {
  return (inputs, attrs) => {
    const view = viewOf(inputs.x as tf.TensorInfo, attrs);
    return view.B <= PLANE_MAX_ROW ? count * view.QB * 8 : 0;
  };
}

// ── FeatstatsMoments4 ────────────────────────────────────────────────────────────────

const MOMENTS4: HostKernel = {
  heapScratch: /* @__PURE__ */ planeScratch(3),
  outputs: (inputs, attrs): HostOutputSpec[] => {
    const shape = statsShape(inputs.x as tf.TensorInfo, attrs);
    return [
      { shape, dtype: 'float32' },
      { shape: [...shape], dtype: 'float32' },
    ];
  },
  run(inputs, outputs, attrs, heap) {
    const x = input(inputs, 'x');
    const [mean, variance] = outputs as [Float32Array, Float32Array];
    moments(x, viewOf(inputs.x as HostInput, attrs), (attrs.ddof as number | undefined) ?? 0, mean, variance, heap);
  },
};

/** The float64 sums of the shifted moments, per statistic. */
interface Sums {
  readonly shift: Float64Array;
  readonly sum: Float64Array;
  readonly sumSquares: Float64Array;
}

function sumsOf(view: View): Sums {
  const groups = view.P * view.Q;
  return { shift: new Float64Array(groups), sum: new Float64Array(groups), sumSquares: new Float64Array(groups) };
}

/** Mean and variance (÷ (M − ddof)) of every statistic of x. */
function moments(x: Float32Array, view: View, ddof: number, mean: Float32Array, variance: Float32Array, heap?: Heap): void {
  const sums = sumsOf(view);
  if (view.B <= PLANE_MAX_ROW) momentsPlanes(x, view, sums, compiledPlanes(heap, [x], view, 3));
  else momentsRows(x, view, sums);
  finishMoments(view, ddof, sums, mean, variance, 0, view.P * view.Q);
}

/** Mean and variance of statistics [from, to) from their sums, rounded to float32 once. */
function finishMoments(view: View, ddof: number, sums: Sums, mean: Float32Array, variance: Float32Array, from: number, to: number): void {
  const { shift, sum, sumSquares } = sums;
  const { M } = view;
  for (let g = from; g < to; g++) {
    const s = sum[g] as number;
    const centered = (sumSquares[g] as number) - (s * s) / M;
    mean[g] = (shift[g] as number) + s / M;
    // `< 0` rather than `> 0 ?` so that a NaN propagates as in the composite.
    variance[g] = (centered < 0 ? 0 : centered) / (M - ddof);
  }
}

function momentsPlanes(x: Float32Array, view: View, sums: Sums, compiled?: Compiled): void {
  const { P, A, B, QB } = view;
  const [k, s1, s2] = columnArrays(compiled, view, 3) as Triple;
  for (let p = 0; p < P; p++) {
    const base = p * A * QB;
    for (let j = 0; j < QB; j++) k[j] = x[base + j - (j % B)] as number;
    s1.fill(0);
    s2.fill(0);
    if (compiled !== undefined) compiled.rows([x], [], base, A, ([xAt], rows) => compiled.sweeps.momentsPlane(xAt as number, rows, QB, k.byteOffset, s1.byteOffset, s2.byteOffset));
    else momentsSweep(x, base, A, QB, k, s1, s2);
    foldMoments(view, p, k, s1, s2, sums);
  }
}

/** Σd and Σd² per column over the plane's A rows from `base`, d = x − k (`momentsPlane` in stats4.c). */
function momentsSweep(x: Float32Array, base: number, A: number, QB: number, k: Float64Array, s1: Float64Array, s2: Float64Array): void {
  const Q2 = 2 * QB;
  const Q3 = 3 * QB;
  // Four rows a … a + 3 per sweep: a quarter of the float64 read-modify-writes per
  // element, and the loop's overhead paid once for four.
  let a = 0;
  for (let offset = base; a + 3 < A; a += 4, offset += 4 * QB) {
    for (let j = 0, i = offset; j < QB; j++, i++) {
      const kj = k[j] as number;
      const d0 = (x[i] as number) - kj;
      const d1 = (x[i + QB] as number) - kj;
      const d2 = (x[i + Q2] as number) - kj;
      const d3 = (x[i + Q3] as number) - kj;
      s1[j] = (s1[j] as number) + (d0 + d1 + (d2 + d3));
      s2[j] = (s2[j] as number) + (d0 * d0 + d1 * d1 + (d2 * d2 + d3 * d3));
    }
  }
  for (; a < A; a++) {
    for (let j = 0, i = base + a * QB; j < QB; j++, i++) {
      const d = (x[i] as number) - (k[j] as number);
      s1[j] = (s1[j] as number) + d;
      s2[j] = (s2[j] as number) + d * d;
    }
  }
}

/** Plane p's per-column sums folded into its Q statistics. */
function foldMoments(view: View, p: number, k: Float64Array, s1: Float64Array, s2: Float64Array, sums: Sums): void {
  const { Q, B } = view;
  const { shift, sum, sumSquares } = sums;
  for (let q = 0, j = 0; q < Q; q++) {
    const g = p * Q + q;
    shift[g] = k[j] as number;
    let t1 = 0;
    let t2 = 0;
    for (let b = 0; b < B; b++, j++) {
      t1 += s1[j] as number;
      t2 += s2[j] as number;
    }
    sum[g] = t1;
    sumSquares[g] = t2;
  }
}

function momentsRows(x: Float32Array, view: View, sums: Sums): void {
  const { P, A, Q, B, QB } = view;
  const { shift, sum, sumSquares } = sums;
  for (let p = 0; p < P; p++) {
    const base = p * A * QB;
    for (let q = 0; q < Q; q++) shift[p * Q + q] = x[base + q * B] as number;
    for (let a = 0; a < A; a++) {
      for (let q = 0; q < Q; q++) {
        const g = p * Q + q;
        const k = shift[g] as number;
        const start = base + a * QB + q * B;
        const end = start + B;
        // Four elements per iteration into two accumulator pairs: half the add latency
        // chain, and the loop's overhead paid once for four.
        let s1a = 0;
        let s1b = 0;
        let s2a = 0;
        let s2b = 0;
        let i = start;
        for (; i + 3 < end; i += 4) {
          const d0 = (x[i] as number) - k;
          const d1 = (x[i + 1] as number) - k;
          const d2 = (x[i + 2] as number) - k;
          const d3 = (x[i + 3] as number) - k;
          s1a += d0 + d2;
          s2a += d0 * d0 + d2 * d2;
          s1b += d1 + d3;
          s2b += d1 * d1 + d3 * d3;
        }
        for (; i < end; i++) {
          const d = (x[i] as number) - k;
          s1a += d;
          s2a += d * d;
        }
        sum[g] = (sum[g] as number) + s1a + s1b;
        sumSquares[g] = (sumSquares[g] as number) + s2a + s2b;
      }
    }
  }
}

// ── FeatstatsScaleShift4: y = (x − mean)·scale·γ + β + shift ───────────────────────

const SCALE_SHIFT4: HostKernel = {
  // Every loop writes y[i] from x[i] alone, so y may be x's buffer.
  reusesInput: 'x',
  heapScratch: /* @__PURE__ */ planeScratch(2),
  outputs: (inputs) => [{ shape: [...(inputs.x as tf.TensorInfo).shape], dtype: 'float32', filled: true }],
  run(inputs, outputs, attrs, heap) {
    const x = input(inputs, 'x');
    const y = outputs[0] as Float32Array;
    const view = viewOf(inputs.x as HostInput, attrs);
    const mean = statistic(inputs.mean, view, 0);
    const scale = statistic(inputs.scale, view, 1);
    const shift = statistic(inputs.shift, view, 0);
    scaleShift(x, y, view, mean, scale, shift, affineOf(inputs, attrs, view), heap);
  },
};

function scaleShift(x: Float32Array, y: Float32Array, view: View, mean: Float64Array, scale: Float64Array, shift: Float64Array, affine: Affine, heap?: Heap): void {
  if (view.B <= PLANE_MAX_ROW) scaleShiftPlanes(x, y, view, mean, scale, shift, affine, compiledPlanes(heap, [x, y], view, 2));
  else if (alongRows(view, affine)) scaleShiftAlongRows(x, y, view, mean, scale, shift, affine);
  else scaleShiftRows(x, y, view, mean, scale, shift, affine);
}

function scaleShiftPlanes(
  x: Float32Array, y: Float32Array, view: View,
  mean: Float64Array, scale: Float64Array, shift: Float64Array, affine: Affine, compiled?: Compiled,
): void {
  const { P, A, QB } = view;
  const index = columnAffineIndex(view, affine);
  const [factor, offsetTerm] = columnArrays(compiled, view, 2) as [Float64Array, Float64Array];
  for (let p = 0; p < P; p++) {
    scaleShiftCoefficients(view, p, index, mean, scale, shift, affine, factor, offsetTerm);
    const base = p * A * QB;
    if (compiled !== undefined) {
      compiled.rows([x], [y], base, A, ([xAt, yAt], rows) => compiled.sweeps.scaleShiftPlane(xAt as number, yAt as number, rows, QB, factor.byteOffset, offsetTerm.byteOffset));
    } else {
      scaleShiftSweep(x, y, base, A, QB, factor, offsetTerm);
    }
  }
}

/**
 * Plane p's per-column coefficients of y = (x − m)·s·γ + β + h, folded to x·f + o with
 * f = s·γ and o = β + h − m·f: two coefficient reads per element, not three. In float64
 * the fold costs nothing a float32 output can see.
 */
function scaleShiftCoefficients(
  view: View, p: number, index: Int32Array,
  mean: ArrayLike<number>, scale: ArrayLike<number>, shift: ArrayLike<number>, affine: Affine, factor: Float64Array, offsetTerm: Float64Array,
): void {
  const { Q, B } = view;
  for (let q = 0, j = 0; q < Q; q++) {
    const g = p * Q + q;
    for (let b = 0; b < B; b++, j++) {
      const k = index[j] as number;
      const f = (scale[g] as number) * (affine.gamma[k] as number);
      factor[j] = f;
      offsetTerm[j] = (affine.beta[k] as number) + (shift[g] as number) - (mean[g] as number) * f;
    }
  }
}

/** y = x·f + o per column over the plane's A rows from `base` (`scaleShiftPlane` in stats4.c). */
function scaleShiftSweep(x: Float32Array, y: Float32Array, base: number, A: number, QB: number, factor: Float64Array, offsetTerm: Float64Array): void {
  const Q2 = 2 * QB;
  const Q3 = 3 * QB;
  // Four rows a … a + 3 per sweep: each coefficient pair is read once for four
  // elements, and the loop's own overhead is paid once for four (V8 does not unroll).
  let a = 0;
  let offset = base;
  for (; a + 3 < A; a += 4, offset += 4 * QB) {
    for (let j = 0, i = offset; j < QB; j++, i++) {
      const f = factor[j] as number;
      const o = offsetTerm[j] as number;
      y[i] = (x[i] as number) * f + o;
      y[i + QB] = (x[i + QB] as number) * f + o;
      y[i + Q2] = (x[i + Q2] as number) * f + o;
      y[i + Q3] = (x[i + Q3] as number) * f + o;
    }
  }
  for (; a < A; a++, offset += QB) {
    for (let j = 0, i = offset; j < QB; j++, i++) y[i] = (x[i] as number) * (factor[j] as number) + (offsetTerm[j] as number);
  }
}

function scaleShiftAlongRows(x: Float32Array, y: Float32Array, view: View, mean: Float64Array, scale: Float64Array, shift: Float64Array, affine: Affine): void {
  const { P, B } = view;
  const { gamma, beta } = affine;
  let p = 0;
  for (; p + 3 < P; p += 4) {
    const [m0, m1, m2, m3] = [mean[p] as number, mean[p + 1] as number, mean[p + 2] as number, mean[p + 3] as number];
    const [s0, s1, s2, s3] = [scale[p] as number, scale[p + 1] as number, scale[p + 2] as number, scale[p + 3] as number];
    const [h0, h1, h2, h3] = [shift[p] as number, shift[p + 1] as number, shift[p + 2] as number, shift[p + 3] as number];
    for (let t = 0, i = p * B; t < B; t++, i++) {
      const gt = gamma[t] as number;
      const bt = beta[t] as number;
      y[i] = ((x[i] as number) - m0) * s0 * gt + bt + h0;
      y[i + B] = ((x[i + B] as number) - m1) * s1 * gt + bt + h1;
      y[i + 2 * B] = ((x[i + 2 * B] as number) - m2) * s2 * gt + bt + h2;
      y[i + 3 * B] = ((x[i + 3 * B] as number) - m3) * s3 * gt + bt + h3;
    }
  }
  for (; p < P; p++) {
    const m = mean[p] as number;
    const sc = scale[p] as number;
    const h = shift[p] as number;
    for (let t = 0, i = p * B; t < B; t++, i++) y[i] = ((x[i] as number) - m) * sc * (gamma[t] as number) + (beta[t] as number) + h;
  }
}

function scaleShiftRows(x: Float32Array, y: Float32Array, view: View, mean: Float64Array, scale: Float64Array, shift: Float64Array, affine: Affine): void {
  const { P, A, Q, B, QB } = view;
  const { gamma, beta } = affine;
  const sliding = affine.present && affine.stride === 1;
  for (let p = 0; p < P; p++) {
    for (let a = 0; a < A; a++) {
      for (let q = 0; q < Q; q++) {
        const g = p * Q + q;
        const m = mean[g] as number;
        const s = scale[g] as number;
        const sh = shift[g] as number;
        const row = (p * A + a) * QB + q * B;
        for (let t = 0; t < B; ) {
          const end = chunkEnd(q * B, t, B, affine);
          const k = affineIndexAt(q * B + t, affine);
          const stop = row + end;
          // Both loops take four elements per iteration: V8 does not unroll, and the
          // loop's own overhead is a large share of so little arithmetic.
          let i = row + t;
          if (sliding) {
            let kk = k;
            for (; i + 3 < stop; i += 4, kk += 4) {
              y[i] = ((x[i] as number) - m) * s * (gamma[kk] as number) + (beta[kk] as number) + sh;
              y[i + 1] = ((x[i + 1] as number) - m) * s * (gamma[kk + 1] as number) + (beta[kk + 1] as number) + sh;
              y[i + 2] = ((x[i + 2] as number) - m) * s * (gamma[kk + 2] as number) + (beta[kk + 2] as number) + sh;
              y[i + 3] = ((x[i + 3] as number) - m) * s * (gamma[kk + 3] as number) + (beta[kk + 3] as number) + sh;
            }
            for (; i < stop; i++, kk++) y[i] = ((x[i] as number) - m) * s * (gamma[kk] as number) + (beta[kk] as number) + sh;
          } else {
            // (x − m)·f + o folded to x·f + (o − m·f), as on the plane path.
            const factor = s * (gamma[k] as number);
            const offsetTerm = (beta[k] as number) + sh - m * factor;
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

// ── FeatstatsNormalize4: moments, then y = (x − mean)·rsqrt(variance + ε)·γ + β ────
//
// The norms' forward in one kernel, for the cpu backend. Its arrays are JavaScript
// memory, which WebAssembly cannot address, so moments4 then scaleShift4 each copy x
// into the staging memory: x crosses twice. Here a plane of up to 4 Mi elements is
// staged whole, so x crosses once: each chunk is copied in and summed while it is in
// cache; with the plane's statistics known, each chunk is scaled in place and copied
// out. The outputs are moments4's, rsqrt(variance + ε) as tfjs-backend-cpu computes it
// (float32 add, then 1/√ rounded to float32), and scaleShift4's with those, bit for bit:
// the same sweeps over the same row groups. Only cpu registers it: on wasm the sweeps
// already work in place, with nothing to stage.

const NORMALIZE4: HostKernel = {
  outputs: (inputs, attrs) => {
    const x = inputs.x as tf.TensorInfo;
    const shape = statsShape(x, attrs);
    const statistic = (): HostOutputSpec => ({ shape: [...shape], dtype: 'float32' });
    return [{ shape: [...x.shape], dtype: 'float32', filled: true }, statistic(), statistic(), statistic()];
  },
  run(inputs, outputs, attrs) {
    const x = input(inputs, 'x');
    const [y, mean, variance, inverseStd] = outputs as [Float32Array, Float32Array, Float32Array, Float32Array];
    const view = viewOf(inputs.x as HostInput, attrs);
    // tf.add(variance, ε) makes ε a float32 scalar.
    const epsilon = Math.fround(attrs.epsilon as number);
    const affine = affineOf(inputs, attrs, view);
    const whole = stagedWhole(view);
    if (whole !== undefined) {
      normalizeStaged(x, y, view, epsilon, affine, whole, mean, variance, inverseStd);
      return;
    }
    const groups = view.P * view.Q;
    moments(x, view, 0, mean, variance);
    inverseStdOf(variance, epsilon, inverseStd, 0, groups);
    scaleShift(x, y, view, Float64Array.from(mean), Float64Array.from(inverseStd), new Float64Array(groups), affine);
  },
};

/** rsqrt(variance + ε) of statistics [from, to), as tfjs-backend-cpu's Add then Rsqrt round it. */
function inverseStdOf(variance: Float32Array, epsilon: number, inverseStd: Float32Array, from: number, to: number): void {
  for (let g = from; g < to; g++) inverseStd[g] = 1 / Math.sqrt(Math.fround((variance[g] as number) + epsilon));
}

/** A whole plane staged in the module's memory, with three per-column float64 arrays and the sweeps. */
interface WholePlane {
  readonly sweeps: Stats4Sweeps;
  readonly scratch: Triple;
  readonly plane: Float32Array;
  /** Rows per chunk ({@link chunkRowsOf}). */
  readonly chunkRows: number;
}

function stagedWhole(view: View): WholePlane | undefined {
  const { A, B, QB } = view;
  // Planes up to 4 Mi elements (16 MiB: batch norm of [8, 32, 32, 512] is one plane) are
  // staged whole. The staging memory keeps the largest size it had, as tfjs-backend-wasm
  // keeps its heap; a larger plane takes the two sweeps chunk by chunk, as moments4 and
  // scaleShift4 do.
  if (B > PLANE_MAX_ROW || A * QB > hostTesting.wholePlaneElements || hostTesting.statsEngine === 'typescript') return undefined;
  const staged = stagedSweeps(QB, 3, A * QB * 4);
  if (staged === undefined) return undefined;
  return {
    sweeps: staged.sweeps,
    scratch: staged.scratch as Triple,
    plane: new Float32Array(staged.buffer, staged.dataOffset, A * QB),
    chunkRows: chunkRowsOf(QB),
  };
}

function normalizeStaged(
  x: Float32Array, y: Float32Array, view: View, epsilon: number, affine: Affine, whole: WholePlane,
  mean: Float32Array, variance: Float32Array, inverseStd: Float32Array,
): void {
  const { P, A, Q, B, QB } = view;
  const { sweeps, plane, chunkRows } = whole;
  const [k, s1, s2] = whole.scratch;
  const sums = sumsOf(view);
  const shift = new Float64Array(P * Q);
  const index = columnAffineIndex(view, affine);
  const address = (a: number) => plane.byteOffset + 4 * a * QB;
  for (let p = 0; p < P; p++) {
    const base = p * A * QB;
    for (let j = 0; j < QB; j++) k[j] = x[base + j - (j % B)] as number;
    s1.fill(0);
    s2.fill(0);
    for (let a = 0; a < A; a += chunkRows) {
      const rows = Math.min(chunkRows, A - a);
      plane.set(x.subarray(base + a * QB, base + (a + rows) * QB), a * QB);
      sweeps.momentsPlane(address(a), rows, QB, k.byteOffset, s1.byteOffset, s2.byteOffset);
    }
    foldMoments(view, p, k, s1, s2, sums);
    finishMoments(view, 0, sums, mean, variance, p * Q, (p + 1) * Q);
    inverseStdOf(variance, epsilon, inverseStd, p * Q, (p + 1) * Q);
    // The sums are folded: s1 and s2 take the plane's scale-shift coefficients.
    scaleShiftCoefficients(view, p, index, mean, inverseStd, shift, affine, s1, s2);
    for (let a = 0; a < A; a += chunkRows) {
      const rows = Math.min(chunkRows, A - a);
      sweeps.scaleShiftPlane(address(a), address(a), rows, QB, s1.byteOffset, s2.byteOffset);
      y.set(plane.subarray(a * QB, (a + rows) * QB), base + a * QB);
    }
  }
}

// ── FeatstatsGradSums4: Σg, Σg·x̂ [, dγ = Σdy·x̂, dβ = Σdy] ──────────────────────────
//
// Per statistic, with d = x − mean: Σg = Σ γ·dy and Σg·x̂ = scale·Σ γ·dy·d; per affine
// index, dβ = Σdy and dγ = Σ scale·dy·d. The plane path first sums dy and dy·d per column
// over a (float64), then folds the columns into statistics and affine slots.

const GRAD_SUMS4: HostKernel = {
  heapScratch: /* @__PURE__ */ planeScratch(3),
  outputs: (inputs, attrs) => {
    const shape = statsShape(inputs.x as tf.TensorInfo, attrs);
    const specs: HostOutputSpec[] = [
      { shape, dtype: 'float32' },
      { shape: [...shape], dtype: 'float32' },
    ];
    if (attrs.affineGrads === true) {
      const size = (attrs.affineSize as number | undefined) ?? 1;
      specs.push({ shape: [size], dtype: 'float32' }, { shape: [size], dtype: 'float32' });
    }
    return specs;
  },
  run(inputs, outputs, attrs, heap) {
    const x = input(inputs, 'x');
    const dy = input(inputs, 'dy');
    const view = viewOf(inputs.x as HostInput, attrs);
    const mean = statistic(inputs.mean, view, 0);
    const scale = statistic(inputs.scale, view, 1);
    const affine = affineOf(inputs, attrs, view);
    const groups = view.P * view.Q;
    const sumG = new Float64Array(groups);
    const sumGNormalized = new Float64Array(groups);
    const dGamma = new Float64Array(affine.size);
    const dBeta = new Float64Array(affine.size);
    const sums = { sumG, sumGNormalized, dGamma, dBeta };
    if (view.B <= PLANE_MAX_ROW) gradSumsPlanes(x, dy, view, mean, scale, affine, sums, compiledPlanes(heap, [x, dy], view, 3));
    else if (alongRows(view, affine)) gradSumsAlongRows(x, dy, view, mean, scale, affine, sums);
    else gradSumsRows(x, dy, view, mean, scale, affine, sums);
    (outputs[0] as Float32Array).set(sumG);
    (outputs[1] as Float32Array).set(sumGNormalized);
    if (attrs.affineGrads === true) {
      (outputs[2] as Float32Array).set(dGamma);
      (outputs[3] as Float32Array).set(dBeta);
    }
  },
};

interface GradSums {
  readonly sumG: Float64Array;
  readonly sumGNormalized: Float64Array;
  readonly dGamma: Float64Array;
  readonly dBeta: Float64Array;
}

function gradSumsPlanes(x: Float32Array, dy: Float32Array, view: View, mean: Float64Array, scale: Float64Array, affine: Affine, sums: GradSums, compiled?: Compiled): void {
  const { P, A, Q, B, QB } = view;
  const index = columnAffineIndex(view, affine);
  const [m, sumDy, sumDyCentered] = columnArrays(compiled, view, 3) as Triple;
  for (let p = 0; p < P; p++) {
    for (let q = 0, j = 0; q < Q; q++) for (let b = 0; b < B; b++, j++) m[j] = mean[p * Q + q] as number;
    sumDy.fill(0);
    sumDyCentered.fill(0);
    const base = p * A * QB;
    if (compiled !== undefined) {
      compiled.rows([x, dy], [], base, A, ([xAt, dyAt], rows) =>
        compiled.sweeps.gradSumsPlane(xAt as number, dyAt as number, rows, QB, m.byteOffset, sumDy.byteOffset, sumDyCentered.byteOffset),
      );
    } else {
      gradSumsSweep(x, dy, base, A, QB, m, sumDy, sumDyCentered);
    }
    for (let q = 0, j = 0; q < Q; q++) {
      const g = p * Q + q;
      const s = scale[g] as number;
      let t1 = 0;
      let t2 = 0;
      for (let b = 0; b < B; b++, j++) {
        const k = index[j] as number;
        const gamma = affine.gamma[k] as number;
        const c1 = sumDy[j] as number;
        const c2 = sumDyCentered[j] as number;
        t1 += gamma * c1;
        t2 += gamma * c2;
        sums.dBeta[k] = (sums.dBeta[k] as number) + c1;
        sums.dGamma[k] = (sums.dGamma[k] as number) + s * c2;
      }
      sums.sumG[g] = t1;
      sums.sumGNormalized[g] = s * t2;
    }
  }
}

/** Σdy and Σdy·(x − m) per column over the plane's A rows from `base` (`gradSumsPlane` in stats4.c). */
function gradSumsSweep(x: Float32Array, dy: Float32Array, base: number, A: number, QB: number, m: Float64Array, sumDy: Float64Array, sumDyCentered: Float64Array): void {
  const Q2 = 2 * QB;
  const Q3 = 3 * QB;
  // Four rows per sweep, as in momentsSweep.
  let a = 0;
  for (let offset = base; a + 3 < A; a += 4, offset += 4 * QB) {
    for (let j = 0, i = offset; j < QB; j++, i++) {
      const mj = m[j] as number;
      const g0 = dy[i] as number;
      const g1 = dy[i + QB] as number;
      const g2 = dy[i + Q2] as number;
      const g3 = dy[i + Q3] as number;
      sumDy[j] = (sumDy[j] as number) + (g0 + g1 + (g2 + g3));
      sumDyCentered[j] =
        (sumDyCentered[j] as number) +
        (g0 * ((x[i] as number) - mj) + g1 * ((x[i + QB] as number) - mj) + (g2 * ((x[i + Q2] as number) - mj) + g3 * ((x[i + Q3] as number) - mj)));
    }
  }
  for (; a < A; a++) {
    for (let j = 0, i = base + a * QB; j < QB; j++, i++) {
      const g = dy[i] as number;
      sumDy[j] = (sumDy[j] as number) + g;
      sumDyCentered[j] = (sumDyCentered[j] as number) + g * ((x[i] as number) - (m[j] as number));
    }
  }
}

function gradSumsAlongRows(x: Float32Array, dy: Float32Array, view: View, mean: Float64Array, scale: Float64Array, affine: Affine, sums: GradSums): void {
  const { P, B } = view;
  const { gamma } = affine;
  const { dGamma, dBeta, sumG, sumGNormalized } = sums;
  let p = 0;
  for (; p + 3 < P; p += 4) {
    const [m0, m1, m2, m3] = [mean[p] as number, mean[p + 1] as number, mean[p + 2] as number, mean[p + 3] as number];
    const [s0, s1, s2, s3] = [scale[p] as number, scale[p + 1] as number, scale[p + 2] as number, scale[p + 3] as number];
    let g0 = 0;
    let g1 = 0;
    let g2 = 0;
    let g3 = 0;
    let n0 = 0;
    let n1 = 0;
    let n2 = 0;
    let n3 = 0;
    for (let t = 0, i = p * B; t < B; t++, i++) {
      const gt = gamma[t] as number;
      const d0 = dy[i] as number;
      const d1 = dy[i + B] as number;
      const d2 = dy[i + 2 * B] as number;
      const d3 = dy[i + 3 * B] as number;
      const c0 = d0 * ((x[i] as number) - m0);
      const c1 = d1 * ((x[i + B] as number) - m1);
      const c2 = d2 * ((x[i + 2 * B] as number) - m2);
      const c3 = d3 * ((x[i + 3 * B] as number) - m3);
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
    sumG[p] = g0;
    sumG[p + 1] = g1;
    sumG[p + 2] = g2;
    sumG[p + 3] = g3;
    sumGNormalized[p] = s0 * n0;
    sumGNormalized[p + 1] = s1 * n1;
    sumGNormalized[p + 2] = s2 * n2;
    sumGNormalized[p + 3] = s3 * n3;
  }
  for (; p < P; p++) {
    const m = mean[p] as number;
    const sc = scale[p] as number;
    let g = 0;
    let n = 0;
    for (let t = 0, i = p * B; t < B; t++, i++) {
      const gt = gamma[t] as number;
      const d = dy[i] as number;
      const c = d * ((x[i] as number) - m);
      g += gt * d;
      n += gt * c;
      dBeta[t] = (dBeta[t] as number) + d;
      dGamma[t] = (dGamma[t] as number) + sc * c;
    }
    sumG[p] = g;
    sumGNormalized[p] = sc * n;
  }
}

function gradSumsRows(x: Float32Array, dy: Float32Array, view: View, mean: Float64Array, scale: Float64Array, affine: Affine, sums: GradSums): void {
  const { P, A, Q, B, QB } = view;
  const { gamma } = affine;
  const { dGamma, dBeta, sumG, sumGNormalized } = sums;
  const sliding = affine.present && affine.stride === 1;
  for (let p = 0; p < P; p++) {
    for (let a = 0; a < A; a++) {
      for (let q = 0; q < Q; q++) {
        const g = p * Q + q;
        const m = mean[g] as number;
        const s = scale[g] as number;
        const row = (p * A + a) * QB + q * B;
        let t1 = 0;
        let t2 = 0;
        for (let t = 0; t < B; ) {
          const end = chunkEnd(q * B, t, B, affine);
          const k = affineIndexAt(q * B + t, affine);
          const stop = row + end;
          if (sliding) {
            let u1 = 0;
            let u2 = 0;
            for (let i = row + t, kk = k; i < stop; i++, kk++) {
              const d = dy[i] as number;
              const dc = d * ((x[i] as number) - m);
              const gv = gamma[kk] as number;
              u1 += gv * d;
              u2 += gv * dc;
              dBeta[kk] = (dBeta[kk] as number) + d;
              dGamma[kk] = (dGamma[kk] as number) + s * dc;
            }
            t1 += u1;
            t2 += u2;
          } else {
            // Four elements per iteration into two accumulator pairs, as in momentsRows.
            let c1a = 0;
            let c1b = 0;
            let c2a = 0;
            let c2b = 0;
            let i = row + t;
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
            const gv = gamma[k] as number;
            t1 += gv * c1;
            t2 += gv * c2;
            if (affine.present) {
              dBeta[k] = (dBeta[k] as number) + c1;
              dGamma[k] = (dGamma[k] as number) + s * c2;
            }
          }
          t = end;
        }
        sumG[g] = (sumG[g] as number) + t1;
        sumGNormalized[g] = (sumGNormalized[g] as number) + s * t2;
      }
    }
  }
}

// ── FeatstatsGradApply4: dx = (g − a − x̂·b)·outScale ───────────────────────────────
//
// Expanded per statistic as dx = dy·(γ·o) − (x − mean)·(scale·b·o) − a·o, o = outScale,
// so the inner loop is two multiply-adds over float64 coefficients.

const GRAD_APPLY4: HostKernel = {
  // Every loop writes dx[i] from x[i] and dy[i] alone, so dx may be x's buffer.
  reusesInput: 'x',
  heapScratch: /* @__PURE__ */ planeScratch(3),
  outputs: (inputs) => [{ shape: [...(inputs.x as tf.TensorInfo).shape], dtype: 'float32', filled: true }],
  run(inputs, outputs, attrs, heap) {
    const x = input(inputs, 'x');
    const dy = input(inputs, 'dy');
    const dx = outputs[0] as Float32Array;
    const view = viewOf(inputs.x as HostInput, attrs);
    const mean = statistic(inputs.mean, view, 0);
    const scale = statistic(inputs.scale, view, 1);
    const outScale = statistic(inputs.outScale, view, 1);
    const a = statistic(inputs.a, view, 0);
    const b = statistic(inputs.b, view, 0);
    // Per statistic: the factor of x − mean and the constant term.
    for (let g = 0; g < a.length; g++) {
      const o = outScale[g] as number;
      b[g] = (scale[g] as number) * (b[g] as number) * o;
      a[g] = (a[g] as number) * o;
    }
    const affine = affineOf(inputs, attrs, view);
    if (view.B <= PLANE_MAX_ROW) gradApplyPlanes(x, dy, dx, view, mean, outScale, a, b, affine, compiledPlanes(heap, [x, dy, dx], view, 3));
    else gradApplyRows(x, dy, dx, view, mean, outScale, a, b, affine);
  },
};

function gradApplyPlanes(
  x: Float32Array, dy: Float32Array, dx: Float32Array, view: View,
  mean: Float64Array, outScale: Float64Array, constant: Float64Array, centeredFactor: Float64Array, affine: Affine, compiled?: Compiled,
): void {
  const { P, A, Q, B, QB } = view;
  const index = columnAffineIndex(view, affine);
  // dx = dy·d − (x − m)·f − c folded to dy·d − x·f + (m·f − c), as in scaleShiftPlanes.
  const [dyFactor, xFactor, c] = columnArrays(compiled, view, 3) as Triple;
  for (let p = 0; p < P; p++) {
    for (let q = 0, j = 0; q < Q; q++) {
      const g = p * Q + q;
      for (let b = 0; b < B; b++, j++) {
        const f = centeredFactor[g] as number;
        dyFactor[j] = (affine.gamma[index[j] as number] as number) * (outScale[g] as number);
        xFactor[j] = f;
        c[j] = (mean[g] as number) * f - (constant[g] as number);
      }
    }
    const base = p * A * QB;
    if (compiled !== undefined) {
      compiled.rows([x, dy], [dx], base, A, ([xAt, dyAt, dxAt], rows) =>
        compiled.sweeps.gradApplyPlane(xAt as number, dyAt as number, dxAt as number, rows, QB, dyFactor.byteOffset, xFactor.byteOffset, c.byteOffset),
      );
    } else {
      gradApplySweep(x, dy, dx, base, A, QB, dyFactor, xFactor, c);
    }
  }
}

/** dx = dy·fd − x·fx + c per column over the plane's A rows from `base` (`gradApplyPlane` in stats4.c). */
function gradApplySweep(
  x: Float32Array, dy: Float32Array, dx: Float32Array, base: number, A: number, QB: number,
  dyFactor: Float64Array, xFactor: Float64Array, c: Float64Array,
): void {
  const Q2 = 2 * QB;
  const Q3 = 3 * QB;
  // Four rows per sweep, as in scaleShiftSweep.
  let a = 0;
  let offset = base;
  for (; a + 3 < A; a += 4, offset += 4 * QB) {
    for (let j = 0, i = offset; j < QB; j++, i++) {
      const fd = dyFactor[j] as number;
      const fx = xFactor[j] as number;
      const cj = c[j] as number;
      dx[i] = (dy[i] as number) * fd - (x[i] as number) * fx + cj;
      dx[i + QB] = (dy[i + QB] as number) * fd - (x[i + QB] as number) * fx + cj;
      dx[i + Q2] = (dy[i + Q2] as number) * fd - (x[i + Q2] as number) * fx + cj;
      dx[i + Q3] = (dy[i + Q3] as number) * fd - (x[i + Q3] as number) * fx + cj;
    }
  }
  for (; a < A; a++, offset += QB) {
    for (let j = 0, i = offset; j < QB; j++, i++) {
      dx[i] = (dy[i] as number) * (dyFactor[j] as number) - (x[i] as number) * (xFactor[j] as number) + (c[j] as number);
    }
  }
}

function gradApplyRows(
  x: Float32Array, dy: Float32Array, dx: Float32Array, view: View,
  mean: Float64Array, outScale: Float64Array, constant: Float64Array, centeredFactor: Float64Array, affine: Affine,
): void {
  const { P, A, Q, B, QB } = view;
  const { gamma } = affine;
  const sliding = affine.present && affine.stride === 1;
  for (let p = 0; p < P; p++) {
    for (let a = 0; a < A; a++) {
      for (let q = 0; q < Q; q++) {
        const g = p * Q + q;
        const m = mean[g] as number;
        const o = outScale[g] as number;
        const xFactor = centeredFactor[g] as number;
        const c = constant[g] as number;
        const row = (p * A + a) * QB + q * B;
        for (let t = 0; t < B; ) {
          const end = chunkEnd(q * B, t, B, affine);
          const k = affineIndexAt(q * B + t, affine);
          const stop = row + end;
          // Four elements per iteration, as in scaleShiftRows; −(x − m)·f − c folded to
          // −x·f + (m·f − c).
          const offsetTerm = m * xFactor - c;
          let i = row + t;
          if (sliding) {
            let kk = k;
            for (; i + 3 < stop; i += 4, kk += 4) {
              dx[i] = (dy[i] as number) * ((gamma[kk] as number) * o) - (x[i] as number) * xFactor + offsetTerm;
              dx[i + 1] = (dy[i + 1] as number) * ((gamma[kk + 1] as number) * o) - (x[i + 1] as number) * xFactor + offsetTerm;
              dx[i + 2] = (dy[i + 2] as number) * ((gamma[kk + 2] as number) * o) - (x[i + 2] as number) * xFactor + offsetTerm;
              dx[i + 3] = (dy[i + 3] as number) * ((gamma[kk + 3] as number) * o) - (x[i + 3] as number) * xFactor + offsetTerm;
            }
            for (; i < stop; i++, kk++) dx[i] = (dy[i] as number) * ((gamma[kk] as number) * o) - (x[i] as number) * xFactor + offsetTerm;
          } else {
            const dyFactor = (gamma[k] as number) * o;
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

// Pure annotations: the adapters are top-level calls, which a bundler keeps unless told
// they have no side effects (scripts/check-treeshake.mjs bundles one op at a time).
export const moments4Cpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(MOMENTS4);
export const moments4Wasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(MOMENTS4);
export const scaleShift4Cpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(SCALE_SHIFT4);
export const scaleShift4Wasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(SCALE_SHIFT4);
export const normalize4Cpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(NORMALIZE4);
export const gradSums4Cpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(GRAD_SUMS4);
export const gradSums4Wasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(GRAD_SUMS4);
export const gradApply4Cpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(GRAD_APPLY4);
export const gradApply4Wasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(GRAD_APPLY4);
