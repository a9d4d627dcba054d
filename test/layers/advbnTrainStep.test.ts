import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';

import { adversarialMeanStd, perturbMeanStd } from '../../src';
import { AdvBN, advbnTrainStep, BatchNormalization } from '../../src/layers';
import { expectClose, expectNoLeak, readAndDispose } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';
import { saveAndLoad, seededTensor, seededValues, weightValues } from '../helpers/layers';
import { TOLERANCE } from '../helpers/tolerance';
import { batchMoments } from '../reference/kerasLayers';

const glorot = (seed: number) => tfl.initializers.glorotUniform({ seed });

/** input [4, 4, 2] → dense(3) per position → AdvBN → flatten → dense(2): no randomness anywhere. */
function denseModel(): { model: tfl.Sequential; encoder: tfl.layers.Layer; head: tfl.layers.Layer[] } {
  const encoder = tfl.layers.dense({ units: 3, kernelInitializer: glorot(1), inputShape: [4, 4, 2] });
  const head = [tfl.layers.flatten(), tfl.layers.dense({ units: 2, kernelInitializer: glorot(2) })];
  const model = tfl.sequential({ layers: [encoder, new AdvBN({ name: 'advbn', steps: 3, stepSize: 0.25, epsilon: 0.6 }), ...head] });
  return { model, encoder, head };
}

describeBackends('advbnTrainStep and the AdvBN layer', (backend) => {
  it("attacks as adversarialMeanStd on the cut's features through the rest of the model, then takes one optimizer step on the adversarial loss", async () => {
    const { model, encoder, head } = denseModel();
    const learningRate = 0.1;
    model.compile({ optimizer: tf.train.sgd(learningRate), loss: 'meanSquaredError' });
    const x = seededTensor([5, 4, 4, 2], 501, 2, 1);
    const y = seededTensor([5, 2], 502);
    const headLoss = (features: tf.Tensor) => {
      const output = head.reduce((t, layer) => layer.apply(t) as tf.Tensor, features);
      return tf.mean(tf.square(tf.sub(y, output))) as tf.Scalar;
    };
    // The expected attack and update, from the weights before the step.
    const features = encoder.apply(x) as tf.Tensor;
    const expected = adversarialMeanStd(features, headLoss, { steps: 3, stepSize: 0.25, epsilon: 0.6 });
    const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => headLoss(perturbMeanStd(encoder.apply(x) as tf.Tensor, expected.meanScale, expected.stdScale)), weights);
    const expectedWeights = weights.map((w) => tf.sub(w, tf.mul(grads[w.name] as tf.Tensor, learningRate)));
    const expectedScales = [Array.from(await expected.meanScale.data()), Array.from(await expected.stdScale.data())];

    const step = await advbnTrainStep(model, x, y);
    expect([step.meanScale, step.stdScale]).toEqual(expectedScales);
    expect(Number.isFinite(step.loss)).toBe(true);
    const after = model.trainableWeights.map((w) => w.read());
    for (let i = 0; i < after.length; i++) {
      expectClose(await (after[i] as tf.Tensor).data(), await (expectedWeights[i] as tf.Tensor).data(), TOLERANCE[backend].gradient, 1);
    }
    expect((model.layers[1] as AdvBN).lastScales).toEqual({ meanScale: step.meanScale, stdScale: step.stdScale });
    tf.dispose([x, y, features, expected.output, expected.meanScale, expected.stdScale, ...expectedWeights, ...Object.values(grads)]);
    model.dispose();
  });

  it("updates each moving statistic once per step (Keras's rule on the perturbed features), none during the attack", async () => {
    const batchNormalization = new BatchNormalization({ momentum: 0.9 });
    const model = tfl.sequential({
      layers: [new AdvBN({ inputShape: [3, 3, 2], name: 'advbn', steps: 4 }), batchNormalization, tfl.layers.flatten(), tfl.layers.dense({ units: 2, kernelInitializer: glorot(3) })],
    });
    model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    const xValues = seededValues(6 * 3 * 3 * 2, 511, 2, 1);
    const x = tf.tensor(xValues, [6, 3, 3, 2]);
    const y = seededTensor([6, 2], 512);
    const { meanScale, stdScale } = await advbnTrainStep(model, x, y);
    // perturbMeanStd gives channel c the mean m·μ and the (biased) variance s²·σ².
    const { mean, variance } = batchMoments(xValues, [6, 3, 3, 2], 3);
    const tolerance = TOLERANCE[backend].value;
    expectClose(await weightValues(batchNormalization, 'moving_mean'), mean.map((mu, c) => 0.1 * (meanScale[c] as number) * mu), tolerance, 3);
    expectClose(await weightValues(batchNormalization, 'moving_variance'), variance.map((v, c) => 0.9 + 0.1 * (stdScale[c] as number) ** 2 * v), tolerance, 5);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('cuts at any named layer, with a skip connection across the cut', async () => {
    const input = tfl.input({ shape: [4, 4, 2] });
    const encoded = tfl.layers.dense({ units: 2, kernelInitializer: glorot(4), name: 'encoded' }).apply(input) as tfl.SymbolicTensor;
    const processed = tfl.layers.dense({ units: 2, kernelInitializer: glorot(5) }).apply(encoded) as tfl.SymbolicTensor;
    const joined = tfl.layers.add().apply([processed, input]) as tfl.SymbolicTensor;
    const output = tfl.layers.dense({ units: 2, kernelInitializer: glorot(6) }).apply(tfl.layers.flatten().apply(joined)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    const x = seededTensor([3, 4, 4, 2], 521);
    const y = seededTensor([3, 2], 522);
    const optimizer = tf.train.sgd(0.05);
    const first = await advbnTrainStep(model, x, y, { layer: 'encoded', loss: (t, p) => tf.mean(tf.square(tf.sub(t, p)), -1), optimizer, steps: 2 });
    expect(first.meanScale).toHaveLength(2);
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });

  it('leaves no tensor behind', async () => {
    const { model } = denseModel();
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const x = seededTensor([2, 4, 4, 2], 531);
    const y = seededTensor([2, 2], 532);
    await advbnTrainStep(model, x, y);
    await expectNoLeak(() => advbnTrainStep(model, x, y));
    tf.dispose([x, y]);
    model.dispose();
  });

  it('the AdvBN layer is the identity in predict and fit and keeps its settings through save and load', async () => {
    const { model } = denseModel();
    const x = seededTensor([2, 4, 4, 2], 541);
    const advbn = model.getLayer('advbn');
    expect(Array.from(await readAndDispose(advbn.apply(x, { training: true }) as tf.Tensor))).toEqual(Array.from(await x.data()));
    const { loaded } = await saveAndLoad(model);
    expect(loaded.getLayer('advbn').getConfig()).toEqual(advbn.getConfig());
    expect(advbn.getConfig()).toMatchObject({ steps: 3, stepSize: 0.25, epsilon: 0.6, relu: false, dataFormat: 'channelsLast' });
    x.dispose();
    model.dispose();
  });

  it('rejects a missing layer, loss or optimizer and bad settings with featstats.advbnTrainStep errors', async () => {
    const { model } = denseModel();
    const x = seededTensor([2, 4, 4, 2], 551);
    const y = seededTensor([2, 2], 552);
    await expect(advbnTrainStep(model, x, y)).rejects.toThrow(/^featstats\.advbnTrainStep: loss must be a function/);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    await expect(advbnTrainStep(model, x, y, { layer: 'nope' })).rejects.toThrow(/^featstats\.advbnTrainStep: layer must name a layer of the model .* but got 'nope'/);
    await expect(advbnTrainStep(model, x, y, { steps: 1.5 })).rejects.toThrow(/^featstats\.advbnTrainStep: steps must be an integer >= 0 but got 1.5/);
    await expect(advbnTrainStep(model, x, [y, y])).rejects.toThrow(/^featstats\.advbnTrainStep: y must be 1 tensor\(s\), one per model output/);
    const plain = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
    await expect(advbnTrainStep(plain, x, y)).rejects.toThrow(/^featstats\.advbnTrainStep: layer must be given when the model does not have exactly one AdvBN layer but it has 0/);
    expect(() => new AdvBN({ epsilon: -1 })).toThrow(/^featstats\.featstats>AdvBN: epsilon must be a finite number >= 0/);
    tf.dispose([x, y]);
    model.dispose();
    plain.dispose();
  });
});
