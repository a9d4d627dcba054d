import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';

import { adain, efdm, efdmix } from '../../src';
import { AdaIN, EFDM, EFDMix } from '../../src/layers';
import { expectNoLeak, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { modelAround } from '../helpers/layerChecks';
import { saveAndLoad, seededTensor } from '../helpers/layers';

/** A model `[content, style] → layer`, for the two-input layers. */
function styleModel(layer: tfl.layers.Layer, contentShape: number[], styleShape: number[]): tfl.LayersModel {
  const content = tfl.input({ shape: contentShape });
  const style = tfl.input({ shape: styleShape });
  return tfl.model({ inputs: [content, style], outputs: layer.apply([content, style]) as tfl.SymbolicTensor });
}

describeBackendsBothPaths('style layers (AdaIN, EFDM, EFDMix)', () => {
  it('AdaIN and EFDM give exactly their ops, in both layouts, content and style of different sizes', async () => {
    for (const dataFormat of ['channelsLast', 'channelsFirst'] as const) {
      const layout = dataFormat === 'channelsLast' ? 'NHWC' : 'NCHW';
      const [contentShape, styleShape] = dataFormat === 'channelsLast' ? [[4, 4, 3], [5, 3, 3]] : [[3, 4, 4], [3, 5, 3]];
      const content = seededTensor([2, ...contentShape], 401, 2, 1);
      const style = seededTensor([2, ...styleShape], 402, 3, -1);
      const adainModel = styleModel(new AdaIN({ alpha: 0.7, unbiased: false, dataFormat }), contentShape, styleShape);
      const efdmModel = styleModel(new EFDM({ alpha: 0.6, dataFormat }), contentShape, styleShape);
      const pairs: [tf.Tensor, tf.Tensor][] = [
        [adainModel.predict([content, style]) as tf.Tensor, adain(content, style, { alpha: 0.7, unbiased: false, dataFormat: layout })],
        [efdmModel.predict([content, style]) as tf.Tensor, efdm(content, style, { alpha: 0.6, dataFormat: layout })],
      ];
      for (const [fromLayer, fromOp] of pairs) expect(Array.from(await readAndDispose(fromLayer))).toEqual(Array.from(await readAndDispose(fromOp)));
      tf.dispose([content, style]);
    }
  });

  it('AdaIN, EFDM and EFDMix read a rank-3 input [N, L, C] as sequences (a layer knows its batch axis): their ops with NWC/NCW', async () => {
    for (const dataFormat of ['channelsLast', 'channelsFirst'] as const) {
      const layout = dataFormat === 'channelsLast' ? 'NWC' : 'NCW';
      const [contentShape, styleShape] = dataFormat === 'channelsLast' ? [[6, 3], [5, 3]] : [[3, 6], [3, 5]];
      const content = seededTensor([2, ...contentShape], 421, 2, 1);
      const style = seededTensor([2, ...styleShape], 422, 3, -1);
      const adainModel = styleModel(new AdaIN({ dataFormat }), contentShape, styleShape);
      const efdmModel = styleModel(new EFDM({ dataFormat }), contentShape, styleShape);
      const mixLayer = new EFDMix({ p: 1, seed: 5, dataFormat });
      const pairs: [tf.Tensor, tf.Tensor][] = [
        [adainModel.predict([content, style]) as tf.Tensor, adain(content, style, { dataFormat: layout })],
        [efdmModel.predict([content, style]) as tf.Tensor, efdm(content, style, { dataFormat: layout })],
        [mixLayer.apply(content, { training: true }) as tf.Tensor, efdmix(content, { p: 1, seed: 5, dataFormat: layout })],
      ];
      for (const [fromLayer, fromOp] of pairs) expect(Array.from(await readAndDispose(fromLayer))).toEqual(Array.from(await readAndDispose(fromOp)));
      tf.dispose([content, style]);
    }
  });

  it('AdaIN and EFDM round-trip through save and load with identical predictions', async () => {
    for (const layer of [new AdaIN({ alpha: 0.5, epsilon: 1e-3 }), new EFDM({ alpha: 0.25, dataFormat: 'channelsFirst' })]) {
      const model = styleModel(layer, [3, 4, 4], [3, 4, 4]);
      const inputs = [seededTensor([2, 3, 4, 4], 411), seededTensor([2, 3, 4, 4], 412, 2)];
      const { loaded, artifacts } = await saveAndLoad(model);
      const topology = JSON.stringify(artifacts.modelTopology);
      expect(topology).toContain(`"class_name":"${layer.getClassName()}"`);
      const [a, b] = [model.predict(inputs) as tf.Tensor, loaded.predict(inputs) as tf.Tensor];
      expect(Array.from(await readAndDispose(b))).toEqual(Array.from(await readAndDispose(a)));
      expect(loaded.layers.find((l) => l.getClassName() === layer.getClassName())?.getConfig()).toEqual(layer.getConfig());
      tf.dispose(inputs);
    }
  });

  it('trains through AdaIN and EFDM: the gradient reaches the layers below', async () => {
    for (const make of [() => new AdaIN(), () => new EFDM()]) {
      const content = tfl.input({ shape: [4, 4, 2] });
      const style = tfl.input({ shape: [4, 4, 2] });
      // A per-position dense encoder: tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter.
      const encoder = tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) });
      const mixed = make().apply([encoder.apply(content), encoder.apply(style)] as tfl.SymbolicTensor[]) as tfl.SymbolicTensor;
      const output = tfl.layers.dense({ units: 2 }).apply(tfl.layers.flatten().apply(mixed)) as tfl.SymbolicTensor;
      const model = tfl.model({ inputs: [content, style], outputs: output });
      model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
      const before = encoder.getWeights()[0]?.dataSync().slice() as Float32Array;
      const xs = [seededTensor([6, 4, 4, 2], 421, 2, 1), seededTensor([6, 4, 4, 2], 422, 3)];
      const y = seededTensor([6, 2], 423);
      const history = await model.fit(xs, y, { epochs: 5, verbose: 0 });
      const losses = history.history['loss'] as number[];
      expect(losses[4] as number).toBeLessThan(losses[0] as number);
      expect(Array.from(encoder.getWeights()[0]?.dataSync() as Float32Array)).not.toEqual(Array.from(before));
      tf.dispose([...xs, y]);
      model.dispose();
    }
  });

  it('EFDMix mixes only while training: the identity in predict, efdmix with seed + k on the k-th training call', async () => {
    const x = seededTensor([4, 3, 3, 2], 431, 2);
    const layer = new EFDMix({ p: 1, alpha: 0.3, seed: 9 });
    const model = modelAround(layer, [3, 3, 2]);
    expect(Array.from(await readAndDispose(layer.apply(x) as tf.Tensor))).toEqual(Array.from(await x.data()));
    for (const k of [0, 1]) {
      const trained = await readAndDispose(layer.apply(x, { training: true }) as tf.Tensor);
      const expected = await readAndDispose(efdmix(x, { p: 1, alpha: 0.3, seed: 9 + k }));
      expect(Array.from(trained)).toEqual(Array.from(expected));
    }
    expect(Array.from(await readAndDispose(efdmix(x, { p: 1, alpha: 0.3, seed: 9 })))).not.toEqual(Array.from(await readAndDispose(efdmix(x, { p: 1, alpha: 0.3, seed: 10 }))));
    model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    const y = seededTensor([4, 3], 432);
    await model.fit(x, y, { epochs: 2, verbose: 0 });
    const { loaded } = await saveAndLoad(model);
    expect(loaded.layers.find((l) => l instanceof EFDMix)?.getConfig()).toEqual(layer.getConfig());
    tf.dispose([x, y]);
    model.dispose();
  });

  it("EFDM and EFDMix take efdm's tie policy: ties 'random' with a seed gives exactly the op's result, and round-trips through save and load", async () => {
    // A content with many ties (every value in {0, 1}), as a photo channel with runs of 0.
    const content = tf.tidy(() => tf.cast(tf.greater(seededTensor([2, 4, 4, 3], 461), 0.5), 'float32'));
    const style = seededTensor([2, 4, 4, 3], 462, 3, -1);
    const matcher = new EFDM({ ties: 'random', seed: 17 });
    const model = styleModel(matcher, [4, 4, 3], [4, 4, 3]);
    const fromLayer = await readAndDispose(model.predict([content, style]) as tf.Tensor);
    expect(Array.from(fromLayer)).toEqual(Array.from(await readAndDispose(efdm(content, style, { ties: 'random', seed: 17 }))));
    expect(Array.from(fromLayer)).not.toEqual(Array.from(await readAndDispose(efdm(content, style))));
    const { loaded } = await saveAndLoad(model);
    expect(Array.from(await readAndDispose(loaded.predict([content, style]) as tf.Tensor))).toEqual(Array.from(fromLayer));
    const mixer = new EFDMix({ p: 1, seed: 4, ties: 'random' });
    for (const k of [0, 1]) {
      const mixed = await readAndDispose(mixer.apply(content, { training: true }) as tf.Tensor);
      expect(Array.from(mixed)).toEqual(Array.from(await readAndDispose(efdmix(content, { p: 1, seed: 4 + k, ties: 'random' }))));
    }
    expect(mixer.getConfig()).toMatchObject({ ties: 'random', seed: 4 });
    expect(new EFDMix().getConfig()).toMatchObject({ ties: 'stable' });
    tf.dispose([content, style]);
    model.dispose();
    loaded.dispose();
  });

  it('leak nothing in predict and training calls', async () => {
    const content = seededTensor([2, 3, 3, 2], 441);
    const style = seededTensor([2, 3, 3, 2], 442);
    const layers = [new AdaIN(), new EFDM()];
    const mixer = new EFDMix({ p: 1, seed: 1 });
    await expectNoLeak(() => {
      for (const layer of layers) tf.dispose(layer.apply([content, style]) as tf.Tensor);
      tf.dispose(mixer.apply(content, { training: true }) as tf.Tensor);
    });
    tf.dispose([content, style]);
  });

  it('reject bad configs and inputs with errors naming the class', () => {
    expect(() => new AdaIN({ alpha: 2 })).toThrow(/^featstats\.featstats>AdaIN: alpha must be a finite number >= 0 and <= 1 but got 2/);
    expect(() => new EFDM({ dataFormat: 'NHWC' as never })).toThrow(/^featstats\.featstats>EFDM: dataFormat must be 'channelsLast' or 'channelsFirst' but got "NHWC"/);
    expect(() => new EFDMix({ seed: 1.5 })).toThrow(/^featstats\.featstats>EFDMix: seed must be an integer or null but got 1.5/);
    expect(() => new EFDMix({ mode: 'cross' as never })).toThrow(/^featstats\.featstats>EFDMix: mode must be 'random' or 'crossdomain'/);
    expect(() => new EFDM({ seed: 3 })).toThrow(/^featstats\.featstats>EFDM: seed must only be given with ties: 'random' but got 3/);
    expect(() => new EFDM({ ties: 'random', seed: 0.5 })).toThrow(/^featstats\.featstats>EFDM: seed must be an integer or null but got 0.5/);
    expect(() => new EFDMix({ ties: 'shuffle' as never })).toThrow(/^featstats\.featstats>EFDMix: ties must be 'stable' or 'random' but got "shuffle"/);
    const x = seededTensor([2, 3, 3, 2], 451);
    expect(() => new AdaIN().apply(x)).toThrow(/^featstats\.featstats>AdaIN: inputs must be a list \[content, style\] but got one tensor/);
    x.dispose();
  });
});
