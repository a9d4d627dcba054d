/**
 * `FeatstatsBottleneckForward` and `FeatstatsBottleneckBackward` on webgl (contract in
 * `../contract.ts`): the forward and dR are one element-wise program each, and the
 * difference of the batch sums one program with a texel per sample element that loops
 * over the batch, the two sums side by side (N is
 * small: a sample's size of fragments is plenty). The composites instead broadcast the
 * sample tensors against R in a dozen passes, each writing an R-sized texture.
 *
 * R (and noise, dy) is read as `[N, P, L]` and the sample tensors as `[P, L]`, L being R's
 * last dimension: the same dataId under another shape, as tfjs's own `Reshape` treats an
 * unpacked texture, so nothing is copied. For R of rank 2 to 4 whose rows fit a texture
 * the view keeps R's texture shape (tfjs lays both out as rows of L), so R, noise and dy
 * are read at the output's own texel (`get…AtOutCoords`: one texture sample, no index
 * arithmetic; elsewhere tfjs falls back to the index arithmetic, the same values), and a
 * sample tensor at (p, l) without a modulo. A packed input is first unpacked in its own
 * shape (its layout depends on its last two dimensions, so it cannot be re-labelled).
 *
 * The formulas are the contract's, in the composites' order of operations; the backward's
 * sums take the per-sample factors (λ, the capacity's (1 − λ) − 1/max(1 − λ, s)) out of
 * the loop over n, as the host kernels do.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, shaderProgram, webglBackend, type WebglBackend } from '../../webgl/program';
import { SMALLEST_NOISE_WEIGHT } from '../host/common';

/** The sample tensors' sampler names, as the contract names the inputs. */
const SAMPLE_INPUTS = ['lambda', 'oneMinusLambda', 'mean', 'sigma'] as const;

/** Float32's smallest normal as a GLSL literal. */
const FLOOR = SMALLEST_NOISE_WEIGHT.toExponential();

interface Views {
  /** The inputs as the programs read them, by name (R-shaped ones `[N, P, L]`, sample ones `[P, L]`). */
  readonly views: Record<string, tf.TensorInfo>;
  /** Unpacked copies to dispose after the programs ran. */
  readonly temporaries: tf.TensorInfo[];
  readonly batch: number;
  readonly rows: number;
  readonly last: number;
  readonly masked: boolean;
}

/** Every input re-labelled as its view (`[N, P, L]` or `[P, L]`), a packed one unpacked first. */
function viewsOf(backend: WebglBackend, inputs: tf.NamedTensorInfoMap, full: readonly string[]): Views {
  const r = requiredInput(inputs, 'r');
  const batch = r.shape[0] as number;
  const last = r.shape.length > 1 ? (r.shape[r.shape.length - 1] as number) : 1;
  const rows = r.shape.slice(1).reduce((a, b) => a * b, 1) / last;
  const temporaries: tf.TensorInfo[] = [];
  const views: Record<string, tf.TensorInfo> = {};
  const masked = inputs['mask'] !== undefined;
  for (const name of [...full, ...SAMPLE_INPUTS, ...(masked ? ['mask'] : [])]) {
    let source = requiredInput(inputs, name);
    if (backend.texData?.get(source.dataId)?.isPacked === true && backend.unpackTensor !== undefined) {
      source = backend.unpackTensor(source);
      temporaries.push(source);
    }
    views[name] = { dataId: source.dataId, shape: full.includes(name) ? [batch, rows, last] : [rows, last], dtype: source.dtype };
  }
  return { views, temporaries, batch, rows, last, masked };
}

function run(backend: WebglBackend, v: Views, names: readonly string[], outputShape: number[], userCode: string): tf.TensorInfo {
  const program = shaderProgram([...names], outputShape, userCode);
  return backend.runWebGLProgram(program, names.map((name) => v.views[name] as tf.TensorInfo), 'float32');
}

function finish(backend: WebglBackend, v: Views): void {
  for (const info of v.temporaries) backend.disposeIntermediateTensorInfo(info);
}

const relabel = (output: tf.TensorInfo, like: tf.TensorInfo): tf.TensorInfo => ({ dataId: output.dataId, shape: [...like.shape], dtype: output.dtype });

/** The sample tensors' GLSL names and samplers; a program declares only those it uses. */
const SAMPLE_READS: Record<string, string> = { lam: 'getLambda', om: 'getOneMinusLambda', mu: 'getMean', s: 'getSigma', m: 'getMask' };

/** GLSL declarations of the sample values `used` (of lam, om, mu, s, m) at (p, l) of the view. */
function sampleReads(used: readonly string[]): string {
  return used.map((name) => `float ${name} = ${SAMPLE_READS[name] as string}(p, l);`).join('\n      ');
}

export const bottleneckForwardWebgl: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webglBackend(rawBackend);
  const capacity = attrs?.['term'] === 'capacity';
  const full = capacity ? ['r'] : ['r', 'noise'];
  const v = viewsOf(backend, inputs, full);
  const value = capacity
    ? `
      float muZ = lam * ((getRAtOutCoords() - mu) / s);
      float logVariance = log(max(om, ${FLOOR})) * 2.0;
      float y = ((1.0 + logVariance) - (muZ * muZ + om * om)) * -0.5;`
    : `
      float y = lam * getRAtOutCoords() + om * (mu + s * getNoiseAtOutCoords());`;
  const names = [...full, ...SAMPLE_INPUTS, ...(v.masked ? ['mask'] : [])];
  const y = run(backend, v, names, [v.batch, v.rows, v.last], `
    void main() {
      ivec3 coords = getOutputCoords();
      int p = coords.y;
      int l = coords.z;
      ${sampleReads(['lam', 'om', 'mu', 's', ...(v.masked ? ['m'] : [])])}
      ${value}
      ${v.masked ? 'y *= m;' : ''}
      setOutput(y);
    }
  `);
  finish(backend, v);
  return relabel(y, requiredInput(inputs, 'r'));
};

export const bottleneckBackwardWebgl: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webglBackend(rawBackend);
  const capacity = attrs?.['term'] === 'capacity';
  const full = capacity ? ['r', 'dy'] : ['r', 'noise', 'dy'];
  const v = viewsOf(backend, inputs, full);
  const names = [...full, ...SAMPLE_INPUTS, ...(v.masked ? ['mask'] : [])];
  const mask = v.masked ? ['m'] : [];
  const upstream = (dy: string) => (v.masked ? `${dy} * m` : dy);
  // dR = o·λ (output) or o·(λ²·r'/σ) (capacity), o = m·dy.
  const dR = run(backend, v, names, [v.batch, v.rows, v.last], `
    void main() {
      ivec3 coords = getOutputCoords();
      int p = coords.y;
      int l = coords.z;
      ${sampleReads([...(capacity ? ['lam', 'mu', 's'] : ['lam']), ...mask])}
      float o = ${upstream('getDyAtOutCoords()')};
      ${capacity ? 'float rPrime = (getRAtOutCoords() - mu) / s;\n      setOutput(o * ((lam * lam * rPrime) / s));' : 'setOutput(o * lam);'}
    }
  `);
  /**
   * Batch sums: `term` (GLSL in o, the sample values `used` and ints n, p, l) adds over n
   * into `sum` and `other`, then `result` (GLSL in both) is written.
   */
  const batchSum = (used: readonly string[], term: string, result: string) =>
    run(backend, v, names, [v.rows, v.last], `
      void main() {
        ivec2 coords = getOutputCoords();
        int p = coords.x;
        int l = coords.y;
        ${sampleReads([...used, ...mask])}
        float sum = 0.0;
        float other = 0.0;
        for (int n = 0; n < ${v.batch}; n++) {
          float o = ${upstream('getDy(n, p, l)')};
          ${term}
        }
        setOutput(${result});
      }
    `);
  // Σₙ gλ − Σₙ g₁₋λ in one program, the two sums side by side: gλ = o·R (output) or
  // o·λ·r'² (capacity); g₁₋λ = o·ε = o·(μ + σ·n) (output) or o·((1 − λ) − 1/max(1 − λ, s))
  // (capacity).
  const difference = capacity
    ? batchSum(['lam', 'mu', 's', 'om'], 'float rPrime = (getR(n, p, l) - mu) / s;\n          sum += o * (rPrime * rPrime);\n          other += o;', `lam * sum - (om - 1.0 / max(om, ${FLOOR})) * other`)
    : batchSum(['mu', 's'], 'sum += o * getR(n, p, l);\n          other += o * (mu + s * getNoise(n, p, l));', 'sum - other');
  finish(backend, v);
  const lambda = requiredInput(inputs, 'lambda');
  return [relabel(dR, requiredInput(inputs, 'r')), relabel(difference, lambda)];
};
