import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';

import { instanceNorm } from '../../src';
import { AddonsGroupNormalization, AddonsInstanceNormalization, GroupNormalization, InstanceNormalization } from '../../src/layers';
import { readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { expectFitTrains, expectNoLayerLeak, expectRoundTrip } from '../helpers/layerChecks';
import { disposeWeights, seededTensor } from '../helpers/layers';

describeBackendsBothPaths('InstanceNormalization layer', () => {
  it('gives exactly the instanceNorm op (ε 1e-3) in both layouts', async () => {
    for (const [axis, dataFormat] of [[-1, 'NHWC'], [1, 'NCHW']] as const) {
      const x = seededTensor([2, 3, 4, 5], 201, 3, 2);
      const layer = new InstanceNormalization({ axis });
      layer.build(x.shape);
      const channels = x.shape[axis === -1 ? 3 : 1] as number;
      const [gamma, beta] = [seededTensor([channels], 202, 1, 1), seededTensor([channels], 203)];
      layer.setWeights([gamma, beta]);
      const fromLayer = await readAndDispose(layer.apply(x) as tf.Tensor);
      const fromOp = await readAndDispose(instanceNorm(x, { epsilon: 1e-3, dataFormat, gamma, beta }));
      expect(Array.from(fromLayer)).toEqual(Array.from(fromOp));
      tf.dispose([x, gamma, beta]);
      disposeWeights(layer);
    }
  });

  it("ignores a groups key, as tensorflow-addons' InstanceNormalization overrides it", () => {
    const layer = new InstanceNormalization({ groups: 2 });
    layer.build([null, 4, 4, 6]);
    expect(layer.groups).toBe(6);
    expect(layer).toBeInstanceOf(GroupNormalization);
    disposeWeights(layer);
  });

  it('trains in model.fit: the loss falls and γ, β move', async () => {
    await expectFitTrains(new InstanceNormalization(), [3, 3, 2], 211);
  });

  it('round-trips through save and load under both class names', async () => {
    await expectRoundTrip(new InstanceNormalization({ epsilon: 1e-2 }), [3, 3, 2], 221);
    const addons = new AddonsInstanceNormalization({ scale: false });
    await expectRoundTrip(addons, [3, 3, 2], 222);
    expect(addons.getClassName()).toBe('Addons>InstanceNormalization');
    expect(addons.name).toMatch(/^instance_normalization_\d+$/);
    const addonsGroups = new AddonsGroupNormalization();
    await expectRoundTrip(addonsGroups, [3, 3, 4], 223);
    expect(addonsGroups.groups).toBe(2);
  });

  it('leaks no tensor in predict and fit', async () => {
    await expectNoLayerLeak(new InstanceNormalization(), [3, 3, 2], 231);
  });

  it('rejects bad configs with an error naming the class', () => {
    expect(() => new InstanceNormalization({ epsilon: -1 })).toThrow(/^featstats\.InstanceNormalization: epsilon must be a finite number > 0/);
    expect(() => new AddonsInstanceNormalization({ axis: 'last' as unknown as number })).toThrow(/^featstats\.Addons>InstanceNormalization: axis must be an integer but got "last"/);
    expect(() => new InstanceNormalization({ axis: -1 }).apply(tfl.input({ shape: [4, null] as unknown as number[] }))).toThrow(/^featstats\.InstanceNormalization: input must have a defined dimension at axis 2/);
  });
});
