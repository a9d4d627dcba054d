/**
 * Every public op of featstats as a benchmark case: its inputs at each size, the call
 * through the public API, and the tfjs composite it is compared with. Adding an op is one
 * entry in CASES (plus, optionally, one function in baselines.ts and one in
 * torch_bench.py).
 */
import * as tf from '@tensorflow/tfjs-core';

import * as featstats from '../src';
import type * as featstatsLayers from '../src/layers';
import * as composite from './baselines';
import type { BackendName, SizeName } from './config';
import { normalTensor, uniformGenerator, uniformTensor } from './inputs';
import { LAYER_CASES } from './layerCases';

/** One tensor or several (multi-output ops; their sum is differentiated). */
export type Outputs = tf.Tensor | tf.Tensor[];

/** The inputs of one case at one size and the two implementations that consume them. */
export interface CaseSetup {
  /** Differentiable inputs, in the order both implementations take them. */
  readonly inputs: tf.Tensor[];
  /** Other tensors the implementations capture (disposed with the inputs). */
  readonly constants?: tf.Tensor[];
  readonly featstats: (...inputs: tf.Tensor[]) => Outputs | Promise<Outputs>;
  readonly composite?: (...inputs: tf.Tensor[]) => Outputs;
}

/**
 * Shape families: features are the NHWC sizes; the others keep the spirit of a
 * size where an op's input is not a feature map (rows to sort, embeddings, images).
 */
export type ShapeFamily = 'features' | 'activations' | 'rows' | 'embeddings' | 'batches' | 'images' | 'single';

export const FAMILIES: Record<ShapeFamily, { readonly shapes: Record<SizeName, number[]>; readonly note: string }> = {
  features: { shapes: { small: [1, 16, 16, 64], medium: [8, 32, 32, 512], large: [4, 64, 64, 256] }, note: 'NHWC features' },
  activations: {
    shapes: { small: [2, 16, 16, 32], medium: [8, 32, 32, 512], large: [4, 64, 64, 256] },
    note: 'features; small has N = 2 (same element count) since the probes compare samples',
  },
  rows: {
    shapes: { small: [64, 256], medium: [4096, 1024], large: [1024, 4096] },
    note: 'one row per (n, c) of the features, `[N·C, H·W]`: what EFDM sorts',
  },
  embeddings: { shapes: { small: [16, 128], medium: [256, 512], large: [1024, 512] }, note: 'embeddings `[N, D]` (batch, width)' },
  batches: {
    shapes: { small: [16, 128], medium: [256, 512], large: [4096, 128] },
    note: 'embeddings `[N, D]`; large is a SimCLR-sized batch, where the dense `[2N, 2N]` logits and masks need gigabytes and the fused kernels O(N·D)',
  },
  images: { shapes: { small: [1, 64, 64, 3], medium: [8, 224, 224, 3], large: [4, 512, 512, 3] }, note: 'RGB images' },
  single: {
    shapes: { small: [1, 16, 16, 64], medium: [1, 32, 32, 512], large: [1, 64, 64, 256] },
    note: "one image's features `[1, H, W, C]` of the size",
  },
};

/**
 * A public export of featstats, or of featstats/layers as `layers.<export>`: case names
 * are checked against the packages' exports.
 */
export type ExportName = keyof typeof featstats | `layers.${keyof typeof featstatsLayers}`;

export interface BenchCase {
  /** The public export measured. */
  readonly op: ExportName;
  readonly family: ShapeFamily;
  /** Options that differ from the defaults, as the table shows them. */
  readonly settings?: string;
  readonly setup: (shape: number[]) => CaseSetup;
  /** Why featstats has no forward+backward here; absent: it has one. */
  readonly noGradient?: string;
  /** Why the composite has no forward+backward; absent: it has one (or there is no composite). */
  readonly compositeNoGradient?: string;
  /** Why there is no composite; shown when setup gives none. */
  readonly noComposite?: string;
  /** Random draws differ between featstats and the composite: no agreement check. */
  readonly stochastic?: boolean;
  /** bench/torch_bench.py has this op. */
  readonly torch?: boolean;
  /**
   * PyTorch's time is mostly a BLAS matrix product (or LAPACK): its ratio is reported only
   * when torch runs on an optimized BLAS (bench/torchRunner.ts, TorchBlas).
   */
  readonly matrixProduct?: boolean;
  /** featstats measurements left out where they would run for hours, with the reason. */
  readonly skip?: Skip;
  /** Composite measurements left out where they would run for hours, with the reason. */
  readonly compositeSkip?: Skip;
}

export interface Skip {
  /** The backends it applies to. */
  readonly backends: readonly BackendName[];
  readonly sizes: readonly SizeName[];
  /** 'all': not measured at all; 'backward': forward only. */
  readonly pass: 'all' | 'backward';
  readonly reason: string;
}

const SEED = 7;
const normal = (shape: readonly number[], seed: number, mean = 0, std = 1) => normalTensor(shape, seed, mean, std);
const channelsOf = (shape: readonly number[]) => shape[shape.length - 1] as number;
const halfBatch = (shape: readonly number[]) => (shape[0] as number) / 2;
/** Two views per class, as a SupCon batch: labels 0…N/2−1 twice. */
const twoViews = (n: number) => Array.from({ length: n }, (_, i) => i % (n / 2));
const TOPK_NO_GRADIENT = 'tf.topk has no gradient in tfjs';
const GATHER_GRADIENT = "gather's tfjs gradient is UnsortedSegmentSum: O(n·segments) on cpu/webgl, missing on wasm";

/** A case whose only input is x, compared with `reference(x)`. */
function unary(op: ExportName, family: ShapeFamily, call: (x: tf.Tensor) => Outputs, reference: ((x: tf.Tensor) => Outputs) | undefined, extra: Partial<BenchCase> = {}): BenchCase {
  return {
    op,
    family,
    torch: true,
    setup: (shape) => ({ inputs: [normal(shape, SEED, 1, 2)], featstats: call, ...(reference ? { composite: reference } : {}) }),
    ...extra,
  };
}

/** A case on (content, style) feature pairs of the same shape. */
function pair(op: ExportName, call: (c: tf.Tensor, s: tf.Tensor) => Outputs, reference: (c: tf.Tensor, s: tf.Tensor) => Outputs, extra: Partial<BenchCase> = {}): BenchCase {
  return {
    op,
    family: 'features',
    torch: true,
    setup: (shape) => ({ inputs: [normal(shape, SEED), normal(shape, SEED + 1, 3, 2)], featstats: call, composite: reference }),
    ...extra,
  };
}

/** An IEContraAST loss on the paper's id layout for N embeddings; `primary` names its positives' shared id. */
function ieContraAstLoss(op: ExportName, loss: typeof featstats.styleContrastiveLoss, primary: 'styleIds' | 'contentIds'): BenchCase {
  return embeddingLoss(op, (shape) => {
    const ids = featstats.ieContraAstIds(halfBatch(shape));
    const secondary = primary === 'styleIds' ? ids.contentIds : ids.styleIds;
    return { inputs: [normal(shape, SEED)], featstats: (emb) => loss(emb, ids), composite: (emb) => composite.idContrastive(emb, ids[primary], secondary) };
  });
}

/** An image corruption on seeded uniform images. */
function image(op: ExportName, settings: string, stochastic: boolean, call: (x: tf.Tensor) => Outputs, reference: (x: tf.Tensor) => Outputs): BenchCase {
  return { op, family: 'images', settings, stochastic, torch: true, setup: (shape) => ({ inputs: [uniformTensor(shape, SEED)], featstats: call, composite: reference }) };
}

/** A contrastive loss on embeddings. */
function embeddingLoss(op: ExportName, setup: (shape: number[]) => CaseSetup, family: ShapeFamily = 'embeddings'): BenchCase {
  return { op, family, torch: true, matrixProduct: true, setup };
}

/**
 * A contrastive loss measured up to a batch of 4 096 (`batches`), where its peak memory
 * shows the fused kernels' O(N·D) against the batch size; `compositeSkip` leaves the dense
 * composite out where it would need gigabytes.
 */
function batchLoss(op: ExportName, setup: (shape: number[]) => CaseSetup, compositeSkip?: Skip): BenchCase {
  return { ...embeddingLoss(op, setup, 'batches'), ...(compositeSkip === undefined ? {} : { compositeSkip }) };
}

export const CASES: readonly BenchCase[] = [
  // ops
  unary('meanStd', 'features', (x) => Object.values(featstats.meanStd(x)), composite.meanStd),
  pair('adain', (c, s) => featstats.adain(c, s), composite.adain),
  pair('efdm', (c, s) => featstats.efdm(c, s), composite.efdm, { compositeNoGradient: GATHER_GRADIENT }),
  {
    op: 'efdmix',
    family: 'features',
    settings: 'p: 1, seed',
    stochastic: true,
    torch: true,
    compositeNoGradient: GATHER_GRADIENT,
    setup: (shape) => {
      const n = shape[0] as number;
      const uniform = uniformGenerator(SEED);
      const partners = Int32Array.from({ length: n }, (_, i) => (i + 1) % n);
      const weights = Float32Array.from({ length: n }, () => uniform());
      return { inputs: [normal(shape, SEED)], featstats: (x) => featstats.efdmix(x, { p: 1, seed: SEED }), composite: (x) => composite.efdmix(x, partners, weights) };
    },
  },
  unary('sort', 'rows', (x) => featstats.sort(x), composite.sort, { compositeNoGradient: TOPK_NO_GRADIENT }),
  unary('argsort', 'rows', (x) => featstats.argsort(x), composite.argsort, { noGradient: 'integer output' }),
  {
    op: 'perturbMeanStd',
    family: 'features',
    torch: true,
    setup: (shape) => {
      const c = channelsOf(shape);
      return {
        inputs: [normal(shape, SEED, 1, 2), uniformTensor([c], SEED + 1, 0.9, 1.1), uniformTensor([c], SEED + 2, 0.8, 1.2)],
        featstats: (x, m, s) => featstats.perturbMeanStd(x, m, s),
        composite: (x, m, s) => composite.perturbMeanStd(x, m, s),
      };
    },
  },
  {
    op: 'adversarialMeanStd',
    family: 'features',
    settings: 'loss: channelVariance, steps: 1 (the cost is per step; default 6)',
    noGradient: 'an attack loop (forward only)',
    noComposite: 'no single tfjs op to compare with',
    setup: (shape) => ({
      inputs: [normal(shape, SEED, 1, 2)],
      featstats: (x) => Object.values(featstats.adversarialMeanStd(x, (y) => featstats.channelVariance(y), { steps: 1 })),
    }),
  },
  // norms
  unary('instanceNorm', 'features', (x) => featstats.instanceNorm(x), composite.instanceNorm),
  unary('groupNorm', 'features', (x) => featstats.groupNorm(x, { groups: 32 }), (x) => composite.groupNorm(x, 32), { settings: 'groups: 32' }),
  unary('layerNorm', 'features', (x) => featstats.layerNorm(x), composite.layerNorm, { settings: 'axes: [-1] (over C)' }),
  unary('batchNorm', 'features', (x) => featstats.batchNorm(x), composite.batchNorm, { settings: 'training' }),
  // diagnostics
  unary('cosineSimilarityMatrix', 'activations', (x) => featstats.cosineSimilarityMatrix(x), composite.cosineSimilarityMatrix, { matrixProduct: true }),
  unary('activationSimilarity', 'activations', (x) => featstats.activationSimilarity(x), composite.activationSimilarity, { matrixProduct: true }),
  unary('stableRank', 'activations', (x) => featstats.stableRank(x), composite.stableRank, { settings: 'composite: 20 power iterations', matrixProduct: true }),
  unary('channelVariance', 'activations', (x) => featstats.channelVariance(x), composite.channelVariance),
  unary(
    'probe',
    'activations',
    (x) => {
      const result = featstats.probe([(a) => featstats.instanceNorm(a)], x, (y) => featstats.activationSimilarity(y));
      return [result.loss, ...result.layers.flatMap((layer) => Object.values(layer) as tf.Tensor[])];
    },
    undefined,
    { settings: 'one layer (instanceNorm), loss: activationSimilarity', noGradient: 'runs its own backward pass', noComposite: 'a diagnostic driver', torch: false },
  ),
  // attribution
  {
    op: 'informationBottleneck',
    family: 'features',
    settings: 'smoothSigma: 1, given noise',
    torch: true,
    setup: (shape) => {
      const sample = shape.slice(1);
      const mean = normal(sample, SEED + 2, 0, 0.1);
      const std = uniformTensor(sample, SEED + 3, 0.5, 1.5);
      const noise = normal(shape, SEED + 4);
      return {
        inputs: [normal(shape, SEED), uniformTensor(sample, SEED + 1, 2, 6)],
        constants: [mean, std, noise],
        featstats: (r, alpha) => Object.values(featstats.informationBottleneck(r, alpha, { mean, std, noise })),
        composite: (r, alpha) => composite.informationBottleneck(r, alpha, mean, std, noise),
      };
    },
  },
  {
    op: 'ibaAttribution',
    family: 'single',
    settings: 'batchSize 10, 1 Adam step, linear head',
    noGradient: 'an optimisation loop (forward only)',
    noComposite: 'an optimisation driver',
    setup: (shape) => {
      const sample = shape.slice(1);
      const head = normal([channelsOf(shape), 10], SEED + 1, 0, 0.1);
      const mean = tf.zeros(sample);
      const std = tf.ones(sample);
      return {
        inputs: [normal(shape, SEED)],
        constants: [head, mean, std],
        featstats: (features) => {
          const result = featstats.ibaAttribution({ features, head: (f) => tf.matMul(tf.mean(f, [1, 2]), head), target: 0, mean, std, steps: 1, seed: SEED });
          return [result.heatmap, result.capacity];
        },
      };
    },
  },
  {
    op: 'WelfordEstimator',
    family: 'features',
    settings: 'one update(batch)',
    noGradient: 'host-side statistics (reads the batch back)',
    noComposite: 'host-side float64 statistics',
    setup: (shape) => ({
      inputs: [normal(shape, SEED)],
      featstats: async (x) => {
        await new featstats.WelfordEstimator().update(x);
        return [];
      },
    }),
  },
  // losses
  batchLoss('infoNCE', (shape) => ({
    inputs: [normal(shape, SEED), normal(shape, SEED + 1)],
    featstats: (a, p) => featstats.infoNCE(a, p),
    composite: (a, p) => composite.infoNCE(a, p),
  })),
  batchLoss(
    'ntXent',
    (shape) => ({
      inputs: [normal(shape, SEED), normal(shape, SEED + 1)],
      featstats: (a, b) => featstats.ntXent(a, b),
      composite: (a, b) => composite.ntXent(a, b),
    }),
    {
      backends: ['cpu', 'wasm', 'webgl'],
      sizes: ['large'],
      pass: 'all',
      reason: 'the dense composite holds several [2N, 2N] float32 tensors at 2N = 8 192 (256 MiB each, about 4 GiB at its peak) and takes minutes per call',
    },
  ),
  embeddingLoss('supCon', (shape) => {
    const labels = twoViews(shape[0] as number);
    return { inputs: [normal(shape, SEED)], featstats: (z) => featstats.supCon(z, labels), composite: (z) => composite.supCon(z, labels) };
  }),
  ieContraAstLoss('styleContrastiveLoss', featstats.styleContrastiveLoss, 'styleIds'),
  ieContraAstLoss('contentContrastiveLoss', featstats.contentContrastiveLoss, 'contentIds'),
  embeddingLoss('contrastiveDistillation', (shape) => {
    const teacher = normal(shape, SEED + 1);
    return {
      inputs: [normal(shape, SEED)],
      constants: [teacher],
      featstats: (student) => featstats.contrastiveDistillation(student, teacher),
      composite: (student) => composite.ntXent(student, teacher),
    };
  }),
  // corruptions
  image('randomMask', 'fraction: 0.5', true, (x) => featstats.randomMask(x, { fraction: 0.5, seed: SEED }), (x) => composite.randomMask(x, 0.5, SEED)),
  image('gaussianNoise', 'std: 0.1', true, (x) => featstats.gaussianNoise(x, { std: 0.1, seed: SEED }), (x) => composite.gaussianNoise(x, 0.1, SEED)),
  image('gaussianBlur', 'kernelSize: 37, sigma: 9', false, (x) => featstats.gaussianBlur(x, { kernelSize: 37, sigma: 9 }), (x) => composite.gaussianBlur(x, 37, 9)),
  // featstats/layers: a training step against tfjs-layers' own layer
  ...LAYER_CASES,
];

/** Public exports that are not benchmarked, and why (the report lists them). */
export const NOT_BENCHMARKED: Partial<Record<ExportName, string>> = {
  ieContraAstIds: 'builds two id arrays on the host',
  // The async drivers run the same steps as their sync cases, with an await between steps.
  adversarialMeanStdAsync: "adversarialMeanStd's steps, awaited one by one (see adversarialMeanStd)",
  ibaAttributionAsync: "ibaAttribution's steps, awaited one by one (see ibaAttribution)",
  probeAsync: "probe's layers, awaited one by one (see probe)",
  setFastPaths: 'a switch',
  getFastPaths: 'a switch',
};
