import type * as tf from '@tensorflow/tfjs-core';

import { checkCallback, checkSignal, DRIVER_KEYS, readScalar, runStepsAsync } from '../_internal/drive';
import type { TensorInput } from '../_internal/validate';
import { adversarialMeanStdSteps, type AdversarialMeanStd, type AdversarialMeanStdOptions } from './adversarialMeanStd';

const OP = 'adversarialMeanStdAsync';

/** What {@link adversarialMeanStdAsync} reports after each ascent step. */
export interface AdversarialMeanStdProgress {
  /** Steps done, from 1 to `steps`. */
  step: number;
  /** Steps in all (the `steps` option). */
  steps: number;
  /** The loss at the scales this step started from (it rises as the attack proceeds). */
  loss: number;
}

/** Options of {@link adversarialMeanStdAsync}: those of {@link adversarialMeanStd}, a callback and a signal. */
export interface AdversarialMeanStdAsyncOptions extends AdversarialMeanStdOptions {
  /** Called after each step (awaited when it returns a promise), as `model.fit`'s `onBatchEnd`. */
  onStep?: (progress: AdversarialMeanStdProgress) => void | Promise<void>;
  /** Aborting it stops the attack after the current step: the promise rejects and nothing leaks. */
  signal?: AbortSignal;
}

/**
 * {@link adversarialMeanStd} without blocking: the same sign-gradient ascent, step for
 * step (the same scales), yielding to the event loop after each step (a macrotask),
 * reporting the loss to `onStep`, and stopping when `signal` is aborted.
 *
 * The result is computed after the last await, outside any `tf.grad` the caller could
 * have opened: to train through `output`, call the synchronous {@link adversarialMeanStd}
 * inside the gradient, or apply {@link perturbMeanStd} with the returned scales there.
 *
 * @param x Features `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), float32 or int32.
 * @param loss Maps perturbed features to a scalar loss; must be differentiable.
 * @param options See {@link AdversarialMeanStdAsyncOptions}.
 * @returns A promise of `{ output, meanScale, stdScale }`, tensors the caller disposes.
 * @throws (rejects) On bad input, as {@link adversarialMeanStd} does.
 * @throws (rejects) An error named `'AbortError'` (`featstats.adversarialMeanStdAsync:
 *   aborted after step k`, its `cause` the signal's reason) once `signal` is aborted;
 *   every tensor the attack allocated is freed first.
 * @throws (rejects) Whatever `onStep` throws, after freeing the same.
 *
 * @example
 * ```ts
 * const x = tf.randomNormal([4, 8, 8, 3]);
 * const losses = [];
 * const { output, meanScale, stdScale } = await adversarialMeanStdAsync(x, (y) => channelVariance(y), {
 *   steps: 4,
 *   onStep: ({ loss }) => { losses.push(loss); },
 * });
 * losses.length; // 4
 * losses[3] > losses[0]; // true
 * ```
 * @see M. Shu, Z. Wu, M. Goldblum, T. Goldstein, "Encoding Robustness to Image Style via
 *   Adversarial Feature Perturbations", NeurIPS 2021.
 */
export async function adversarialMeanStdAsync(
  x: TensorInput,
  loss: (perturbed: tf.Tensor) => tf.Tensor,
  options?: AdversarialMeanStdAsyncOptions,
): Promise<AdversarialMeanStd> {
  const onStep = checkCallback(options?.onStep, 'onStep', OP);
  const signal = checkSignal(options?.signal, OP);
  return runStepsAsync(OP, () => adversarialMeanStdSteps(x, loss, options, OP, DRIVER_KEYS), signal, async (yielded, step) => {
    const value = await readScalar(yielded.loss);
    await onStep?.({ step, steps: yielded.steps, loss: value });
  });
}
