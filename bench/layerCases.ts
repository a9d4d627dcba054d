/**
 * featstats/layers in training: one normalization layer's training step as `model.fit`
 * runs it — the forward in training mode (batch statistics, moving statistics updated)
 * and the backward to the input and to γ and β — against tfjs-layers' own layer of the
 * same name and config on the same backend. Each case's "forward" is that whole step.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import * as featstatsLayers from '../src/layers';
import type { BenchCase, ExportName, Outputs } from './cases';
import { normalTensor } from './inputs';

const STEP = 'one training step (forward in training mode, gradients to x, γ and β, moving statistics updated)';
const STEP_ONLY = 'the case is already a whole training step';

/**
 * The training step of a built layer: the vector-Jacobian product with a fixed upstream
 * gradient `dy` to x and the layer's trainable weights, as the other cases' backward
 * takes dy (a `tf.sum` loss would add tfjs's own broadcasting Sum gradient to both sides).
 */
function trainingStep(layer: tfl.layers.Layer, dy: tf.Tensor): (x: tf.Tensor) => Outputs {
  const weights = layer.trainableWeights.map((w) => w.read());
  return (x) => tf.grads((input: tf.Tensor) => layer.apply(input, { training: true }) as tf.Tensor)([x, ...weights], dy);
}

/** A layer case: featstats' class and tfjs-layers' own, both built for the input shape. */
function layerCase(op: ExportName, settings: string, featstats: () => tfl.layers.Layer, tfjs: () => tfl.layers.Layer, extra: Partial<BenchCase> = {}): BenchCase {
  return {
    ...extra,
    op,
    family: 'features',
    settings: `${settings}; ${STEP}`,
    noGradient: STEP_ONLY,
    compositeNoGradient: STEP_ONLY,
    setup: (shape) => {
      const [ours, theirs] = [featstats(), tfjs()];
      ours.build(shape);
      theirs.build(shape);
      const dy = normalTensor(shape, 12);
      return { inputs: [normalTensor(shape, 11, 1, 2)], constants: [dy], featstats: trainingStep(ours, dy), composite: trainingStep(theirs, dy) };
    },
  };
}

export const LAYER_CASES: readonly BenchCase[] = [
  layerCase('layers.BatchNormalization', 'axis −1', () => new featstatsLayers.BatchNormalization(), () => tfl.layers.batchNormalization()),
  layerCase('layers.LayerNormalization', 'axis −1', () => new featstatsLayers.LayerNormalization(), () => tfl.layers.layerNormalization(), {
    compositeSkip: {
      backends: ['wasm'],
      sizes: ['medium', 'large'],
      pass: 'all',
      reason:
        "tfjs-layers' LayerNormalization training step on tfjs-backend-wasm took 130 s at [1, 32, 32, 512] (one call, Node, loaded machine; 3 s forward), so a medium sample (8× the elements) would take over 15 minutes",
    },
  }),
];
