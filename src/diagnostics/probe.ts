import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { opError } from '../_internal/errors';
import { withTape } from '../_internal/tape';
import { checkDataFormat, checkFunction, checkOptions, checkTensorLike, describeValue, floatTensor, type DataFormat, type TensorInput } from '../_internal/validate';
import { activationSimilarity } from './activationSimilarity';
import { channelVariance } from './channelVariance';
import { stableRank } from './stableRank';

const OP = 'probe';

/** A layer {@link probe} can run: a function, or an object with `apply` (tfjs-layers' Layer). */
export type ProbeLayer = ((x: tf.Tensor) => tf.Tensor) | { apply: (x: tf.Tensor) => unknown };

/** Options of {@link probe}. */
export interface ProbeOptions {
  /** Layout of the activations, for {@link channelVariance}: `'NHWC'` (default) or `'NCHW'`. */
  dataFormat?: DataFormat;
}

/** The diagnostics of one layer's output activations (each a scalar tensor). */
export type LayerProbe = {
  /** {@link activationSimilarity} of the activations. */
  similarity: tf.Scalar;
  /** {@link channelVariance} of the activations. */
  variance: tf.Scalar;
  /** {@link stableRank} of the activations. */
  stableRank: tf.Scalar;
  /** Frobenius norm of ∂loss/∂activations. */
  gradientNorm: tf.Scalar;
};

/** What {@link probe} returns: the loss and one {@link LayerProbe} per layer. */
export type ProbeResult = { loss: tf.Scalar; layers: LayerProbe[] };

/**
 * Runs a stack of layers on a batch and measures, at every layer's output, the
 * "Beyond BatchNorm" probes: activation similarity, channel variance, stable rank, and
 * the Frobenius norm of the gradient of `loss(final output)` with respect to that output.
 *
 * The gradients of all layers come from one backward pass: each activation aₖ is
 * replaced by aₖ + zₖ with zₖ = 0, and ∂loss/∂zₖ = ∂loss/∂aₖ. The layers and the loss
 * must be differentiable in the caller's setup (tfjs layers need tfjs's gradients).
 *
 * @param layers Layers applied in order; each maps a tensor to a tensor.
 * @param input The batch `[N, ...]`.
 * @param loss Maps the last layer's output to a scalar.
 * @param options See {@link ProbeOptions}.
 * @returns `{ loss, layers }`, all scalar tensors (the caller disposes them).
 * @throws If layers is empty, a layer is neither a function nor has `apply`, input is not a
 *   float32 tensor, or loss is not a function.
 * @throws If a layer does not return float32 activations `[N, ...]` with N ≥ 2, the loss
 *   does not return a float32 scalar, or they are not differentiable.
 *
 * @example
 * ```ts
 * const layers = [(x) => instanceNorm(x), (x) => groupNorm(x, { groups: 1 })];
 * const result = probe(layers, tf.randomNormal([8, 4, 4, 3]), (y) => activationSimilarity(y));
 * result.layers.length; // 2
 * ```
 * @see E. S. Lubana, R. P. Dick, H. Tanaka, "Beyond BatchNorm: Towards a Unified
 *   Understanding of Normalization in Deep Learning", NeurIPS 2021.
 */
export function probe(layers: readonly ProbeLayer[], input: TensorInput, loss: (output: tf.Tensor) => tf.Tensor, options?: ProbeOptions): ProbeResult {
  if (!Array.isArray(layers) || layers.length === 0) throw opError(OP, `layers must be a non-empty array but got ${describeValue(layers)}`);
  // Array.from: forEach would skip the holes of a sparse array, which would pass unchecked.
  Array.from(layers as unknown[]).forEach((layer, k) => {
    if (typeof layer !== 'function' && typeof (layer as { apply?: unknown } | null)?.apply !== 'function') {
      throw opError(OP, `layers[${k}] must be a function or have an apply method but got ${describeValue(layer)}`);
    }
  });
  checkTensorLike(input, 'input', OP);
  const lossFunction = checkFunction<typeof loss>(loss, 'loss', OP);
  const dataFormat = checkDataFormat(checkOptions(options, ['dataFormat'], OP).dataFormat, OP);
  return tf.tidy(`featstats.${OP}`, () => {
    const x = floatTensor(input, 'input', OP);
    const apply = (k: number, value: tf.Tensor): tf.Tensor => {
      const layer = layers[k] as ProbeLayer;
      const out: unknown = typeof layer === 'function' ? layer(value) : layer.apply(value);
      if (!(out instanceof tf.Tensor)) throw opError(OP, `layers[${k}] must return a tensor but got ${describeValue(out)}`);
      return out;
    };
    const scalarLoss = (output: tf.Tensor): tf.Scalar => {
      const value: unknown = lossFunction(output);
      if (!(value instanceof tf.Tensor) || value.rank !== 0 || value.dtype !== 'float32') {
        throw opError(OP, `loss must return a float32 scalar tensor but got ${describeValue(value)}`);
      }
      return value as tf.Scalar;
    };

    // A first, untaped pass validates every layer and the loss: an error thrown inside
    // tf.valueAndGrads would strand the tensors its tape had saved (withTape frees them
    // should one still occur). Each activation must suit the three probes, which are
    // checked here so that errors name probe, the entry point called.
    const activations: tf.Tensor[] = [];
    layers.forEach((_, k) => {
      const activation = apply(k, k === 0 ? x : (activations[k - 1] as tf.Tensor));
      if (activation.dtype !== 'float32' || activation.rank < 2 || (activation.shape[0] as number) < 2 || activation.size === 0) {
        throw opError(OP, `layers[${k}] must return float32 activations [N, ...] with N >= 2 and no empty dimension but got ${describeValue(activation)}`);
      }
      activations.push(activation);
    });
    scalarLoss(activations[activations.length - 1] as tf.Tensor);
    const probes = activations.map((a) => tf.zerosLike(a));
    const forwardWithProbes = (...offsets: tf.Tensor[]) => {
      let value = x;
      offsets.forEach((offset, k) => (value = addProbe(apply(k, value), offset)));
      return scalarLoss(value);
    };
    const { value: lossValue, grads } = withTape(() => tf.valueAndGrads(forwardWithProbes)(probes), OP, 'layers and loss');
    return {
      loss: lossValue as tf.Scalar,
      layers: activations.map((a, k) => ({
        similarity: activationSimilarity(a),
        variance: channelVariance(a, { dataFormat }),
        stableRank: stableRank(a),
        gradientNorm: tf.sqrt(tf.sum(tf.square(grads[k] as tf.Tensor))) as tf.Scalar,
      })),
    };
  }) as ProbeResult;
}

/** a + z with gradient dy to both: the tap through which probe reads ∂loss/∂a. */
function addProbe(activation: tf.Tensor, offset: tf.Tensor): tf.Tensor {
  return customGrad<[tf.Tensor, tf.Tensor]>(([a, z]) => ({
    value: tf.add(a, z),
    gradFunc: (dy) => [tf.clone(dy), tf.clone(dy)],
  }))(activation, offset);
}
