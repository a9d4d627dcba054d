import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { layerNorm } from '../../src';
import { LayerNormalization, registerLayers } from '../../src/layers';
import { expectClose, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { expectFitTrains, expectNoLayerLeak, expectRoundTrip, modelAround } from '../helpers/layerChecks';
import { disposeWeights, saveAndLoad, seededTensor, seededValues } from '../helpers/layers';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { layerPlan, normReference } from '../reference/norms';

/** A shape of rank 2–4 and 1–3 distinct non-batch axes in any order. */
const layerCase = fc
  .integer({ min: 2, max: 4 })
  .chain((rank) =>
    fc.record({
      shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: rank, maxLength: rank }),
      axes: fc.shuffledSubarray(Array.from({ length: rank - 1 }, (_, i) => i + 1), { minLength: 1 }),
      negative: fc.boolean(),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    }),
  );

describeBackendsBothPaths('LayerNormalization layer', (backend) => {
  it("computes Keras's formula over any axes, γ/β shaped [x.shape[a] for a in axis] in the listed order", async () => {
    await fc.assert(
      fc.asyncProperty(layerCase, async ({ shape, axes, negative, seed }) => {
        const axis = axes.map((a) => (negative ? a - shape.length : a));
        const layer = new LayerNormalization({ axis: axes.length === 1 ? (axis[0] as number) : axis });
        layer.build(shape);
        const paramShape = axes.map((a) => shape[a] as number);
        const paramSize = paramShape.reduce((a, b) => a * b, 1);
        const [gamma, beta] = [seededValues(paramSize, seed + 1, 1, 1), seededValues(paramSize, seed + 2)];
        layer.setWeights([tf.tensor(gamma, paramShape), tf.tensor(beta, paramShape)]);
        const xValues = seededValues(shape.reduce((a, b) => a * b, 1), seed, 2, 1);
        const x = tf.tensor(xValues, shape);
        const y = await readAndDispose(layer.apply(x) as tf.Tensor);
        // Keras reshapes the [listed-order] parameters to the broadcast shape, i.e. reads
        // them flat in the sorted axes' order: the reference indexes them that way.
        const plan = layerPlan(shape, [...axes].sort((a, b) => a - b));
        expectClose(y, normReference(xValues, plan, 1e-3, { gamma, beta }), TOLERANCE[backend].value, normReference(xValues, plan, 1e-3, { gamma, beta }, undefined, true));
        x.dispose();
        disposeWeights(layer);
      }),
      runs(12),
    );
  });

  it('gives exactly the layerNorm op (ε 1e-3)', async () => {
    const x = seededTensor([2, 3, 4], 291, 2, 1);
    const layer = new LayerNormalization({ axis: [1, 2] });
    layer.build(x.shape);
    const [gamma, beta] = [seededTensor([3, 4], 292, 1, 1), seededTensor([3, 4], 293)];
    layer.setWeights([gamma, beta]);
    const fromLayer = await readAndDispose(layer.apply(x) as tf.Tensor);
    const fromOp = await readAndDispose(layerNorm(x, { axes: [1, 2], epsilon: 1e-3, gamma, beta }));
    expect(Array.from(fromLayer)).toEqual(Array.from(fromOp));
    tf.dispose([x, gamma, beta]);
    disposeWeights(layer);
  });

  it("predicts as tfjs-layers' own LayerNormalization when a model is loaded with replaceBuiltins", async () => {
    const original = tfl.sequential({ layers: [tfl.layers.layerNormalization({ inputShape: [4, 6], gammaInitializer: 'randomNormal', betaInitializer: 'randomNormal' })] });
    const x = seededTensor([3, 4, 6], 301, 2, 1);
    const expected = original.predict(x) as tf.Tensor;
    registerLayers({ replaceBuiltins: true });
    try {
      const { loaded } = await saveAndLoad(original);
      expect(loaded.layers.some((l) => l instanceof LayerNormalization)).toBe(true);
      expectClose(await readAndDispose(loaded.predict(x) as tf.Tensor), await expected.data(), TOLERANCE[backend].value, 10);
      loaded.dispose();
    } finally {
      registerLayers({ replaceBuiltins: false });
    }
    tf.dispose([x, expected]);
    original.dispose();
  });

  it('trains in model.fit: the loss falls and γ, β move', async () => {
    await expectFitTrains(new LayerNormalization({ axis: [1, 2] }), [3, 4], 311);
  });

  it('round-trips through save and load (loaded with replaceBuiltins)', async () => {
    registerLayers({ replaceBuiltins: true });
    try {
      await expectRoundTrip(new LayerNormalization({ axis: [-1, 1], epsilon: 1e-5 }), [3, 4], 321);
    } finally {
      registerLayers({ replaceBuiltins: false });
    }
  });

  it('leaks no tensor in predict and fit', async () => {
    await expectNoLayerLeak(new LayerNormalization(), [3, 4], 331);
  });

  it('rejects bad configs with a featstats.LayerNormalization error', () => {
    expect(() => new LayerNormalization({ axis: [] })).toThrow(/^featstats\.LayerNormalization: axis must be an integer or a non-empty list of integers but got \[\]/);
    expect(() => new LayerNormalization({ rmsScaling: true })).toThrow(/^featstats\.LayerNormalization: rmsScaling must be false/);
    expect(() => modelAround(new LayerNormalization({ axis: [1, -2] }), [3, 4])).toThrow(/^featstats\.LayerNormalization: axis must name distinct non-batch axes but got \[1,-2\]/);
    expect(() => modelAround(new LayerNormalization({ axis: 0 }), [3, 4])).toThrow(/^featstats\.LayerNormalization: axis must name distinct non-batch axes/);
  });
});
