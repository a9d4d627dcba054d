/**
 * What the webgpu statistics kernels share: the view's index arithmetic in WGSL, reads of
 * statistics and of γ/β, and the one reduction program. In the WGSL, (p, a, q, b) index
 * the view's four axes `[outer, reducedOuter, kept, reducedInner]` and the view's sizes
 * are uniforms, so one compiled pipeline serves every shape (`../../webgpu/program.ts`).
 *
 * Reductions are split in two barrier-free passes: the first sums chunks of K terms per
 * output (one invocation per output and chunk, K a power of two near √M, so ⌈M/K⌉
 * chunks), the second adds each output's chunk sums in order and finishes the output.
 * Each element is read once, and the float32 sum is a sum of K terms followed by a sum
 * of M/K partials, which loses far fewer digits than one running sum of M terms. Where
 * neighbouring outputs' elements are neighbours in memory (a statistic per channel of
 * channels-last data), neighbouring invocations take neighbouring outputs, so that
 * invocations running together read one contiguous run; elsewhere they take neighbouring
 * chunks of one output. A workgroup reduction (strided partial sums, then a tree in
 * workgroup memory with a barrier per level) was the first design: on SwiftShader, where
 * a barrier switches between every invocation of the workgroup, layer norm's statistics
 * of 8 192 rows took 9 times as long as a read of the data (bench/README.md, design
 * measurements).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, run, Uniforms, type ProgramSpec, type WebgpuBackend } from '../../webgpu/program';
import type { FeatureLayout, StatisticsView } from '../view';

/** Invocations per workgroup of the element-wise programs. */
export const ELEMENTWISE_WORKGROUP = 64;

/** The view's and the feature layout's sizes as uniforms (`uniforms.kept`, …). */
export function viewUniforms(view: StatisticsView, features?: FeatureLayout): Uniforms {
  const uniforms = new Uniforms()
    .int('outer', view.outer)
    .int('reducedOuter', view.reducedOuter)
    .int('kept', view.kept)
    .int('reducedInner', view.reducedInner);
  return features === undefined ? uniforms : uniforms.int('featureStride', features.stride).int('featureSize', features.size);
}

/** WGSL: the flat index of element (p, a, q, b) of the view. */
export const VIEW_WGSL = `
  fn fsViewIndex(p : i32, a : i32, q : i32, b : i32) -> i32 {
    return ((p * uniforms.reducedOuter + a) * uniforms.kept + q) * uniforms.reducedInner + b;
  }
`;

/**
 * WGSL: the γ/β index of view element (q, b), `⌊(q·reducedInner + b) / stride⌋ mod size`
 * (needs {@link viewUniforms} with the feature layout).
 */
export const FEATURE_WGSL = `
  fn fsFeature(q : i32, b : i32) -> i32 {
    return ((q * uniforms.reducedInner + b) / uniforms.featureStride) % uniforms.featureSize;
  }
`;

/**
 * A WGSL read of statistic `name` at the WGSL ints `p`, `q` in scope, for a statistic
 * `[outer|1, 1, kept|1, 1]`: a dimension of size 1 broadcasts. The returned `pattern`
 * says which, and must go into the shader key (the index expression depends on it).
 */
export function statAt(name: string, info: tf.TensorInfo, view: StatisticsView): { read: string; pattern: string } {
  const [sp, sa, sq, sb] = info.shape;
  const fits = info.shape.length === 4 && sa === 1 && sb === 1 && (sp === 1 || sp === view.outer) && (sq === 1 || sq === view.kept);
  if (!fits) {
    throw new Error(`featstats: webgpu statistic ${name} must be [${view.outer},1,${view.kept},1] but got [${info.shape.join(',')}]`);
  }
  // With outer (or kept) 1 both readings index 0: the pattern then names the cheaper one.
  const perOuter = sp !== 1;
  const perKept = sq !== 1;
  const index = perOuter && perKept ? 'p * uniforms.kept + q' : perOuter ? 'p' : perKept ? 'q' : '0';
  return { read: `${name}[${index}]`, pattern: `${perOuter ? 'P' : '1'}${perKept ? 'Q' : '1'}` };
}

/**
 * Statistics stacked into one buffer, `[count, outer·kept]`, each broadcast to every
 * (p, q): one storage binding instead of one per statistic. WebGPU's default limit of 8
 * storage buffers per shader stage (tfjs-backend-webgpu asks for no more) would otherwise
 * not hold the input gradient's x, dy, γ and five statistics plus its output.
 */
export interface StackedStatistics {
  readonly stacked: tf.TensorInfo;
  /** WGSL read of statistic `name` for the ints `p`, `q` in scope, or undefined when it was not stacked. */
  read(name: string): string | undefined;
  /** What the stacking program baked in (its broadcast patterns), for the shader key of its users. */
  readonly key: string;
}

/** Stacks the present statistics among `names` (one tiny program; dispose `stacked` after use). */
export function stackStatistics(backend: WebgpuBackend, view: StatisticsView, inputs: tf.NamedTensorInfoMap, names: readonly string[]): StackedStatistics {
  const used = present(inputs, names);
  const reads = used.map(([name, info]) => statAt(name, info, view));
  const perStatistic = view.outer * view.kept;
  const branches = reads.map((read, t) => `${t === 0 ? '' : 'else '}if (t == ${t}) { value = ${read.read}; }`).join('\n');
  const stacked = run(backend, {
    inputs: used.map(([name]) => name),
    invocations: used.length * perStatistic,
    outputSize: used.length * perStatistic,
    workgroupSize: ELEMENTWISE_WORKGROUP,
    key: `stack_${reads.map((read) => read.pattern).join('')}`,
    uniforms: viewUniforms(view).int('statistics', perStatistic).int('size', used.length * perStatistic),
    code: `
      fn main(i : i32) {
        if (i >= uniforms.size) {
          return;
        }
        let t = i / uniforms.statistics;
        let s = i % uniforms.statistics;
        let p = s / uniforms.kept;
        let q = s % uniforms.kept;
        var value = 0.0;
        ${branches}
        result[i] = value;
      }
    `,
  }, used.map(([, info]) => info), 'float32');
  const position = new Map(used.map(([name], t) => [name, t]));
  return {
    stacked,
    read: (name) => {
      const t = position.get(name);
      return t === undefined ? undefined : `stats[${t} * uniforms.statistics + p * uniforms.kept + q]`;
    },
    key: `${used.map(([name]) => name.charAt(0)).join('')}${reads.map((read) => read.pattern).join('')}`,
  };
}

/** The present inputs among `names`, in order, with their names. */
export function present(inputs: tf.NamedTensorInfoMap, names: readonly string[]): Array<[string, tf.TensorInfo]> {
  const found: Array<[string, tf.TensorInfo]> = [];
  for (const name of names) {
    const info = inputs[name];
    if (info !== undefined) found.push([name, info]);
  }
  return found;
}

/**
 * WGSL declaring `normalized` = x̂ = (x − mean)·scale, `upstream` = dy and `g` = dy·γ for
 * the element at flat index `i`, with ints `p`, `q`, `b` in scope. Returns the code and
 * the part of the shader key it depends on (which optional inputs exist, how statistics
 * broadcast).
 */
export function normalizedTerms(view: StatisticsView, inputs: tf.NamedTensorInfoMap): { code: string; key: string } {
  const mean = statAt('mean', requiredInput(inputs, 'mean'), view);
  const scaleInfo = inputs['scale'];
  const scale = scaleInfo === undefined ? undefined : statAt('scale', scaleInfo, view);
  const hasGamma = inputs['gamma'] !== undefined;
  const code = `
    let normalized = (x[i] - ${mean.read})${scale === undefined ? '' : ` * ${scale.read}`};
    let upstream = dy[i];
    let g = upstream${hasGamma ? ' * gamma[fsFeature(q, b)]' : ''};
  `;
  return { code, key: `m${mean.pattern}s${scale?.pattern ?? '-'}g${hasGamma ? 1 : 0}` };
}

/**
 * WGSL declaring `p`, `q`, `b` of the element at flat index `i` of the view (what the
 * element-wise programs need to find its statistic and feature), and the part of the
 * shader key it bakes in. Integer division is the costly part of these programs on a
 * CPU-emulated GPU, so the common views whose inner or kept axis is 1 (channels-last
 * statistics per channel; layer norm) get index arithmetic without the divisions by 1.
 */
export function coordinatesWgsl(view: StatisticsView): { code: string; key: string } {
  if (view.reducedInner === 1) {
    return { key: 'i1', code: 'let b = 0;\n        let q = i % uniforms.kept;\n        let p = i / (uniforms.kept * uniforms.reducedOuter);' };
  }
  if (view.kept === 1) {
    return { key: 'k1', code: 'let b = i % uniforms.reducedInner;\n        let q = 0;\n        let p = i / (uniforms.reducedInner * uniforms.reducedOuter);' };
  }
  return {
    key: 'any',
    code: 'let b = i % uniforms.reducedInner;\n        let row = i / uniforms.reducedInner;\n        let q = row % uniforms.kept;\n        let p = row / (uniforms.kept * uniforms.reducedOuter);',
  };
}

/**
 * WGSL for the per-statistic reductions: the row setup declaring the statistic's `p`, `q`,
 * and term statements declaring element m's `a`, `b` and flat index `i`. With a unit
 * inner axis (channels-last per channel) a = m and b = 0, without a division per term,
 * and neighbouring statistics read neighbouring values (`adjacentRows`).
 */
export function statisticElement(view: StatisticsView): { rowSetup: string; element: string; key: string; adjacentRows: boolean } {
  const rowSetup = 'let p = r / uniforms.kept;\n        let q = r % uniforms.kept;';
  if (view.reducedInner === 1) {
    return { rowSetup, element: 'let a = m;\n          let b = 0;\n          let i = fsViewIndex(p, a, q, b);', key: 'i1', adjacentRows: view.kept > 1 };
  }
  return { rowSetup, element: 'let a = m / uniforms.reducedInner;\n          let b = m - a * uniforms.reducedInner;\n          let i = fsViewIndex(p, a, q, b);', key: 'any', adjacentRows: false };
}

/** What {@link reducePairs} sums: the `term` of (r, m) over m < `count` for each output r < `rows`. */
export interface PairReduction {
  readonly inputs: ReadonlyArray<[string, tf.TensorInfo]>;
  readonly rows: number;
  readonly count: number;
  /** Whether term m of rows r and r + 1 are (mostly) adjacent elements in memory: channels-last per-channel sums. */
  readonly adjacentRows: boolean;
  /** The view's uniforms (a fresh object per call: each pass appends its own). */
  readonly uniforms: () => Uniforms;
  /** Shader key of the code (everything it bakes in). */
  readonly key: string;
  /** WGSL functions that the row setup and the term call. */
  readonly helpers: string;
  /** WGSL statements run once per invocation with the output row `r` in scope: what every term of the row shares. */
  readonly rowSetup: string;
  /**
   * WGSL statements with `r`, `m` and the row setup's names in scope that declare `term`,
   * the two terms m of row r as a `vec2<f32>` (summed at once, so the data is read once).
   */
  readonly term: string;
  /**
   * WGSL defining `fn fsFinish(r : i32, sums : vec2<f32>) -> vec2<f32>`, and the inputs it
   * reads (by name, among `inputs`); the sums themselves when absent.
   */
  readonly finish?: { readonly inputs: readonly string[]; readonly code: string };
}

/** Terms per chunk: the power of two nearest above √count, so that neither pass adds many terms in a row. */
export function chunkLength(count: number): number {
  let length = 1;
  while (length * length < count) length *= 2;
  return length;
}

/**
 * Runs a {@link PairReduction} in two passes (chunk sums, then their sum and the finish),
 * returning the two finished sums of each row as separate tensors shaped `shape` (each
 * `rows` elements).
 */
export function reducePairs(backend: WebgpuBackend, reduction: PairReduction, shape: readonly number[]): [tf.TensorInfo, tf.TensorInfo] {
  const length = chunkLength(reduction.count);
  const chunks = Math.ceil(reduction.count / length);
  const partials = run(backend, chunkSums(reduction, length, chunks), reduction.inputs.map(([, info]) => info), 'float32');
  const finishInputs = reduction.inputs.filter(([name]) => reduction.finish?.inputs.includes(name));
  const pairs = run(backend, finished(reduction, chunks), [partials, ...finishInputs.map(([, info]) => info)], 'float32');
  backend.disposeData(partials.dataId);
  const first = component(backend, pairs, reduction.rows, 0, shape);
  const second = component(backend, pairs, reduction.rows, 1, shape);
  backend.disposeData(pairs.dataId);
  return [first, second];
}

/**
 * Pass 1: invocation (r, c) adds terms c·length … (c + 1)·length − 1 of row r into
 * `partials[(c·rows + r)·2 + {0, 1}]`. Adjacent rows take neighbouring invocations.
 */
function chunkSums(reduction: PairReduction, length: number, chunks: number): ProgramSpec {
  const coordinates = reduction.adjacentRows
    ? 'let r = invocation % uniforms.rows;\n        let c = invocation / uniforms.rows;'
    : 'let r = invocation / uniforms.chunks;\n        let c = invocation % uniforms.chunks;';
  return {
    inputs: reduction.inputs.map(([name]) => name),
    invocations: reduction.rows * chunks,
    outputSize: reduction.rows * chunks * 2,
    workgroupSize: ELEMENTWISE_WORKGROUP,
    key: `pairChunks${reduction.adjacentRows ? 'A' : 'C'}_${reduction.key}`,
    uniforms: reduction.uniforms().int('rows', reduction.rows).int('count', reduction.count).int('chunks', chunks).int('chunkLength', length),
    code: `
      ${reduction.helpers}
      fn main(invocation : i32) {
        if (invocation >= uniforms.rows * uniforms.chunks) {
          return;
        }
        ${coordinates}
        ${reduction.rowSetup}
        let end = min(uniforms.count, (c + 1) * uniforms.chunkLength);
        var sums = vec2<f32>(0.0, 0.0);
        for (var m = c * uniforms.chunkLength; m < end; m = m + 1) {
          ${reduction.term}
          sums = sums + term;
        }
        result[2 * (c * uniforms.rows + r)] = sums.x;
        result[2 * (c * uniforms.rows + r) + 1] = sums.y;
      }
    `,
  };
}

/** Pass 2: row r's chunk sums added in chunk order, then finished, into `result[2r + {0, 1}]`. */
function finished(reduction: PairReduction, chunks: number): ProgramSpec {
  return {
    inputs: ['partials', ...(reduction.finish?.inputs ?? [])],
    invocations: reduction.rows,
    outputSize: reduction.rows * 2,
    workgroupSize: ELEMENTWISE_WORKGROUP,
    key: `pairFinish${reduction.finish === undefined ? '-' : `_${reduction.key}`}`,
    // Without a finish the uniforms are only the pass's own, so one pipeline serves every reduction.
    uniforms: (reduction.finish === undefined ? new Uniforms() : reduction.uniforms()).int('rows', reduction.rows).int('count', reduction.count).int('chunks', chunks),
    code: `
      ${reduction.finish?.code ?? 'fn fsFinish(r : i32, sums : vec2<f32>) -> vec2<f32> { return sums; }'}
      fn main(r : i32) {
        if (r >= uniforms.rows) {
          return;
        }
        var sums = vec2<f32>(0.0, 0.0);
        for (var c = 0; c < uniforms.chunks; c = c + 1) {
          let at = 2 * (c * uniforms.rows + r);
          sums = sums + vec2<f32>(partials[at], partials[at + 1]);
        }
        let done = fsFinish(r, sums);
        result[2 * r] = done.x;
        result[2 * r + 1] = done.y;
      }
    `,
  };
}

/** Component `which` of `rows` interleaved pairs, as its own tensor shaped `shape`. */
function component(backend: WebgpuBackend, pairs: tf.TensorInfo, rows: number, which: number, shape: readonly number[]): tf.TensorInfo {
  const spec: ProgramSpec = {
    inputs: ['pairs'],
    invocations: rows,
    outputSize: rows,
    workgroupSize: ELEMENTWISE_WORKGROUP,
    key: 'pairComponent',
    uniforms: new Uniforms().int('rows', rows).int('which', which),
    code: `
      fn main(index : i32) {
        if (index < uniforms.rows) {
          result[index] = pairs[2 * index + uniforms.which];
        }
      }
    `,
  };
  return run(backend, spec, [pairs], 'float32', shape);
}
