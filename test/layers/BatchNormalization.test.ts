import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { batchNorm } from '../../src';
import { BatchNormalization, registerLayers, type BatchNormalizationArgs } from '../../src/layers';
import { expectClose, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { expectFitTrains, expectNoLayerLeak, expectRoundTrip, modelAround } from '../helpers/layerChecks';
import { disposeWeights, saveAndLoad, seededTensor, seededValues, weightValues } from '../helpers/layers';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { batchMoments, channelAxisPlan, kerasMovingAverage } from '../reference/kerasLayers';
import { normReference } from '../reference/norms';

/** A shape of rank 2–5 with at least two values per channel, and a channel axis. */
const batchCase = fc
  .integer({ min: 2, max: 5 })
  .chain((rank) => fc.tuple(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: rank, maxLength: rank }), fc.integer({ min: 1, max: rank - 1 })))
  .filter(([shape, axis]) => shape.reduce((a, b) => a * b, 1) / (shape[axis] as number) >= 2)
  .chain(([shape, axis]) => fc.record({ shape: fc.constant(shape), axis: fc.constant(axis), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }), training: fc.boolean() }));

describeBackendsBothPaths('BatchNormalization layer', (backend) => {
  it("normalises with the batch's statistics while training and the moving ones otherwise (Keras's formula, any axis, rank 2–5)", async () => {
    await fc.assert(
      fc.asyncProperty(batchCase, async ({ shape, axis, seed, training }) => {
        const layer = new BatchNormalization({ axis, epsilon: 1e-3 });
        layer.build(shape);
        const channels = shape[axis] as number;
        const xValues = seededValues(shape.reduce((a, b) => a * b, 1), seed, 2, 1);
        const [gamma, beta, movingMean] = [seededValues(channels, seed + 1, 1, 1), seededValues(channels, seed + 2), seededValues(channels, seed + 3)];
        const movingVariance = seededValues(channels, seed + 4, 0.5, 1);
        layer.setWeights([tf.tensor(gamma), tf.tensor(beta), tf.tensor(movingMean), tf.tensor(movingVariance)]);
        const x = tf.tensor(xValues, shape);
        const y = await readAndDispose(layer.apply(x, { training }) as tf.Tensor);
        const plan = channelAxisPlan(shape, axis, { kind: 'batch' });
        const moving = training ? undefined : { mean: movingMean, variance: movingVariance };
        expectClose(y, normReference(xValues, plan, 1e-3, { gamma, beta }, moving), TOLERANCE[backend].value, normReference(xValues, plan, 1e-3, { gamma, beta }, moving, true));
        x.dispose();
        disposeWeights(layer);
      }),
      runs(12),
    );
  });

  it('gives exactly the batchNorm op in both layouts: batch statistics while training, the moving ones otherwise', async () => {
    for (const [axis, dataFormat] of [[-1, 'NHWC'], [1, 'NCHW']] as const) {
      const x = seededTensor([3, 4, 2, 5], 51, 2, 1);
      const layer = new BatchNormalization({ axis, epsilon: 1e-3 });
      layer.build(x.shape);
      const channels = x.shape[axis === -1 ? 3 : 1] as number;
      const [gamma, beta, movingMean, movingVariance] = [seededTensor([channels], 52, 1, 1), seededTensor([channels], 53), seededTensor([channels], 54), seededTensor([channels], 55, 0.5, 1)];
      layer.setWeights([gamma, beta, movingMean, movingVariance]);
      const affine = { epsilon: 1e-3, dataFormat, gamma, beta };
      // Inference first: the training call updates the layer's moving statistics.
      const pairs: [tf.Tensor, tf.Tensor][] = [
        [layer.apply(x) as tf.Tensor, batchNorm(x, { ...affine, movingMean, movingVariance })],
        [layer.apply(x, { training: true }) as tf.Tensor, batchNorm(x, affine)],
      ];
      for (const [fromLayer, fromOp] of pairs) expect(Array.from(await readAndDispose(fromLayer))).toEqual(Array.from(await readAndDispose(fromOp)));
      tf.dispose([x, gamma, beta, movingMean, movingVariance]);
      disposeWeights(layer);
    }
  });

  it("updates the moving statistics once per model.fit step by Keras's rule, with the biased batch variance", async () => {
    const layer = new BatchNormalization({ momentum: 0.9 });
    const model = modelAround(layer, [3, 4]);
    model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    const xValues = seededValues(6 * 3 * 4, 61, 2, 3);
    const x = tf.tensor(xValues, [6, 3, 4]);
    const y = seededTensor([6, 3], 62);
    // The layer reads the model input, so every step sees the same batch statistics.
    await model.fit(x, y, { epochs: 3, batchSize: 6, verbose: 0, shuffle: false });
    const { mean, variance } = batchMoments(xValues, [6, 3, 4], 2);
    const tolerance = TOLERANCE[backend].value;
    expectClose(await weightValues(layer, 'moving_mean'), mean.map((m) => kerasMovingAverage(0, m, 0.9, 3)), tolerance, 3);
    expectClose(await weightValues(layer, 'moving_variance'), variance.map((v) => kerasMovingAverage(1, v, 0.9, 3)), tolerance, 4);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("runs in inference mode, updating nothing, when the layer is not trainable (Keras's fine-tuning convention)", async () => {
    const layer = new BatchNormalization({ trainable: false });
    layer.build([5, 2]);
    const x = seededTensor([5, 2], 71, 1, 4);
    const y = await readAndDispose(layer.apply(x, { training: true }) as tf.Tensor);
    // Moving statistics 0 and 1, γ = 1, β = 0: y = x·rsqrt(1 + ε).
    expectClose(y, Array.from(x.dataSync(), (v) => v / Math.sqrt(1 + 1e-3)), TOLERANCE[backend].value, 5);
    expect(Array.from(await weightValues(layer, 'moving_mean'))).toEqual([0, 0]);
    x.dispose();
    disposeWeights(layer);
  });

  it('trains with scale and center off, creating neither weight', async () => {
    const layer = new BatchNormalization({ scale: false, center: false });
    await expectFitTrains(layer, [4, 2], 81);
    expect(layer.weights.map((w) => w.originalName.split('/').pop())).toEqual(['moving_mean', 'moving_variance']);
  });

  it('trains in model.fit: the loss falls and γ, β move', async () => {
    await expectFitTrains(new BatchNormalization({ axis: 1 }), [3, 4, 2], 91);
  });

  it("round-trips through save and load: same config, identical predictions (featstats' class loaded with replaceBuiltins)", async () => {
    registerLayers({ replaceBuiltins: true });
    try {
      const loaded = await expectRoundTrip(new BatchNormalization({ axis: 1, momentum: 0.8, movingVarianceInitializer: tfl.initializers.constant({ value: 2 }) }), [3, 2, 2], 101);
      expect(loaded.layers.some((l) => l instanceof BatchNormalization)).toBe(true);
    } finally {
      registerLayers({ replaceBuiltins: false });
    }
  });

  it("saves under Keras's class name, so without replaceBuiltins the model loads into tfjs-layers' own layer", async () => {
    const model = modelAround(new BatchNormalization({ movingMeanInitializer: 'randomNormal' }), [5, 3]);
    const x = seededTensor([4, 5, 3], 102, 2, 1);
    const { loaded, artifacts } = await saveAndLoad(model);
    const topology = artifacts.modelTopology as { config: { layers: { class_name: string }[] } };
    expect(topology.config.layers.map((l) => l.class_name)).toContain('BatchNormalization');
    expect(loaded.layers[1]).not.toBeInstanceOf(BatchNormalization);
    expectClose(await readAndDispose(loaded.predict(x) as tf.Tensor), await readAndDispose(model.predict(x) as tf.Tensor), TOLERANCE[backend].value, 10);
    tf.dispose(x);
    model.dispose();
    loaded.dispose();
  });

  it("loads a tfjs-layers BatchNormalization model as featstats' with replaceBuiltins, predicting as tfjs-layers does", async () => {
    const input = seededTensor([4, 5, 3], 111, 2, 1);
    const original = tfl.sequential({ layers: [tfl.layers.batchNormalization({ inputShape: [5, 3], gammaInitializer: 'randomNormal', movingMeanInitializer: 'randomNormal' })] });
    const expected = original.predict(input) as tf.Tensor;
    registerLayers({ replaceBuiltins: true });
    try {
      const { loaded } = await saveAndLoad(original);
      expect(loaded.layers[0]).toBeInstanceOf(BatchNormalization);
      const actual = loaded.predict(input) as tf.Tensor;
      expectClose(await readAndDispose(actual), await expected.data(), TOLERANCE[backend].value, 10);
      loaded.dispose();
    } finally {
      registerLayers({ replaceBuiltins: false });
    }
    const { loaded } = await saveAndLoad(original);
    expect(loaded.layers[0]).not.toBeInstanceOf(BatchNormalization);
    tf.dispose([input, expected]);
    loaded.dispose();
    original.dispose();
  });

  it('leaks no tensor in predict and fit', async () => {
    await expectNoLayerLeak(new BatchNormalization(), [3, 4], 121);
  });

  it('rejects bad configs with a featstats.BatchNormalization error', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ momentum: 1.5 }, /momentum must be a finite number >= 0 and <= 1 but got 1.5/],
      [{ epsilon: -1 }, /epsilon must be a finite number > 0/],
      [{ renorm: true }, /renorm must be false/],
      [{ axis: [1, 2] }, /axis must be an integer but got \[1,2\]/],
      [{ movingMeanInitializer: 7 }, /movingMeanInitializer must be a tfjs initializer/],
      [{ fused: true }, /config must only name .* but got 'fused'/],
    ];
    for (const [config, pattern] of bad) {
      expect(() => new BatchNormalization(config as BatchNormalizationArgs)).toThrow(new RegExp(`^featstats\\.BatchNormalization: ${pattern.source}`));
    }
    expect(() => modelAround(new BatchNormalization({ axis: 3 }), [3, 4])).toThrow(/^featstats\.BatchNormalization: axis must be an integer in \[-3, 3\) for an input of rank 3 but got 3/);
  });
});
