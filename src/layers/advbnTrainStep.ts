import * as tf from '@tensorflow/tfjs-core';
import { metrics, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';

import { opError } from '../_internal/errors';
import { cutPoint, inputFeeds, runGraph } from '../_internal/layers/graph';
import { dataFormatForRank } from '../_internal/layout';
import { checkOptions, describeValue } from '../_internal/validate';
import { adversarialMeanStd } from '../ops/adversarialMeanStd';
import { perturbMeanStd } from '../ops/perturbMeanStd';
import { AdvBN, resolveAdvBNSettings, type AdvBNSettings } from './AdvBN';

const OP = 'advbnTrainStep';

/** A loss of (targets, predictions): per-sample values or a scalar; its mean is minimised. */
export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Options of {@link advbnTrainStep}. */
export interface AdvbnTrainStepOptions extends AdvBNSettings {
  /**
   * The layer whose output is perturbed. Default: the model's one {@link AdvBN} layer.
   * An AdvBN layer also supplies the attack settings not given here.
   */
  layer?: string;
  /** Default: the loss the model was compiled with (a function, or `'categoricalCrossentropy'`, `'binaryCrossentropy'`, `'meanSquaredError'`, `'meanAbsoluteError'`). */
  loss?: LossFunction;
  /** Default: the optimizer the model was compiled with. */
  optimizer?: tf.Optimizer;
}

/** What one {@link advbnTrainStep} reports (plain numbers; no tensors to dispose). */
export interface AdvbnTrainStep {
  /** The adversarial loss the weights were updated on (mean over the batch, plus regularizers). */
  loss: number;
  /** The attack's per-channel mean factors. */
  meanScale: number[];
  /** The attack's per-channel spread factors. */
  stdScale: number[];
}

/**
 * One step of AdvBN adversarial training on a `tf.LayersModel`. The model is cut at
 * `layer` into an encoder (inputs → that layer's output f) and a head (f → outputs):
 *
 * 1. the attack of `adversarialMeanStd` finds per-channel factors m, s that
 *    increase `loss(y, head(perturbMeanStd(f, m, s)))` (sign-gradient steps, scales in
 *    [1 − ε, 1 + ε]), with the network in training mode — and every non-trainable
 *    weight (batch normalization's moving statistics) restored afterwards, so the
 *    attack's forward passes leave no trace;
 * 2. one optimizer step on `loss(y, model(x))` with f replaced by its perturbation at
 *    the found (constant) scales, plus the model's regularization losses, exactly as
 *    `model.fit` computes a step — so each moving statistic is updated once per step.
 *
 * Skip connections across the cut are fine: the head reads what it needs of the encoder.
 *
 * @param model A built `tf.LayersModel` (compiled, unless `loss` and `optimizer` are given).
 * @param x The model's input batch (one tensor per model input).
 * @param y The targets (one tensor per model output).
 * @param options See {@link AdvbnTrainStepOptions}.
 * @returns The step's loss and the attack's scales, as numbers.
 * @throws If the model has no layer of that name (or no single AdvBN layer when none is
 *   named), the loss or optimizer is missing, or an attack setting is out of range.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [
 *   tf.layers.dense({ inputShape: [4, 4, 2], units: 3, activation: 'relu' }),
 *   new AdvBN({ steps: 2 }), // the cut: its input is perturbed
 *   tf.layers.flatten(),
 *   tf.layers.dense({ units: 2, activation: 'softmax' }),
 * ] });
 * model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
 * const images = tf.randomNormal([8, 4, 4, 2]);
 * const labels = tf.oneHot(tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1], 'int32'), 2);
 * const { loss, meanScale } = await advbnTrainStep(model, images, labels); // loss: a number
 * model.dispose(); // its weights and optimizer
 * ```
 * @see M. Shu, Z. Wu, M. Goldblum, T. Goldstein, "Encoding Robustness to Image Style via
 *   Adversarial Feature Perturbations", NeurIPS 2021.
 */
export async function advbnTrainStep(
  model: LayersModel,
  x: tf.Tensor | tf.Tensor[],
  y: tf.Tensor | tf.Tensor[],
  options?: AdvbnTrainStepOptions,
): Promise<AdvbnTrainStep> {
  const given = checkOptions(options, ['layer', 'loss', 'optimizer', 'steps', 'stepSize', 'epsilon', 'relu', 'dataFormat'], OP);
  checkModel(model);
  const advbnLayers = model.layers.filter((layer) => layer instanceof AdvBN) as AdvBN[];
  const layerName = given.layer ?? defaultLayer(advbnLayers);
  const cut = cutPoint(model, layerName, OP);
  const advbn = advbnLayers.find((layer) => layer.name === layerName);
  const settings = resolveAdvBNSettings({ ...advbn?.settings, ...attackOverrides(given) }, OP);
  const lossFunction = resolveLoss(given.loss ?? model.loss);
  const optimizer = given.optimizer ?? (model.optimizer as tf.Optimizer | undefined);
  if (!(optimizer instanceof tf.Optimizer)) throw opError(OP, 'optimizer must be given, or the model compiled with one, but got none');
  const feeds = inputFeeds(model, x, OP);
  const targets = Array.isArray(y) ? y : [y];
  if (targets.length !== model.outputs.length || !targets.every((t) => t instanceof tf.Tensor)) {
    throw opError(OP, `y must be ${model.outputs.length} tensor(s), one per model output, but got ${Array.isArray(y) ? `${y.length} values` : typeof y}`);
  }
  const perturbOptions = (features: tf.Tensor) => ({ relu: settings.relu, dataFormat: dataFormatForRank(settings.layout, features.rank) });
  const lossOf = (outputs: tf.Tensor[]) => outputs.map((output, i) => tf.mean(lossFunction(targets[i] as tf.Tensor, output))).reduce((a, b) => tf.add(a, b));
  const everyInputFed = (input: SymbolicTensor): never => {
    throw opError(OP, `model input '${input.name}' must be fed`);
  };

  // 1. The attack, with every non-trainable weight restored after it.
  const saved = model.nonTrainableWeights.map((weight) => tf.clone(weight.read()));
  let scales: [tf.Tensor, tf.Tensor];
  try {
    scales = tf.tidy(() => {
      const [features] = runGraph([cut.tensor], { feeds, training: true, onMissingInput: everyInputFed }) as [tf.Tensor];
      const headLoss = (perturbed: tf.Tensor) =>
        lossOf(runGraph(model.outputs, { feeds: [...feeds, [cut.tensor, perturbed]], training: true, onMissingInput: everyInputFed }));
      const attack = adversarialMeanStd(features, headLoss, { steps: settings.steps, stepSize: settings.stepSize, epsilon: settings.epsilon, ...perturbOptions(features) });
      return [attack.meanScale, attack.stdScale];
    });
  } finally {
    model.nonTrainableWeights.forEach((weight, i) => weight.write(saved[i] as tf.Tensor));
    tf.dispose(saved);
  }

  // 2. The update on the adversarial loss, one training forward as model.fit runs it.
  const [meanScale, stdScale] = scales;
  let cost: tf.Scalar | null = null;
  try {
    cost = optimizer.minimize(
      () => {
        const outputs = runGraph(model.outputs, {
          feeds,
          training: true,
          transform: { tensor: cut.tensor, apply: (features) => perturbMeanStd(features, meanScale, stdScale, perturbOptions(features)) },
          onMissingInput: everyInputFed,
        });
        return model.calculateLosses().reduce((total, penalty) => tf.add(total, penalty), lossOf(outputs)) as tf.Scalar;
      },
      true,
      model.trainableWeights.map((weight) => weight.read() as tf.Variable),
    );
    const [loss, mean, std] = await Promise.all([(cost as tf.Scalar).data(), meanScale.data(), stdScale.data()]);
    const result = { loss: loss[0] as number, meanScale: Array.from(mean), stdScale: Array.from(std) };
    if (advbn !== undefined) advbn.lastScales = { meanScale: result.meanScale, stdScale: result.stdScale };
    return result;
  } finally {
    tf.dispose([meanScale, stdScale, ...(cost === null ? [] : [cost])]);
  }
}

function checkModel(model: unknown): asserts model is LayersModel {
  const candidate = model as Partial<LayersModel> | null;
  if (candidate === null || typeof candidate !== 'object' || !Array.isArray(candidate.layers) || !Array.isArray(candidate.outputs)) {
    throw opError(OP, `model must be a built tf.LayersModel but got ${candidate === null ? 'null' : typeof candidate}`);
  }
}

function defaultLayer(advbnLayers: AdvBN[]): string {
  if (advbnLayers.length !== 1) {
    throw opError(OP, `layer must be given when the model does not have exactly one AdvBN layer but it has ${advbnLayers.length}`);
  }
  return (advbnLayers[0] as AdvBN).name;
}

/** The attack settings the options give (absent ones fall back to the AdvBN layer's, then the defaults). */
function attackOverrides({ steps, stepSize, epsilon, relu, dataFormat }: Partial<AdvbnTrainStepOptions>): AdvBNSettings {
  return Object.fromEntries(Object.entries({ steps, stepSize, epsilon, relu, dataFormat }).filter(([, value]) => value !== undefined));
}

/** Keras loss names tfjs-layers exposes as functions (its `metrics` namespace). */
const NAMED_LOSSES: Record<string, LossFunction> = {
  categoricalCrossentropy: metrics.categoricalCrossentropy,
  binaryCrossentropy: metrics.binaryCrossentropy,
  meanSquaredError: metrics.meanSquaredError,
  meanAbsoluteError: metrics.meanAbsoluteError,
};

function resolveLoss(loss: unknown): LossFunction {
  if (typeof loss === 'function') return loss as LossFunction;
  if (typeof loss === 'string' && NAMED_LOSSES[loss] !== undefined) return NAMED_LOSSES[loss] as LossFunction;
  throw opError(OP, `loss must be a function (yTrue, yPred) => tensor, or the model compiled with ${Object.keys(NAMED_LOSSES).join(', ')} or a function, but got ${describeValue(loss)}`);
}
