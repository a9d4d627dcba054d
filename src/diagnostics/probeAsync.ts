import * as tf from '@tensorflow/tfjs-core';

import { checkCallback, checkSignal, DRIVER_KEYS, runStepsAsync } from '../_internal/drive';
import type { TensorInput } from '../_internal/validate';
import { probeSteps, type ProbeLayer, type ProbeOptions, type ProbeResult } from './probe';

const OP = 'probeAsync';

/** One layer's diagnostics as plain numbers (see {@link LayerProbe}). */
export interface LayerProbeValues {
  /** {@link activationSimilarity} of the layer's output activations. */
  similarity: number;
  /** {@link channelVariance} of the activations. */
  variance: number;
  /** {@link stableRank} of the activations. */
  stableRank: number;
  /** Frobenius norm of ∂loss/∂activations. */
  gradientNorm: number;
}

/** What {@link probeAsync} resolves to: the loss and one {@link LayerProbeValues} per layer, numbers only. */
export interface ProbeValues {
  /** The loss of the last layer's output. */
  loss: number;
  /** The diagnostics of each layer's output, in order. */
  layers: LayerProbeValues[];
}

/**
 * What {@link probeAsync} reports after each step. The steps, `2·layers + 1` in all, are
 * each layer's forward pass, the one backward pass through the whole stack, and each
 * layer's diagnostics, in that order.
 */
export interface ProbeProgress {
  /** Steps done, from 1 to `steps`. */
  step: number;
  /** Steps in all: twice the number of layers, plus one. */
  steps: number;
  /** What the step did. */
  phase: 'forward' | 'backward' | 'diagnostics';
  /** The layer the step was about; null for the backward pass. */
  layer: number | null;
}

/** Options of {@link probeAsync}: those of {@link probe}, a callback and a signal. */
export interface ProbeAsyncOptions extends ProbeOptions {
  /** Called after each step (awaited when it returns a promise), as `model.fit`'s `onBatchEnd`. */
  onStep?: (progress: ProbeProgress) => void | Promise<void>;
  /** Aborting it stops the probe after the current step: the promise rejects and nothing leaks. */
  signal?: AbortSignal;
}

/**
 * {@link probe} without blocking, with its results as plain numbers: the same
 * diagnostics, computed in steps (each layer's forward pass, the backward pass, each
 * layer's diagnostics) with a yield to the event loop (a macrotask) and an `onStep`
 * report after each, read back and disposed as they come. It leaves no tensor behind.
 *
 * @param layers Layers applied in order; each maps a tensor to a tensor.
 * @param input The batch `[N, ...]`.
 * @param loss Maps the last layer's output to a scalar.
 * @param options See {@link ProbeAsyncOptions}.
 * @returns A promise of `{ loss, layers }`, all numbers.
 * @throws (rejects) On bad input, as {@link probe} does.
 * @throws (rejects) An error named `'AbortError'` (`featstats.probeAsync: aborted after
 *   step k`, its `cause` the signal's reason) once `signal` is aborted; every tensor the
 *   probe allocated is freed first.
 * @throws (rejects) Whatever `onStep` throws, after freeing the same.
 *
 * @example
 * ```ts
 * const layers = [(x) => instanceNorm(x), (x) => groupNorm(x, { groups: 1 })];
 * const phases = [];
 * const result = await probeAsync(layers, tf.randomNormal([8, 4, 4, 3]), (y) => activationSimilarity(y), {
 *   onStep: ({ phase }) => { phases.push(phase); },
 * });
 * result.layers.length; // 2
 * phases; // ["forward", "forward", "backward", "diagnostics", "diagnostics"]
 * typeof result.layers[0].stableRank; // "number"
 * ```
 * @see E. S. Lubana, R. P. Dick, H. Tanaka, "Beyond BatchNorm: Towards a Unified
 *   Understanding of Normalization in Deep Learning", NeurIPS 2021.
 */
export async function probeAsync(
  layers: readonly ProbeLayer[],
  input: TensorInput,
  loss: (output: tf.Tensor) => tf.Tensor,
  options?: ProbeAsyncOptions,
): Promise<ProbeValues> {
  const onStep = checkCallback(options?.onStep, 'onStep', OP);
  const signal = checkSignal(options?.signal, OP);
  const values: ProbeValues = { loss: NaN, layers: [] };
  const result: ProbeResult = await runStepsAsync(OP, () => probeSteps(layers, input, loss, options, OP, DRIVER_KEYS), signal, async (yielded, step) => {
    // The loss and each layer's diagnostics are read as they come; the generator frees
    // them if the run stops, and the end of this function once it completes.
    if (yielded.phase === 'backward') values.loss = (await yielded.loss.data())[0] as number;
    if (yielded.phase === 'diagnostics') {
      const { similarity, variance, stableRank, gradientNorm } = yielded.result;
      const [s, v, r, g] = await Promise.all([similarity, variance, stableRank, gradientNorm].map(async (t) => (await t.data())[0] as number));
      values.layers.push({ similarity: s as number, variance: v as number, stableRank: r as number, gradientNorm: g as number });
    }
    await onStep?.({ step, steps: 2 * layers.length + 1, phase: yielded.phase, layer: yielded.phase === 'backward' ? null : yielded.layer });
  });
  tf.dispose([result.loss, ...result.layers.flatMap((l) => [l.similarity, l.variance, l.stableRank, l.gradientNorm])]);
  return values;
}
