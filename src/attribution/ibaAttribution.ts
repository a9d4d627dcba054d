import * as tf from '@tensorflow/tfjs-core';

import { runSteps, type Steps } from '../_internal/drive';
import { formatShape, opError } from '../_internal/errors';
import { withTape } from '../_internal/tape';
import {
  checkFunction,
  checkImageDataFormat,
  checkInteger,
  checkNumber,
  checkOptions,
  checkSizes,
  checkTensorLike,
  describeValue,
  floatTensor,
  type DataFormat,
  type TensorInput,
} from '../_internal/validate';
import { bottleneck, resolveBottleneckScalars } from './informationBottleneck';

const OP = 'ibaAttribution';

/** Options of {@link ibaAttribution}; defaults are the reference implementation's. */
export interface IbaAttributionOptions {
  /** Features of one image at the bottleneck layer, `[1, ...S, C]` (NHWC) or `[1, C, ...S]`. */
  features: TensorInput;
  /** The rest of the network: maps bottleneck features `[B, …]` to logits `[B, classes]`. */
  head: (features: tf.Tensor) => tf.Tensor;
  /** Class whose evidence is attributed. */
  target: number;
  /** Dataset mean of the features, one sample's shape (`WelfordEstimator.mean()`). */
  mean: TensorInput;
  /** Dataset standard deviation of the features, one sample's shape. */
  std: TensorInput;
  /** Weight of the capacity in the loss. Default 10. */
  beta?: number;
  /** Adam steps. Default 10. */
  steps?: number;
  /** Adam learning rate. Default 1. */
  learningRate?: number;
  /** Copies of the features per step, each with its own noise. Default 10. */
  batchSize?: number;
  /** σ of the smoothing of λ. Default 1. */
  smoothSigma?: number;
  /** Initial α (λ = sigmoid(5) ≈ 0.993: almost everything passes). Default 5. */
  initAlpha?: number;
  /** Floor of the standard deviation. Default 0.01. */
  minStd?: number;
  /** Seed of the noise, an integer in [−2³¹, 2³² − 1] (step k uses seed + k); random when omitted. */
  seed?: number;
  /** `[height, width]` of the input image: the heatmap is resized to it. */
  imageSize?: [number, number];
  /** Layout of the features: `'NHWC'` (default) or `'NCHW'`. */
  dataFormat?: DataFormat;
}

/** What {@link ibaAttribution} returns. */
export type IbaAttribution = {
  /** Bits per spatial position `[H, W]` (or `imageSize`). */
  heatmap: tf.Tensor2D;
  /** Batch-averaged capacity per element of the last step, in nats, one sample's shape. */
  capacity: tf.Tensor;
};

/**
 * Per-sample IBA attribution: learns how much of each feature the network needs to keep
 * its prediction. α (one sample's shape, initialised to `initAlpha`) is optimised with
 * Adam for `steps` steps on
 *
 * `mean_b(−log softmax(head(output_b))[target]) + β·mean(capacity)`
 *
 * over `batchSize` copies of the features, each through {@link informationBottleneck}
 * with independent noise. The heatmap is the last step's batch-averaged capacity summed
 * over channels, converted to bits (÷ ln 2); with `imageSize` it is multiplied by
 * (feature area / image area) and resized bilinearly, so its sum is preserved.
 *
 * The head's ops must be differentiable in the caller's setup: load tfjs's gradients
 * (use `@tensorflow/tfjs`; a bundled app may instead import
 * `@tensorflow/tfjs-core/dist/register_all_gradients`, which Node itself cannot load: see
 * the README's "Training through your own loss").
 *
 * @param options See {@link IbaAttributionOptions}.
 * @returns `{ heatmap, capacity }`.
 * @throws If features is not non-empty `[1, …]` of rank 4 (2 spatial axes), head is not a
 *   function, an option is out of range (integers: target ≥ 0, steps and batchSize ≥ 1;
 *   imageSize positive integers; seed in [−2³¹, 2³² − 1]), or mean or std is not shaped
 *   like one sample. Every message names `ibaAttribution`.
 * @throws If head does not return float32 `[batchSize, classes]` logits with 2 ≤ classes
 *   and target < classes, or is not differentiable. Nothing leaks when it throws.
 *
 * @example
 * ```ts
 * const features = tf.randomNormal([1, 7, 7, 4]);
 * const head = (f) => tf.reshape(tf.mean(f, [1, 2]), [-1, 4]); // 4 "classes"
 * const { heatmap } = ibaAttribution({ features, head, target: 1, mean: tf.zeros([7, 7, 4]), std: tf.ones([7, 7, 4]), seed: 1, steps: 2 });
 * ```
 * @see K. Schulz, L. Sixt, F. Tombari, T. Landgraf, "Restricting the Flow: Information
 *   Bottlenecks for Attribution", ICLR 2020.
 */
export function ibaAttribution(options: IbaAttributionOptions): IbaAttribution {
  return runSteps(ibaAttributionSteps(options, OP), ({ loss }) => loss.dispose());
}

/** What {@link ibaAttributionSteps} yields after each Adam step (the loss is the caller's to dispose). */
export type IbaAttributionStep = { loss: tf.Scalar; steps: number };

/**
 * The steps of {@link ibaAttribution}, shared with `ibaAttributionAsync`: validates,
 * then yields each Adam step's loss (the caller disposes it) and returns the result.
 * Stopped early, its `finally` frees α, the optimizer and the batch. Not public.
 *
 * @param op The op named in errors.
 * @param driverKeys Options the calling driver reads itself (accepted, ignored here).
 */
export function* ibaAttributionSteps(options: IbaAttributionOptions, op: string, driverKeys: readonly string[] = []): Steps<IbaAttributionStep, IbaAttribution> {
  const OP = op; // errors name the op the caller called
  const given = checkOptions(options as IbaAttributionOptions & Record<string, unknown>, [...driverKeys, ...OPTION_KEYS], OP, { required: true });
  const head = checkFunction<IbaAttributionOptions['head']>(given.head, 'head', OP);
  const target = checkInteger(given.target, 'target', OP, { min: 0 });
  const beta = checkNumber(given.beta ?? 10, 'beta', OP, { min: 0 });
  const steps = checkInteger(given.steps ?? 10, 'steps', OP, { min: 1 });
  const learningRate = checkNumber(given.learningRate ?? 1, 'learningRate', OP, { min: 0, minExclusive: true });
  const batchSize = checkInteger(given.batchSize ?? 10, 'batchSize', OP, { min: 1 });
  const initAlpha = checkNumber(given.initAlpha ?? 5, 'initAlpha', OP);
  const imageSize = given.imageSize === undefined ? undefined : checkSizes(given.imageSize, 'imageSize', OP, ['height', 'width']);
  // The bottleneck's own options are checked here, under this entry point's name.
  const { dataFormat, minStd, smoothSigma, seed } = resolveBottleneckScalars(given, OP);
  // The features are one image's: a sequence format ('NWC', 'NCW') names no image layout.
  checkImageDataFormat(dataFormat, OP);
  checkTensorLike(given.mean, 'mean', OP);
  checkTensorLike(given.std, 'std', OP);
  const features = floatTensor(given.features as TensorInput, 'features', OP);
  const owned = features !== given.features;
  if (features.rank !== 4 || features.shape[0] !== 1 || features.size === 0) {
    if (owned) features.dispose();
    throw opError(OP, `features must be one image's non-empty features [1, H, W, C] or [1, C, H, W] but got shape ${formatShape(features.shape)}`);
  }
  const sampleShape = features.shape.slice(1);
  const bottleneckOptions = { mean: given.mean as TensorInput, std: given.std as TensorInput, minStd, smoothSigma, dataFormat };
  // Step k draws its noise from seed + k, as 32 bits like every seed.
  const stepSeed = (step: number) => (seed + step) >>> 0;
  const checkedLogits = (logits: unknown): tf.Tensor => {
    // At least 2 classes: the softmax of one logit is 1 whatever α (and tfjs's oneHot needs depth ≥ 2).
    const classes = logits instanceof tf.Tensor ? (logits.shape[1] ?? 0) : 0;
    if (!(logits instanceof tf.Tensor) || logits.dtype !== 'float32' || logits.rank !== 2 || logits.shape[0] !== batchSize || classes < 2 || classes <= target) {
      const got = logits instanceof tf.Tensor && logits.dtype === 'float32' ? formatShape(logits.shape) : describeValue(logits);
      throw opError(OP, `head must return float32 logits [${batchSize}, classes] with classes >= 2 and > target but got ${got}`);
    }
    return logits;
  };

  const alpha = tf.tidy(() => tf.variable(tf.fill(sampleShape, initAlpha), true));
  const optimizer = tf.train.adam(learningRate);
  const batch = tf.tile(features, [batchSize, 1, 1, 1]);
  let lastCapacity: tf.Tensor | undefined;
  let capacity: tf.Tensor | undefined;
  try {
    // One untaped pass validates the options and the head: a throw inside minimize would
    // strand the tensors its tape had saved (withTape frees them should one still occur).
    tf.tidy(() => {
      checkedLogits(head(bottleneck(batch, alpha, { ...bottleneckOptions, seed: stepSeed(0) }, OP).output));
    });
    for (let step = 0; step < steps; step++) {
      // minimize returns the cost it was asked for (returnCost = true); withTape frees what
      // tfjs's tape saved should the head throw inside it, the tidy its forward values.
      const loss = tf.tidy(() => withTape(
        () =>
          optimizer.minimize(
            () => {
              const { output, capacity: stepCapacity } = bottleneck(batch, alpha, { ...bottleneckOptions, seed: stepSeed(step) }, OP);
              const logits = checkedLogits(head(output));
              tf.dispose(lastCapacity);
              lastCapacity = tf.keep(tf.mean(stepCapacity, 0));
              // −log softmax(logits)[target] by a one-hot product, not gather: gather's tfjs
              // gradient needs UnsortedSegmentSum, which the wasm backend lacks.
              const oneHot = tf.oneHot(tf.fill([batchSize], target, 'int32'), logits.shape[1] as number);
              const crossEntropy = tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), 1)));
              return tf.add(crossEntropy, tf.mul(tf.mean(stepCapacity), beta)) as tf.Scalar;
            },
            true,
            [alpha],
          ),
        OP,
        'head',
      ) as tf.Scalar);
      yield { loss, steps };
    }
    // A clone, tracked by the caller's scope like any op result (the kept original is not).
    capacity = tf.clone(lastCapacity as tf.Tensor);
    const heatmap = tf.tidy(() => {
      const channelAxis = dataFormat === 'NHWC' ? 2 : 0;
      const bits = tf.div(tf.sum(capacity as tf.Tensor, channelAxis), Math.LN2) as tf.Tensor2D;
      if (imageSize === undefined) return bits;
      const [height, width] = imageSize as [number, number];
      const areaRatio = (bits.shape[0] * bits.shape[1]) / (height * width);
      const resized = tf.image.resizeBilinear(tf.expandDims(bits, 2) as tf.Tensor3D, [height, width]);
      return tf.mul(tf.squeeze(resized, [2]), areaRatio) as tf.Tensor2D;
    });
    const result = { heatmap, capacity };
    capacity = undefined;
    return result;
  } finally {
    // capacity is still set here only if the heatmap threw: nothing may outlive a failure.
    tf.dispose([...(lastCapacity === undefined ? [] : [lastCapacity]), ...(capacity === undefined ? [] : [capacity]), alpha, batch]);
    optimizer.dispose();
    if (owned) features.dispose();
  }
}

/** The option keys of {@link ibaAttribution}. */
const OPTION_KEYS = [
  'features', 'head', 'target', 'mean', 'std', 'beta', 'steps', 'learningRate', 'batchSize', 'smoothSigma', 'initAlpha', 'minStd', 'seed', 'imageSize', 'dataFormat',
] as const;
