/**
 * Extreme valid inputs for the generated-input suite: constant channels, identical
 * samples (embeddings), all zeros, magnitudes 1e-20 and 1e4 (also 1e4 offsets with a
 * 1e-2 spread), batch 1 and a single spatial position, with ε = 0 where an op allows it.
 * Every output and every gradient must be finite, and nothing may leak.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';

import * as featstats from '../../src';
import { featureShape, makeValues, uniformFrom } from '../helpers/arbitraries';
import { channelsLast, channelRows, dims, type DataFormat } from '../reference/layout';
import { memoryFootprint, type Tally } from './runner';

export type Magnitude = 'constant channels' | 'identical samples' | 'zero' | '1e-20' | '1e4' | '1e4 offset';
const MAGNITUDES: readonly Magnitude[] = ['constant channels', 'identical samples', 'zero', '1e-20', '1e4', '1e4 offset'];

/** Values of one extreme kind for a tensor of `shape` (channels as `dataFormat` places them). */
export function extremeValues(shape: readonly number[], dataFormat: DataFormat, magnitude: Magnitude, seed: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const spread = makeValues([size], 'NHWC', 'spread', 1, seed);
  switch (magnitude) {
    case 'zero':
      return new Float32Array(size);
    case '1e-20':
      return spread.map((v) => v * 1e-20);
    case '1e4':
      return spread.map((v) => v * 1e4);
    case '1e4 offset':
      return spread.map((v) => 1e4 + 1e-2 * v);
    case 'identical samples': {
      const sample = size / (shape[0] as number);
      return spread.map((_, i) => spread[i % sample] as number);
    }
    case 'constant channels': {
      const values = new Float32Array(size);
      if (shape.length < 2) return values.fill(spread[0] as number);
      const uniform = uniformFrom(seed + 1);
      for (const row of channelRows(shape, dataFormat)) {
        const constant = (2 * uniform() - 1) * 10 ** Math.floor(uniform() * 5 - 2);
        for (const i of row) values[i] = constant;
      }
      return values;
    }
  }
}

/** Plain data of an extreme features tensor. */
export interface ExtremeFeatures {
  readonly shape: number[];
  readonly dataFormat: DataFormat;
  readonly magnitude: Magnitude;
  readonly seed: number;
}

/** Features of rank `minRank`–4 (or rank 2: `[N, D]`), often with batch 1 or a single position. */
export function extremeFeatures(options: { minRank?: number; maxRank?: number; minBatch?: number; minPositions?: number } = {}): fc.Arbitrary<ExtremeFeatures> {
  const { minRank = 3, maxRank = 4, minBatch = 1, minPositions = 1 } = options;
  return fc
    .record({
      layout: featureShape({ minRank, maxRank, maxDim: 3, maxSize: 54 }),
      force: fc.constantFrom('batch 1', 'one position', 'as drawn'),
      magnitude: fc.constantFrom(...MAGNITUDES),
      seed: fc.nat(),
    })
    .map(({ layout, force, magnitude, seed }) => {
      const channelAxis = channelsLast(layout.dataFormat) ? layout.shape.length - 1 : 1;
      const shape = layout.shape.map((d, i) => {
        if (force === 'batch 1' && i === 0) return 1;
        if (force === 'one position' && i !== 0 && i !== channelAxis) return 1;
        return d;
      });
      return { shape, dataFormat: layout.dataFormat, magnitude, seed };
    })
    .filter(({ shape, dataFormat }) => (shape[0] as number) >= minBatch && (shape.length < 3 || dims(shape, dataFormat).positions >= minPositions));
}

/** The tensor an extreme-features case describes. */
export const tensorFrom = (f: ExtremeFeatures, shape = f.shape) => tf.tensor(extremeValues(shape, f.dataFormat, f.magnitude, f.seed), shape, 'float32');

/** One extreme case of an entry: its inputs, and its float outputs as a function of them. */
export interface ExtremeCase {
  readonly label: string;
  /** Inputs; the first `differentiable` of them are differentiated. */
  readonly inputs: () => tf.Tensor[];
  readonly differentiable: number;
  /** The outputs to check (and, when differentiable > 0, to differentiate), one per entry. */
  readonly outputs: (inputs: tf.Tensor[]) => tf.Tensor[] | Promise<tf.Tensor[]>;
}

async function allFinite(t: tf.Tensor): Promise<boolean> {
  const values = await t.data();
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i] as number)) return false;
  return true;
}

/**
 * Runs an extreme case: every output finite; for each output, the gradient of each
 * differentiable input (dy = 1) finite and shaped like the input; no tensor, buffer,
 * byte or texture left once inputs, outputs and gradients are disposed.
 */
export async function runExtremeCase(extreme: ExtremeCase, tally: Tally): Promise<void> {
  const fault = (kind: 'wrongKind' | 'leaks', what: string) => {
    tally[kind] += 1;
    if (tally.failures.length < 30) tally.failures.push(`${kind === 'wrongKind' ? 'nonFinite' : kind}: ${extreme.label}: ${what}`);
  };
  tally.cases += 1;
  const before = await memoryFootprint();
  const inputs = extreme.inputs();
  try {
    const outputs = await extreme.outputs(inputs);
    for (const [k, output] of outputs.entries()) {
      if (!(await allFinite(output))) fault('wrongKind', `output ${k} is not finite`);
    }
    const count = outputs.length;
    tf.dispose(outputs);
    const differentiated = inputs.slice(0, extreme.differentiable);
    for (let k = 0; k < (extreme.differentiable > 0 ? count : 0); k++) {
      const f = (...xs: tf.Tensor[]) => {
        const all = extreme.outputs([...xs, ...inputs.slice(extreme.differentiable)]) as tf.Tensor[];
        return all[k] as tf.Tensor;
      };
      const gradients = tf.grads(f)(differentiated);
      for (const [i, gradient] of gradients.entries()) {
        const input = differentiated[i] as tf.Tensor;
        if (gradient.shape.join() !== input.shape.join()) fault('wrongKind', `gradient ${i} of output ${k} has shape [${gradient.shape.join()}] for input [${input.shape.join()}]`);
        if (!(await allFinite(gradient))) fault('wrongKind', `gradient of input ${i} through output ${k} is not finite`);
      }
      tf.dispose(gradients);
    }
  } catch (error) {
    fault('wrongKind', `threw ${String(error)}`);
  } finally {
    tf.dispose(inputs);
  }
  const after = await memoryFootprint();
  if (before.some((v, i) => v !== after[i])) fault('leaks', `[tensors, buffers, bytes, texture bytes] went from [${before.join(', ')}] to [${after.join(', ')}]`);
}

/** Extreme cases of every entry point that computes on tensors. */
export function extremeCases(): fc.Arbitrary<ExtremeCase>[] {
  const f = featstats;
  const layoutOf = (x: ExtremeFeatures) => dims(x.shape, x.dataFormat);
  const options = (x: ExtremeFeatures) => ({ dataFormat: x.dataFormat });
  const label = (name: string, x: ExtremeFeatures, extra = '') => `${name}(${x.magnitude} ${JSON.stringify(x.shape)} ${x.dataFormat}${extra})`;
  const single = (name: string, arbitrary: fc.Arbitrary<ExtremeFeatures>, run: (x: tf.Tensor, e: ExtremeFeatures) => tf.Tensor | tf.Tensor[]) =>
    arbitrary.map((x): ExtremeCase => ({
      label: label(name, x),
      inputs: () => [tensorFrom(x)],
      differentiable: 1,
      outputs: ([input]) => [run(input as tf.Tensor, x)].flat(),
    }));
  /** A style for a content: same rank and C, batch N or 1, its own positions and magnitude. */
  const paired = (minPositions: number) =>
    extremeFeatures({ minPositions }).chain((content) =>
      fc.record({ magnitude: fc.constantFrom(...MAGNITUDES), broadcast: fc.boolean(), seed: fc.nat() }).map(({ magnitude, broadcast, seed }) => ({
        content,
        style: { ...content, magnitude, seed, shape: content.shape.map((d, i) => (i === 0 && broadcast ? 1 : d)) },
      })),
    );
  const embeddingCase = (minN: number) => extremeFeatures({ minRank: 2, maxRank: 2, minBatch: minN });
  const loss = <O>(name: string, arbitrary: fc.Arbitrary<{ x: ExtremeFeatures; options: O }>, run: (a: tf.Tensor, b: tf.Tensor, o: O) => tf.Tensor) =>
    arbitrary.map(({ x, options: o }): ExtremeCase => ({
      label: label(name, x, ` ${JSON.stringify(o)}`),
      inputs: () => [tensorFrom(x), tensorFrom({ ...x, seed: x.seed + 1 })],
      differentiable: 2,
      outputs: ([a, b]) => [run(a as tf.Tensor, b as tf.Tensor, o)],
    }));
  const lossFields = { normalize: fc.boolean(), reduction: fc.constantFrom('mean' as const, 'sum' as const, 'none' as const) };
  const lossOptions = fc.record(lossFields);

  return [
    extremeFeatures().chain((x) =>
      fc.record({ epsilon: fc.constantFrom(1e-5, 0), unbiased: fc.boolean() }).map(({ epsilon, unbiased }): ExtremeCase => {
        const o = { ...options(x), epsilon, unbiased: unbiased && layoutOf(x).positions >= 2 };
        return { label: label('meanStd', x, ` ${JSON.stringify(o)}`), inputs: () => [tensorFrom(x)], differentiable: 1, outputs: ([input]) => Object.values(f.meanStd(input as tf.Tensor, o)) };
      }),
    ),
    paired(2).chain(({ content, style }) =>
      fc.record({ epsilon: fc.constantFrom(1e-5, 0), alpha: fc.constantFrom(1, 0.5, 0) }).map(({ epsilon, alpha }): ExtremeCase => ({
        label: label('adain', content, ` style ${style.magnitude} ${JSON.stringify(style.shape)} ε ${epsilon} α ${alpha}`),
        inputs: () => [tensorFrom(content), tensorFrom(style)],
        differentiable: 2,
        outputs: ([c, s]) => [f.adain(c as tf.Tensor, s as tf.Tensor, { ...options(content), epsilon, alpha })],
      })),
    ),
    paired(1).chain(({ content, style }) =>
      fc.constantFrom(1, 0.3).map((alpha): ExtremeCase => ({
        label: label('efdm', content, ` style ${style.magnitude} α ${alpha}`),
        inputs: () => [tensorFrom(content), tensorFrom(style)],
        differentiable: 2,
        outputs: ([c, s]) => [f.efdm(c as tf.Tensor, s as tf.Tensor, { ...options(content), alpha })],
      })),
    ),
    single('efdmix', extremeFeatures(), (x, e) => f.efdmix(x, { ...options(e), p: 1, seed: e.seed })),
    single('sort', extremeFeatures({ minRank: 2, maxRank: 3 }), (x) => f.sort(x)),
    single('instanceNorm', extremeFeatures(), (x, e) => f.instanceNorm(x, options(e))),
    single('groupNorm', extremeFeatures(), (x, e) => f.groupNorm(x, { ...options(e), groups: 1 })),
    single('layerNorm', extremeFeatures({ minRank: 2 }), (x) => f.layerNorm(x)),
    single('batchNorm', extremeFeatures().filter((x) => layoutOf(x).batch * layoutOf(x).positions >= 2), (x, e) => f.batchNorm(x, options(e))),
    extremeFeatures().filter((x) => layoutOf(x).batch * layoutOf(x).positions >= 2).map((x): ExtremeCase => ({
      label: label('batchNorm with moving statistics', x),
      inputs: () => [tensorFrom(x)],
      differentiable: 0,
      outputs: ([input]) => {
        const channels = layoutOf(x).channels;
        const [movingMean, movingVariance] = tf.tidy(() => [tf.variable(tf.zeros([channels]), false), tf.variable(tf.ones([channels]), false)]);
        const y = f.batchNorm(input as tf.Tensor, { ...options(x), training: true, movingMean, movingVariance });
        // Read the updated statistics as outputs; the Variables go with them.
        const results = [y, tf.clone(movingMean), tf.clone(movingVariance)];
        tf.dispose([movingMean, movingVariance]);
        return results;
      },
    })),
    extremeFeatures().map((x): ExtremeCase => ({
      label: label('perturbMeanStd', x),
      inputs: () => [tensorFrom(x), tf.fill([layoutOf(x).channels], 1.5), tf.fill([layoutOf(x).channels], 0.5)],
      differentiable: 3,
      outputs: ([input, m, s]) => [f.perturbMeanStd(input as tf.Tensor, m as tf.Tensor, s as tf.Tensor, options(x))],
    })),
    // The loss, channelVariance, needs two values per channel.
    single('adversarialMeanStd', extremeFeatures().filter((x) => layoutOf(x).batch * layoutOf(x).positions >= 2), (x, e) => {
      const { output, meanScale, stdScale } = f.adversarialMeanStd(x, (y) => f.channelVariance(y, options(e)), { ...options(e), steps: 2 });
      tf.dispose([meanScale, stdScale]);
      return output;
    }),
    single('cosineSimilarityMatrix', extremeFeatures({ minRank: 2 }), (x) => f.cosineSimilarityMatrix(x)),
    single('activationSimilarity', extremeFeatures({ minRank: 2, minBatch: 2 }), (x) => f.activationSimilarity(x)),
    single('stableRank', extremeFeatures({ minRank: 2 }), (x) => f.stableRank(x)),
    single('channelVariance', extremeFeatures({ minRank: 2 }).filter((x) => layoutOf(x).batch * layoutOf(x).positions >= 2), (x, e) => f.channelVariance(x, options(e))),
    extremeFeatures({ minBatch: 2 }).map((x): ExtremeCase => ({
      label: label('probe', x),
      inputs: () => [tensorFrom(x)],
      differentiable: 0,
      outputs: ([input]) => {
        const layers = [(t: tf.Tensor) => f.instanceNorm(t, options(x)), (t: tf.Tensor) => f.groupNorm(t, { ...options(x), groups: 1 })];
        const result = f.probe(layers, input as tf.Tensor, (y) => f.activationSimilarity(y), options(x));
        return [result.loss, ...result.layers.flatMap((layer) => Object.values(layer))];
      },
    })),
    extremeFeatures({ minRank: 2 }).chain((x) =>
      fc.record({ alpha: fc.constantFrom(-20, 0, 5, 20), std: fc.constantFrom(1, 1e-6) }).map(({ alpha, std }): ExtremeCase => {
        const sample = x.shape.slice(1);
        return {
          label: label('informationBottleneck', x, ` α ${alpha} std ${std}`),
          inputs: () => [tensorFrom(x), tf.fill(sample, alpha), tf.zeros(sample), tf.fill(sample, std)],
          differentiable: 2,
          outputs: ([r, a, mean, sd]) => Object.values(f.informationBottleneck(r as tf.Tensor, a as tf.Tensor, { mean: mean as tf.Tensor, std: sd as tf.Tensor, seed: x.seed, dataFormat: x.dataFormat })),
        };
      }),
    ),
    // The head's classes are the channels: IBA needs at least two.
    extremeFeatures({ minRank: 4, maxRank: 4 }).filter((x) => layoutOf(x).channels >= 2).map((x): ExtremeCase => {
      const shape = [1, ...x.shape.slice(1)];
      const sample = shape.slice(1);
      const channels = layoutOf(x).channels;
      const head = (t: tf.Tensor) => tf.reshape(tf.mean(t, channelsLast(x.dataFormat) ? [1, 2] : [2, 3]), [-1, channels]);
      return {
        label: label('ibaAttribution', { ...x, shape }),
        inputs: () => [tensorFrom(x, shape), tf.zeros(sample), tf.ones(sample)],
        differentiable: 0,
        outputs: ([features, mean, std]) =>
          Object.values(f.ibaAttribution({ features: features as tf.Tensor, head, target: 0, mean: mean as tf.Tensor, std: std as tf.Tensor, steps: 1, batchSize: 1, seed: x.seed, dataFormat: x.dataFormat })),
      };
    }),
    extremeFeatures({ minRank: 2 }).map((x): ExtremeCase => ({
      label: label('WelfordEstimator', x),
      inputs: () => [tensorFrom(x)],
      differentiable: 0,
      outputs: async ([batch]) => {
        const estimator = new f.WelfordEstimator();
        await estimator.update(batch as tf.Tensor);
        await estimator.update(batch as tf.Tensor);
        return [estimator.mean(), estimator.std(), estimator.activeMask()];
      },
    })),
    single('randomMask', extremeFeatures(), (x, e) => f.randomMask(x, { ...options(e), fraction: [0, 1], seed: e.seed })),
    single('gaussianNoise', extremeFeatures(), (x, e) => f.gaussianNoise(x, { ...options(e), std: [0, 1], seed: e.seed })),
    extremeFeatures().chain((x) =>
      fc.record({ kernelSize: fc.constantFrom(1, 3, 37), sigma: fc.constantFrom(1e-3, 1, 1e3) }).map(({ kernelSize, sigma }): ExtremeCase => ({
        label: label('gaussianBlur', x, ` kernel ${kernelSize} σ ${sigma}`),
        inputs: () => [tensorFrom(x)],
        differentiable: 1,
        outputs: ([input]) => [f.gaussianBlur(input as tf.Tensor, { ...options(x), kernelSize, sigma })],
      })),
    ),
    loss('infoNCE', fc.record({ x: embeddingCase(1), options: fc.record({ ...lossFields, symmetric: fc.boolean() }) }), (a, b, o) => f.infoNCE(a, b, o)),
    loss('ntXent', fc.record({ x: embeddingCase(1), options: lossOptions }), (a, b, o) => f.ntXent(a, b, o)),
    loss('contrastiveDistillation', fc.record({ x: embeddingCase(1), options: fc.constantFrom({ mode: 'ntxent' as const, detachTeacher: false }, { mode: 'clip' as const, detachTeacher: false }, { mode: 'mse' as const, detachTeacher: false }) }), (a, b, o) => f.contrastiveDistillation(a, b, o)),
    fc.record({ x: embeddingCase(2), options: lossOptions }).map(({ x, options: o }): ExtremeCase => ({
      label: label('supCon', x, ` ${JSON.stringify(o)}`),
      inputs: () => [tensorFrom(x)],
      differentiable: 1,
      // Labels 0, 0, 1, 1, 2, …: every batch has a positive pair.
      outputs: ([z]) => [f.supCon(z as tf.Tensor, Array.from({ length: x.shape[0] as number }, (_, i) => Math.floor(i / 2)), o)],
    })),
    ...(['styleContrastiveLoss', 'contentContrastiveLoss'] as const).map((name) =>
      fc.record({ half: fc.integer({ min: 2, max: 3 }), d: fc.integer({ min: 1, max: 4 }), magnitude: fc.constantFrom(...MAGNITUDES), seed: fc.nat(), options: lossOptions }).map(
        ({ half, d, magnitude, seed, options: o }): ExtremeCase => {
          const x: ExtremeFeatures = { shape: [2 * half, d], dataFormat: 'NHWC', magnitude, seed };
          return {
            label: label(name, x, ` ${JSON.stringify(o)}`),
            inputs: () => [tensorFrom(x)],
            differentiable: 1,
            outputs: ([emb]) => [f[name](emb as tf.Tensor, { ...f.ieContraAstIds(half), ...o })],
          };
        },
      ),
    ),
  ];
}
