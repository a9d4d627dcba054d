import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { runSteps, type Steps } from '../_internal/drive';
import { opError } from '../_internal/errors';
import { channelOrder, dataFormatForRank } from '../_internal/layout';
import { withTape } from '../_internal/tape';
import { checkDataFormat, checkFunction, checkOptions, checkTensorLike, describeValue, floatTensor, type DataFormat, type TensorInput } from '../_internal/validate';
import { activationSimilarity } from './activationSimilarity';
import { channelVariance } from './channelVariance';
import { stableRank } from './stableRank';

const OP = 'probe';

/** A layer {@link probe} can run: a function, or an object with `apply` (tfjs-layers' Layer). */
export type ProbeLayer =
  | ((x: tf.Tensor) => tf.Tensor)
  | {
      /** Maps the layer's input to its output tensor (a tfjs-layers `Layer.apply`). */
      apply: (x: tf.Tensor) => unknown;
    };

/** Options of {@link probe}. */
export interface ProbeOptions {
  /**
   * Channel order of the activations, for {@link channelVariance}: `'NHWC'` (default) or
   * `'NCHW'`. Every activation has a batch axis, so a rank-3 one is read as sequences
   * (`'NWC'`/`'NCW'` in the same order).
   */
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
export type ProbeResult = {
  /** `loss` of the last layer's output. */
  loss: tf.Scalar;
  /** The diagnostics of each layer's output, in order. */
  layers: LayerProbe[];
};

/**
 * Runs a stack of layers on a batch and measures, at every layer's output, the
 * "Beyond BatchNorm" probes: activation similarity, channel variance, stable rank, and
 * the Frobenius norm of the gradient of `loss(final output)` with respect to that output.
 *
 * The gradients of all layers come from one backward pass: each activation aₖ is
 * replaced by aₖ + zₖ with zₖ = 0, and ∂loss/∂zₖ = ∂loss/∂aₖ. The layers and the loss
 * must be differentiable in the caller's setup (tfjs layers need tfjs's gradients:
 * `@tensorflow/tfjs` registers them).
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
  return runSteps(probeSteps(layers, input, loss, options, OP));
}

/** Where {@link probeSteps} is: one layer's forward pass, the backward pass, or one layer's diagnostics. */
export type ProbeStep =
  | { phase: 'forward'; layer: number }
  | { phase: 'backward'; loss: tf.Scalar }
  | { phase: 'diagnostics'; layer: number; result: LayerProbe };

/**
 * The steps of {@link probe}, shared with `probeAsync`: validates, then yields after
 * each layer's (untaped) forward pass, after the one backward pass (with the loss) and
 * after each layer's diagnostics (with them), and returns the result, whose tensors are
 * the ones it yielded. Stopped early, its `finally` frees them all. Not public.
 *
 * @param op The op named in errors.
 * @param driverKeys Options the calling driver reads itself (accepted, ignored here).
 */
export function* probeSteps(
  layers: readonly ProbeLayer[],
  input: TensorInput,
  loss: (output: tf.Tensor) => tf.Tensor,
  options: ProbeOptions | undefined,
  op: string,
  driverKeys: readonly string[] = [],
): Steps<ProbeStep, ProbeResult> {
  const OP = op; // errors name the op the caller called
  if (!Array.isArray(layers) || layers.length === 0) throw opError(OP, `layers must be a non-empty array but got ${describeValue(layers)}`);
  // Array.from: forEach would skip the holes of a sparse array, which would pass unchecked.
  Array.from(layers as unknown[]).forEach((layer, k) => {
    if (typeof layer !== 'function' && typeof (layer as { apply?: unknown } | null)?.apply !== 'function') {
      throw opError(OP, `layers[${k}] must be a function or have an apply method but got ${describeValue(layer)}`);
    }
  });
  checkTensorLike(input, 'input', OP);
  const lossFunction = checkFunction<typeof loss>(loss, 'loss', OP);
  const dataFormat = checkDataFormat(checkOptions(options as (ProbeOptions & Record<string, unknown>) | undefined, [...driverKeys, 'dataFormat'], OP).dataFormat, OP);
  const scope = `featstats.${OP}`;
  // What lives across steps (a tidy cannot span a yield), freed in finally; the loss and
  // the diagnostics are the caller's once the steps return, and freed if they stop early.
  const held: tf.Tensor[] = [];
  const results: LayerProbe[] = [];
  let lossValue: tf.Scalar | undefined;
  let done = false;
  try {
    const x = floatTensor(input, 'input', OP);
    if (x !== input) held.push(x);
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
    for (let k = 0; k < layers.length; k++) {
      const previous = k === 0 ? x : (activations[k - 1] as tf.Tensor);
      activations.push(
        tf.tidy(scope, () => {
          const activation = apply(k, previous);
          if (activation.dtype !== 'float32' || activation.rank < 2 || (activation.shape[0] as number) < 2 || activation.size === 0) {
            throw opError(OP, `layers[${k}] must return float32 activations [N, ...] with N >= 2 and no empty dimension but got ${describeValue(activation)}`);
          }
          return activation;
        }),
      );
      held.push(activations[k] as tf.Tensor);
      if (k === layers.length - 1) tf.tidy(scope, () => { scalarLoss(activations[k] as tf.Tensor); });
      yield { phase: 'forward', layer: k };
    }
    const [value, ...gradients] = tf.tidy(scope, () => {
      const probes = activations.map((a) => tf.zerosLike(a));
      const forwardWithProbes = (...offsets: tf.Tensor[]) => {
        let value = x;
        offsets.forEach((offset, k) => (value = addProbe(apply(k, value), offset)));
        return scalarLoss(value);
      };
      const { value, grads } = withTape(() => tf.valueAndGrads(forwardWithProbes)(probes), OP, 'layers and loss');
      return [value, ...grads];
    });
    lossValue = value as tf.Scalar;
    held.push(...gradients);
    yield { phase: 'backward', loss: lossValue as tf.Scalar };
    for (let k = 0; k < activations.length; k++) {
      const a = activations[k] as tf.Tensor;
      const result: LayerProbe = tf.tidy(scope, () => ({
        similarity: activationSimilarity(a),
        // An activation's batch axis is certain here (every layer maps the
        // batch), so a rank-3 activation is a batch of sequences, not one image.
        variance: channelVariance(a, { dataFormat: dataFormatForRank(channelOrder(dataFormat), a.rank) }),
        stableRank: stableRank(a),
        gradientNorm: tf.sqrt(tf.sum(tf.square(gradients[k] as tf.Tensor))) as tf.Scalar,
      }));
      results.push(result);
      yield { phase: 'diagnostics', layer: k, result };
    }
    done = true;
    return { loss: lossValue as tf.Scalar, layers: results };
  } finally {
    tf.dispose(held);
    if (!done) tf.dispose([lossValue ?? [], ...results.flatMap((r) => [r.similarity, r.variance, r.stableRank, r.gradientNorm])]);
  }
}

/** a + z with gradient dy to both: the tap through which probe reads ∂loss/∂a. */
function addProbe(activation: tf.Tensor, offset: tf.Tensor): tf.Tensor {
  return customGrad<[tf.Tensor, tf.Tensor]>(([a, z]) => ({
    value: tf.add(a, z),
    gradFunc: (dy) => [tf.clone(dy), tf.clone(dy)],
  }))(activation, offset);
}
