/**
 * `FeatstatsBottleneckForward` and `FeatstatsBottleneckBackward` on webgpu (contract in
 * `../contract.ts`), the port of the webgl programs (`../webgl/bottleneck.ts`): the
 * forward and dR one element-wise program each, and the difference of the batch sums one
 * program with an invocation per sample element that loops over the batch. The composites instead
 * broadcast the sample tensors against R in a dozen passes, each writing an R-sized buffer.
 *
 * Element i of R uses element k = i mod M of each sample tensor (M a sample's size). An
 * invocation takes one sample element k and a run of consecutive samples n (R's element
 * n·M + k for each), so it reads the sample values once for the run and finds k with one
 * division for the run rather than one per element (integer division is the costly part
 * of index arithmetic on a CPU-emulated GPU). Neighbouring invocations take neighbouring
 * k, so their reads of R are one contiguous stretch. A run is the whole batch when a
 * sample alone gives {@link ENOUGH_INVOCATIONS}, shorter otherwise (down to one element
 * per invocation for small samples in large batches), so there is always parallel work.
 *
 * The formulas are the contract's, in the composites' order of operations (the webgl
 * programs' too); the backward's sums take the per-sample factors (λ, the capacity's
 * (1 − λ) − 1/max(1 − λ, s)) out of the loop over n, as the host and webgl kernels do.
 * A program binds only the inputs its code reads (the runner's bind group layout is the
 * shader's: `../../webgpu/program.ts`), at most seven, within WebGPU's 8 storage buffers.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, run, sizeOf, Uniforms, webgpuBackend, type WebgpuBackend } from '../../webgpu/program';
import { SMALLEST_NOISE_WEIGHT } from '../host/common';

/** Invocations per workgroup, as the other element-wise webgpu programs. */
const WORKGROUP = 64;

/** Invocations that keep a GPU busy: runs over the batch are cut short until there are this many. */
const ENOUGH_INVOCATIONS = 65536;

/** Float32's smallest normal as a WGSL literal. */
const FLOOR = SMALLEST_NOISE_WEIGHT.toExponential();

/** WGSL names of the per-sample values and the inputs they are read from. */
const SAMPLE_VALUES: Record<string, string> = { lam: 'lambda', om: 'oneMinusLambda', mu: 'mean', s: 'sigma', m: 'mask' };

interface Call {
  readonly backend: WebgpuBackend;
  readonly inputs: tf.NamedTensorInfoMap;
  readonly r: tf.TensorInfo;
  /** Samples N and a sample's size M. */
  readonly batch: number;
  readonly sample: number;
  readonly masked: boolean;
}

function callOf(inputs: tf.NamedTensorInfoMap, backend: unknown): Call {
  const r = requiredInput(inputs, 'r');
  const sample = sizeOf(requiredInput(inputs, 'lambda').shape);
  return { backend: webgpuBackend(backend), inputs, r, batch: sizeOf(r.shape) / sample, sample, masked: inputs['mask'] !== undefined };
}

/**
 * Runs `body` once per element of R: a program over runs of samples. `setup` (WGSL in the
 * sample values `used`, of lam, om, mu, s, m) runs once per run; `body` reads the R-sized
 * `arrays` at `i` and sets `y`, written to `result[i]`.
 */
function elementwise(call: Call, key: string, used: readonly string[], arrays: readonly string[], body: string, setup = ''): tf.TensorInfo {
  const { batch, sample } = call;
  const runs = Math.min(batch, Math.max(1, Math.ceil(ENOUGH_INVOCATIONS / sample)));
  const runLength = Math.ceil(batch / runs);
  const names = [...arrays, ...used.map((name) => SAMPLE_VALUES[name] as string)];
  return run(call.backend, {
    inputs: names,
    invocations: sample * runs,
    outputSize: batch * sample,
    workgroupSize: WORKGROUP,
    key: `bottleneck_${key}`,
    uniforms: new Uniforms().int('batch', batch).int('sampleSize', sample).int('runLength', runLength).int('invocations', sample * runs),
    code: `
      fn main(index : i32) {
        if (index >= uniforms.invocations) {
          return;
        }
        let batchRun = index / uniforms.sampleSize;
        let k = index - batchRun * uniforms.sampleSize;
        ${sampleReads(used)}
        ${setup}
        let end = min(uniforms.batch, (batchRun + 1) * uniforms.runLength);
        for (var n = batchRun * uniforms.runLength; n < end; n = n + 1) {
          let i = n * uniforms.sampleSize + k;
          ${body}
          result[i] = y;
        }
      }
    `,
  }, names.map((name) => requiredInput(call.inputs, name)), 'float32', call.r.shape);
}

/**
 * Batch sums: `term` (WGSL in `o`, `i` and the sample values `used`) adds over n into
 * `sum` and `other`, then `finish` (WGSL in both) is written; one invocation per sample
 * element.
 */
function batchSum(call: Call, key: string, used: readonly string[], arrays: readonly string[], term: string, finish: string): tf.TensorInfo {
  const names = [...arrays, ...used.map((name) => SAMPLE_VALUES[name] as string)];
  const lambda = requiredInput(call.inputs, 'lambda');
  return run(call.backend, {
    inputs: names,
    invocations: call.sample,
    outputSize: call.sample,
    workgroupSize: WORKGROUP,
    key: `bottleneckSum_${key}`,
    uniforms: new Uniforms().int('batch', call.batch).int('sampleSize', call.sample),
    code: `
      fn main(k : i32) {
        if (k >= uniforms.sampleSize) {
          return;
        }
        ${sampleReads(used)}
        var sum = 0.0;
        var other = 0.0;
        for (var n = 0; n < uniforms.batch; n = n + 1) {
          let i = n * uniforms.sampleSize + k;
          let o = ${call.masked ? 'dy[i] * m' : 'dy[i]'};
          ${term}
        }
        result[k] = ${finish};
      }
    `,
  }, names.map((name) => requiredInput(call.inputs, name)), 'float32', lambda.shape);
}

/** WGSL declarations of the sample values `used` at element k of a sample. */
function sampleReads(used: readonly string[]): string {
  return used.map((name) => `let ${name} = ${SAMPLE_VALUES[name] as string}[k];`).join('\n        ');
}

export const bottleneckForwardWebgpu: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const call = callOf(inputs, backend);
  const mask = call.masked ? ['m'] : [];
  const masking = call.masked ? 'y = y * m;' : '';
  if (attrs?.['term'] === 'capacity') {
    // −½(1 + 2·log max(1 − λ, s) − (λ·r')² − (1 − λ)²): the logarithm is per sample, out of the loop.
    return elementwise(call, `capacity${call.masked ? 'M' : ''}`, ['lam', 'om', 'mu', 's', ...mask], ['r'], `
          let muZ = lam * ((r[i] - mu) / s);
          var y = ((1.0 + logVariance) - (muZ * muZ + om * om)) * -0.5;
          ${masking}`, `let logVariance = log(max(om, ${FLOOR})) * 2.0;`);
  }
  // λ·R + (1 − λ)·(μ + σ·ε).
  return elementwise(call, `output${call.masked ? 'M' : ''}`, ['lam', 'om', 'mu', 's', ...mask], ['r', 'noise'], `
          var y = lam * r[i] + om * (mu + s * noise[i]);
          ${masking}`);
};

export const bottleneckBackwardWebgpu: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const call = callOf(inputs, backend);
  const capacity = attrs?.['term'] === 'capacity';
  const mask = call.masked ? ['m'] : [];
  const key = `${capacity ? 'capacity' : 'output'}${call.masked ? 'M' : ''}`;
  const o = call.masked ? 'dy[i] * m' : 'dy[i]';
  // dR = o·λ (output) or o·(λ²·r'/σ) (capacity), o = m·dy.
  const dR = capacity
    ? elementwise(call, `dR_${key}`, ['lam', 'mu', 's', ...mask], ['r', 'dy'], `
          let rPrime = (r[i] - mu) / s;
          let y = (${o}) * ((lam * lam * rPrime) / s);`)
    : elementwise(call, `dR_${key}`, ['lam', ...mask], ['dy'], `
          let y = (${o}) * lam;`);
  // Σₙ gλ − Σₙ g₁₋λ in one program, the two sums side by side: gλ = o·R (output) or
  // o·λ·r'² (capacity); g₁₋λ = o·ε = o·(μ + σ·n) (output) or o·((1 − λ) − 1/max(1 − λ, s))
  // (capacity).
  const difference = capacity
    ? batchSum(call, `difference_${key}`, ['lam', 'mu', 's', 'om', ...mask], ['dy', 'r'], 'let rPrime = (r[i] - mu) / s;\n          sum = sum + o * (rPrime * rPrime);\n          other = other + o;', `lam * sum - (om - 1.0 / max(om, ${FLOOR})) * other`)
    : batchSum(call, `difference_${key}`, ['mu', 's', ...mask], ['dy', 'r', 'noise'], 'sum = sum + o * r[i];\n          other = other + o * (mu + s * noise[i]);', 'sum - other');
  return [dR, difference];
};
