/**
 * The composites a tfjs user writes today for each featstats op: tfjs-core ops only, with
 * tfjs's own registered gradients (the bench loads `register_all_gradients`). They are
 * the peers of the "÷ composite" ratio, run on the same backend in the same process.
 *
 * They follow the public reference code where there is one (AdaIN's and EFDM's
 * `calc_mean_std`, EFDM's sort–argsort–gather) and otherwise the plain formula. Where
 * tfjs itself forces a choice, the comment says which (e.g. the flat gather, because
 * tfjs-backend-wasm 4.22 ignores gather's batchDims).
 */
import * as tf from '@tensorflow/tfjs-core';

const EPSILON = 1e-5;

const lastDim = (x: tf.Tensor): number => x.shape[x.rank - 1] as number;
const spatialSize = (x: tf.Tensor): number => (x.shape[1] as number) * (x.shape[2] as number);

// ---------------------------------------------------------------- statistics and norms

/** `(x − μ)·rsqrt(σ² + ε)` with μ, σ² from `tf.moments` over `axes` (biased, as F.*_norm). */
function momentsNormalize(x: tf.Tensor, axes: number[]): tf.Tensor {
  const { mean, variance } = tf.moments(x, axes, true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPSILON)));
}

export const instanceNorm = (x: tf.Tensor): tf.Tensor => momentsNormalize(x, [1, 2]);

export const layerNorm = (x: tf.Tensor): tf.Tensor => momentsNormalize(x, [x.rank - 1]);

/** Channels split into groups by a reshape to `[N, H, W, G, C/G]`. */
export function groupNorm(x: tf.Tensor, groups: number): tf.Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  return tf.reshape(momentsNormalize(tf.reshape(x, [n, h, w, groups, c / groups]), [1, 2, 4]), x.shape);
}

/**
 * Training-mode batch norm: `tf.batchNorm` is right for 1-D statistics (NHWC) on every
 * backend. Offset and scale are passed because tfjs 4.22's FusedBatchNorm gradient throws
 * (`reading 'dataId'`) when they are omitted.
 */
export function batchNorm(x: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const channels = lastDim(x);
  return tf.batchNorm(x, mean, variance, tf.zeros([channels]), tf.ones([channels]), EPSILON);
}

/** The AdaIN/EFDM reference's `calc_mean_std`: unbiased variance, ε inside the root. */
function calcMeanStd(x: tf.Tensor): { mean: tf.Tensor; std: tf.Tensor } {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  const positions = spatialSize(x);
  return { mean, std: tf.sqrt(tf.add(tf.mul(variance, positions / (positions - 1)), EPSILON)) };
}

export function meanStd(x: tf.Tensor): tf.Tensor[] {
  const { mean, std } = calcMeanStd(x);
  return [mean, std];
}

export function adain(content: tf.Tensor, style: tf.Tensor): tf.Tensor {
  const c = calcMeanStd(content);
  const s = calcMeanStd(style);
  return tf.add(tf.mul(tf.div(tf.sub(content, c.mean), c.std), s.std), s.mean);
}

/** AdvBN: per-channel mean over the batch and positions, `(x − μ)·s + μ·m`. */
export function perturbMeanStd(x: tf.Tensor, meanScale: tf.Tensor, stdScale: tf.Tensor): tf.Tensor {
  const mean = tf.mean(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.sub(x, mean), stdScale), tf.mul(mean, meanScale));
}

// ---------------------------------------------------------------- sorting

/** Ascending sort along the last axis: `tf.topk` of −x (descending, ties to the lower index). */
export const sort = (x: tf.Tensor): tf.Tensor => tf.neg(tf.topk(tf.neg(x), lastDim(x)).values);

export const argsort = (x: tf.Tensor): tf.Tensor => tf.topk(tf.neg(x), lastDim(x)).indices;

/** `[N, H, W, C]` → `[N·C, H·W]`, one row per channel. */
function toRows(x: tf.Tensor): tf.Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n * c, h * w]);
}

function fromRows(rows: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const [n, h, w, c] = shape as [number, number, number, number];
  return tf.transpose(tf.reshape(rows, [n, c, h, w]), [0, 2, 3, 1]);
}

/** `values[r, indices[r, k]]` as a flat gather: tfjs-backend-wasm 4.22 ignores gather's batchDims. */
function gatherRows(values: tf.Tensor, indices: tf.Tensor): tf.Tensor {
  const [rows, length] = indices.shape as [number, number];
  const offsets = tf.tensor2d(Int32Array.from({ length: rows }, (_, r) => r * length), [rows, 1], 'int32');
  return tf.reshape(tf.gather(tf.reshape(values, [-1]), tf.add(indices, offsets)), [rows, length]);
}

/** argsort of a permutation is its inverse: the rank of each element in its row. */
const ranksOf = (order: tf.Tensor): tf.Tensor => tf.topk(tf.neg(tf.cast(order, 'float32')), lastDim(order)).indices;

/** EFDM as the reference code: sort content (indices), sort style (values), argsort, gather. */
export function efdm(content: tf.Tensor, style: tf.Tensor): tf.Tensor {
  const length = spatialSize(content);
  const contentOrder = tf.topk(toRows(content), length).indices;
  const styleSorted = tf.topk(toRows(style), length).values;
  return fromRows(gatherRows(styleSorted, ranksOf(contentOrder)), content.shape);
}

/** EFDMix with host-drawn partners and weights: λx + (1 − λ)·(partner's sorted values at x's ranks). */
export function efdmix(x: tf.Tensor, partners: Int32Array, weights: Float32Array): tf.Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const { values, indices } = tf.topk(toRows(x), h * w);
  const partnerSorted = tf.reshape(tf.gather(tf.reshape(values, [n, c * h * w]), tf.tensor1d(partners, 'int32')), [n * c, h * w]);
  const matched = fromRows(gatherRows(partnerSorted, ranksOf(indices)), x.shape);
  const lambda = tf.tensor4d(weights, [n, 1, 1, 1]);
  return tf.add(tf.mul(lambda, x), tf.mul(tf.sub(1, lambda), matched));
}

// ---------------------------------------------------------------- diagnostics

/** Flattened samples scaled to unit length (`tf.norm`, as a user would). */
function unitSamples(x: tf.Tensor): tf.Tensor {
  const flat = tf.reshape(x, [x.shape[0] as number, -1]);
  return tf.div(flat, tf.norm(flat, 'euclidean', 1, true));
}

export function cosineSimilarityMatrix(x: tf.Tensor): tf.Tensor {
  const unit = unitSamples(x);
  return tf.matMul(unit, unit, false, true);
}

export function activationSimilarity(x: tf.Tensor): tf.Tensor {
  const n = x.shape[0] as number;
  return tf.div(tf.sub(tf.sum(cosineSimilarityMatrix(x)), n), n * (n - 1));
}

/** tr(G)/λ_max(G) with λ_max from 20 power iterations on the Gram matrix of unit samples. */
export function stableRank(x: tf.Tensor): tf.Tensor {
  const unit = unitSamples(x);
  const gram = tf.matMul(unit, unit, false, true);
  let v: tf.Tensor = tf.fill([x.shape[0] as number, 1], 1);
  for (let i = 0; i < 20; i++) {
    const next = tf.matMul(gram, v);
    v = tf.div(next, tf.norm(next));
  }
  const lambda = tf.sum(tf.mul(v, tf.matMul(gram, v)));
  return tf.div(tf.sum(tf.square(unit)), lambda);
}

/** Mean over channels of the unbiased variance over batch and positions. */
export function channelVariance(x: tf.Tensor): tf.Tensor {
  const count = x.size / lastDim(x);
  return tf.mean(tf.mul(tf.moments(x, [0, 1, 2]).variance, count / (count - 1)));
}

// ---------------------------------------------------------------- attribution and corruptions

/** Normalised Gaussian taps. */
function gaussianTaps(kernelSize: number, sigma: number): number[] {
  const radius = (kernelSize - 1) / 2;
  const taps = Array.from({ length: kernelSize }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)));
  const total = taps.reduce((a, b) => a + b, 0);
  return taps.map((t) => t / total);
}

/** Separable Gaussian blur of `[N, H, W, C]`: reflection pad, then two depthwise convolutions. */
function blur(x: tf.Tensor4D, kernelSize: number, sigma: number): tf.Tensor4D {
  const channels = x.shape[3];
  const radius = (kernelSize - 1) / 2;
  const taps = tf.tensor1d(gaussianTaps(kernelSize, sigma));
  const vertical = tf.tile(tf.reshape(taps, [kernelSize, 1, 1, 1]), [1, 1, channels, 1]) as tf.Tensor4D;
  const horizontal = tf.tile(tf.reshape(taps, [1, kernelSize, 1, 1]), [1, 1, channels, 1]) as tf.Tensor4D;
  const padded = tf.mirrorPad(x, [[0, 0], [radius, radius], [radius, radius], [0, 0]], 'reflect');
  return tf.depthwiseConv2d(tf.depthwiseConv2d(padded, vertical, 1, 'valid'), horizontal, 1, 'valid');
}

export const gaussianBlur = (images: tf.Tensor, kernelSize: number, sigma: number): tf.Tensor => blur(images as tf.Tensor4D, kernelSize, sigma);

/** IBA's bottleneck and capacity, with σ = 1 smoothing (kernel 5) of λ = sigmoid(α). */
export function informationBottleneck(r: tf.Tensor, alpha: tf.Tensor, mean: tf.Tensor, std: tf.Tensor, noise: tf.Tensor): tf.Tensor[] {
  const lambda = tf.squeeze(blur(tf.expandDims(tf.sigmoid(alpha), 0) as tf.Tensor4D, 5, 1), [0]);
  const keep = tf.sub(1, lambda);
  const output = tf.add(tf.mul(lambda, r), tf.mul(keep, tf.add(mean, tf.mul(std, noise))));
  const meanZ = tf.mul(lambda, tf.div(tf.sub(r, mean), std));
  const varianceZ = tf.square(keep);
  const capacity = tf.mul(-0.5, tf.sub(tf.sub(tf.add(1, tf.log(varianceZ)), tf.square(meanZ)), varianceZ));
  return [output, capacity];
}

export function randomMask(images: tf.Tensor, fraction: number, seed: number): tf.Tensor {
  const [n, h, w] = images.shape as [number, number, number, number];
  return tf.mul(images, tf.cast(tf.greaterEqual(tf.randomUniform([n, h, w, 1], 0, 1, 'float32', seed), fraction), 'float32'));
}

export const gaussianNoise = (images: tf.Tensor, std: number, seed: number): tf.Tensor => tf.add(images, tf.randomNormal(images.shape, 0, std, 'float32', seed));

// ---------------------------------------------------------------- contrastive losses

const unitRows = (x: tf.Tensor): tf.Tensor => tf.div(x, tf.norm(x, 'euclidean', 1, true));

/** Cosine logits of two row sets over τ. */
const cosineLogits = (a: tf.Tensor, b: tf.Tensor, temperature: number): tf.Tensor => tf.div(tf.matMul(unitRows(a), unitRows(b), false, true), temperature);

/** `[n, n]` host mask. */
const hostMatrix = (n: number, at: (i: number, j: number) => number): tf.Tensor =>
  tf.tensor2d(Float32Array.from({ length: n * n }, (_, k) => at(Math.floor(k / n), k % n)), [n, n]);

/** Self-similarities pushed out of every softmax. */
const withoutSelf = (logits: tf.Tensor): tf.Tensor => tf.sub(logits, tf.mul(tf.eye(logits.shape[0] as number), 1e9));

export function infoNCE(anchors: tf.Tensor, positives: tf.Tensor, temperature = 0.07): tf.Tensor {
  return tf.losses.softmaxCrossEntropy(tf.eye(anchors.shape[0] as number), cosineLogits(anchors, positives, temperature));
}

export function ntXent(a: tf.Tensor, b: tf.Tensor, temperature = 0.1): tf.Tensor {
  const n = a.shape[0] as number;
  const z = tf.concat([a, b], 0);
  const targets = hostMatrix(2 * n, (i, j) => (j === (i + n) % (2 * n) ? 1 : 0));
  return tf.losses.softmaxCrossEntropy(targets, withoutSelf(cosineLogits(z, z, temperature)));
}

/** SupCon L_out: −mean over positives of log softmax (self excluded), mean over anchors. */
export function supCon(z: tf.Tensor, labels: readonly number[], temperature = 0.07): tf.Tensor {
  const n = labels.length;
  const positives = labels.map((label, i) => labels.filter((other, p) => p !== i && other === label).length);
  const weights = hostMatrix(n, (i, p) => (p !== i && labels[p] === labels[i] ? 1 / (positives[i] as number) : 0));
  const logits = withoutSelf(cosineLogits(z, z, temperature));
  const logProb = tf.sub(logits, tf.logSumExp(logits, 1, true));
  return tf.neg(tf.mean(tf.sum(tf.mul(weights, logProb), 1)));
}

/** IEContraAST: Σ over positives (same primary id, other secondary) of softplus(lse over negatives − s). */
export function idContrastive(emb: tf.Tensor, primary: readonly number[], secondary: readonly number[], temperature = 0.2): tf.Tensor {
  const n = primary.length;
  const positive = hostMatrix(n, (i, j) => (primary[i] === primary[j] && secondary[i] !== secondary[j] ? 1 : 0));
  const negative = hostMatrix(n, (i, j) => (primary[i] !== primary[j] && secondary[i] !== secondary[j] ? 1 : 0));
  const logits = cosineLogits(emb, emb, temperature);
  const negatives = tf.logSumExp(tf.sub(logits, tf.mul(tf.sub(1, negative), 1e9)), 1, true);
  return tf.sum(tf.mul(positive, tf.softplus(tf.sub(negatives, logits))));
}
