import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';

import { formatShape, opError } from '../_internal/errors';
import { cutPoint, inputFeeds, runGraph } from '../_internal/layers/graph';
import { checkOptions, describeValue } from '../_internal/validate';
import { ibaAttribution, type IbaAttributionOptions } from '../attribution/ibaAttribution';

const OP = 'ibaAttributionForModel';

/** Options of {@link ibaAttributionForModel}: `ibaAttribution`'s, with the model cut at a layer. */
export interface IbaAttributionForModelOptions extends Omit<IbaAttributionOptions, 'features' | 'head' | 'target'> {
  /** The layer whose output is the bottleneck (IBA's reference uses a mid-level conv block). */
  layer: string;
  /** The class attributed: one for every image, or one per image. */
  target: number | number[];
  /**
   * What the model outputs: `'logits'` (default) or `'probabilities'` (a softmax last
   * layer; their log is used as the logits, so −log softmax(log p)[t] = −log p[t]).
   */
  outputs?: 'logits' | 'probabilities';
}

/** What {@link ibaAttributionForModel} returns. */
export type IbaAttributionForModel = {
  /** Bits per spatial position, one map per image: `[B, H, W]` (or `imageSize`). */
  heatmaps: tf.Tensor3D;
  /** Each image's last-step capacity per element, in nats: `[B, ...one sample's shape]`. */
  capacity: tf.Tensor;
};

/**
 * IBA attribution of a `tf.LayersModel` for a batch of images: the model is cut at
 * `layer`, the features of every image are computed there (inference mode), and each
 * image's bottleneck is optimised by `ibaAttribution` through the rest of the
 * model (the head), with its own target. The head must depend on the model's input only
 * through the cut (no skip connection across it).
 *
 * @param model A built single-output `tf.LayersModel` with tfjs's gradients loaded (any
 *   tfjs-layers import loads them).
 * @param images The model's input batch `[B, …]`.
 * @param options See {@link IbaAttributionForModelOptions}; `mean`/`std` are the
 *   features' dataset statistics at `layer` (e.g. from `WelfordEstimator`).
 * @returns `{ heatmaps, capacity }`.
 * @throws If the layer is not in the model, the model has several outputs, targets do not
 *   match the batch, or the head reads the model's input besides the cut.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [
 *   tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', name: 'conv' }),
 *   tf.layers.flatten(),
 *   tf.layers.dense({ units: 3 }), // logits
 * ] });
 * const images = tf.randomNormal([2, 8, 8, 1]);
 * const mean = tf.zeros([8, 8, 4]); // the features' dataset statistics at 'conv'
 * const std = tf.ones([8, 8, 4]);
 * const { heatmaps } = ibaAttributionForModel(model, images, { layer: 'conv', target: [2, 0], mean, std, steps: 2, seed: 1 });
 * heatmaps.shape; // [2, 8, 8]
 * ```
 * @see K. Schulz, L. Sixt, F. Tombari, T. Landgraf, "Restricting the Flow: Information
 *   Bottlenecks for Attribution", ICLR 2020.
 */
export function ibaAttributionForModel(model: LayersModel, images: tf.Tensor, options: IbaAttributionForModelOptions): IbaAttributionForModel {
  const { layer, target, outputs = 'logits', ...attributionOptions } = checkOptions(options, [
    'layer', 'target', 'outputs', 'mean', 'std', 'beta', 'steps', 'learningRate', 'batchSize', 'smoothSigma', 'initAlpha', 'minStd', 'seed', 'imageSize', 'dataFormat',
  ], OP) as IbaAttributionForModelOptions;
  if (model === null || typeof model !== 'object' || !Array.isArray((model as Partial<LayersModel>).outputs)) {
    throw opError(OP, `model must be a built tf.LayersModel but got ${model === null ? 'null' : typeof model}`);
  }
  if (model.outputs.length !== 1) throw opError(OP, `model must have one output (the class scores) but has ${model.outputs.length}`);
  if (outputs !== 'logits' && outputs !== 'probabilities') throw opError(OP, `outputs must be 'logits' or 'probabilities' but got ${describeValue(outputs)}`);
  if (typeof layer !== 'string') throw opError(OP, `layer must be a layer name but got ${typeof layer}`);
  const cut = cutPoint(model, layer, OP);
  if (!(images instanceof tf.Tensor) || images.rank < 1) throw opError(OP, `images must be a batch tensor but got ${images instanceof tf.Tensor ? 'a scalar' : typeof images}`);
  const batch = images.shape[0] as number;
  const targets = Array.isArray(target) ? target : new Array<number>(batch).fill(target);
  if (targets.length !== batch || !targets.every((t) => Number.isInteger(t) && t >= 0)) {
    throw opError(OP, `target must be a class index or one per image (${batch}) but got ${describeValue(target)}`);
  }
  const headReadsInput = (input: SymbolicTensor): never => {
    throw opError(OP, `the model after layer '${layer}' must depend on the input only through that layer but reads input '${input.name}'`);
  };
  const head = (features: tf.Tensor) => {
    const [scores] = runGraph(model.outputs, { feeds: [[cut.tensor, features]], training: false, onMissingInput: headReadsInput }) as [tf.Tensor];
    return outputs === 'logits' ? scores : tf.log(tf.maximum(scores, Number.MIN_VALUE));
  };
  const features = tf.tidy(() => runGraph([cut.tensor], { feeds: inputFeeds(model, images, OP), training: false, onMissingInput: headReadsInput })[0] as tf.Tensor);
  const maps: tf.Tensor[] = [];
  const capacities: tf.Tensor[] = [];
  try {
    if (features.rank !== 4) throw opError(OP, `layer '${layer}' must output image features [B, H, W, C] or [B, C, H, W] but gives ${formatShape(features.shape)}`);
    for (let image = 0; image < batch; image++) {
      const one = tf.slice(features, image, 1);
      try {
        const { heatmap, capacity } = ibaAttribution({ ...attributionOptions, features: one, head, target: targets[image] as number });
        maps.push(heatmap);
        capacities.push(capacity);
      } finally {
        one.dispose();
      }
    }
    return { heatmaps: tf.stack(maps) as tf.Tensor3D, capacity: tf.stack(capacities) };
  } finally {
    tf.dispose([features, ...maps, ...capacities]);
  }
}
