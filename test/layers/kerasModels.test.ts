import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';

import { AddonsInstanceNormalization, GroupNormalization } from '../../src/layers';
import { expectClose, readAndDispose } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';
import { seededValues } from '../helpers/layers';
import { TOLERANCE } from '../helpers/tolerance';
import addonsInstance from '../fixtures/keras/addons_instance_normalization.json';
import channelsFirstInstance from '../fixtures/keras/group_normalization_channels_first_instance_no_affine.json';
import keras3DtypePolicy from '../fixtures/keras/group_normalization_keras3_dtype_policy.json';
import nhwc from '../fixtures/keras/group_normalization_nhwc.json';
import sequence from '../fixtures/keras/group_normalization_sequence.json';
import { channelAxisPlan } from '../reference/kerasLayers';
import { normReference } from '../reference/norms';

interface ModelJson {
  modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
  weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
}

/** Each fixture with what Keras computes for it: statistic, axis and ε. */
const FIXTURES: { name: string; json: ModelJson; cls: abstract new (...args: never[]) => tfl.layers.Layer }[] = [
  { name: 'GroupNormalization, 3 groups, channels last', json: nhwc as ModelJson, cls: GroupNormalization },
  { name: 'GroupNormalization, groups −1, axis 1, center and scale off', json: channelsFirstInstance as ModelJson, cls: GroupNormalization },
  { name: 'GroupNormalization on a [N, L, C] sequence, ε 1e-5', json: sequence as ModelJson, cls: GroupNormalization },
  { name: "GroupNormalization with Keras 3's dtype policy", json: keras3DtypePolicy as ModelJson, cls: GroupNormalization },
  { name: 'Addons>InstanceNormalization (tensorflow-addons)', json: addonsInstance as ModelJson, cls: AddonsInstanceNormalization },
];

describeBackends('Keras models with featstats layers', (backend) => {
  for (const { name, json, cls } of FIXTURES) {
    it(`loads a Keras model with ${name} and predicts Keras's formula`, async () => {
      const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
      const weightValues = weightSpecs.map((spec, i) => seededValues(spec.shape.reduce((a, b) => a * b, 1), 700 + i, 0.5, spec.name.endsWith('gamma') ? 1 : 0));
      const weightData = new Float32Array(weightValues.flatMap((values) => Array.from(values))).buffer;
      const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }));
      const layer = model.layers[model.layers.length - 1] as tfl.layers.Layer;
      expect(layer).toBeInstanceOf(cls);

      const config = json.modelTopology.config.layers[1]?.config as { groups: number; axis: number; epsilon: number; center: boolean; scale: boolean };
      const inputShape = (model.inputs[0]?.shape as number[]).slice(1);
      const shape = [3, ...inputShape];
      const xValues = seededValues(shape.reduce((a, b) => a * b, 1), 799, 3, 2);
      const y = await readAndDispose(model.predict(tf.tensor(xValues, shape)) as tf.Tensor);

      const axis = (config.axis + shape.length) % shape.length;
      const channels = shape[axis] as number;
      const groups = config.groups === -1 || cls === AddonsInstanceNormalization ? channels : config.groups;
      const plan = channelAxisPlan(shape, axis, { kind: 'group', groups });
      const [gamma, beta] = config.scale ? [weightValues[0], weightValues[1]] : [undefined, config.center ? weightValues[0] : undefined];
      const affine = { ...(gamma === undefined ? {} : { gamma }), ...(beta === undefined ? {} : { beta }) };
      expectClose(y, normReference(xValues, plan, config.epsilon, affine), TOLERANCE[backend].value, normReference(xValues, plan, config.epsilon, affine, undefined, true));
      model.dispose();
    });
  }
});
