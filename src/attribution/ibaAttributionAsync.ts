import { checkCallback, checkSignal, DRIVER_KEYS, readScalar, runStepsAsync } from '../_internal/drive';
import { ibaAttributionSteps, type IbaAttribution, type IbaAttributionOptions } from './ibaAttribution';

const OP = 'ibaAttributionAsync';

/** What {@link ibaAttributionAsync} reports after each Adam step. */
export interface IbaAttributionProgress {
  /** Steps done, from 1 to `steps`. */
  step: number;
  /** Steps in all (the `steps` option). */
  steps: number;
  /** The step's loss: cross-entropy of the target plus β·mean capacity, before the update. */
  loss: number;
}

/** Options of {@link ibaAttributionAsync}: those of {@link ibaAttribution}, a callback and a signal. */
export interface IbaAttributionAsyncOptions extends IbaAttributionOptions {
  /** Called after each step (awaited when it returns a promise), as `model.fit`'s `onBatchEnd`. */
  onStep?: (progress: IbaAttributionProgress) => void | Promise<void>;
  /** Aborting it stops the optimisation after the current step: the promise rejects and nothing leaks. */
  signal?: AbortSignal;
}

/**
 * {@link ibaAttribution} without blocking: the same optimisation, step for step (the
 * same seed gives the same heatmap), yielding to the event loop after each Adam step
 * (a macrotask, which a background tab does not pause, unlike an animation frame),
 * reporting each step's loss to `onStep`, and stopping when `signal` is aborted. A step
 * itself (one forward and backward pass of `head` on `batchSize` copies) still runs
 * without a break.
 *
 * @param options See {@link IbaAttributionAsyncOptions} and {@link IbaAttributionOptions}.
 * @returns A promise of `{ heatmap, capacity }`, tensors the caller disposes.
 * @throws (rejects) If an option is invalid, as {@link ibaAttribution} does.
 * @throws (rejects) An error named `'AbortError'` (`featstats.ibaAttributionAsync: aborted
 *   after step k`, its `cause` the signal's reason) once `signal` is aborted; every tensor
 *   and variable the run allocated is freed first.
 * @throws (rejects) Whatever `onStep` throws, after freeing the same.
 *
 * @example
 * ```ts
 * const features = tf.randomNormal([1, 7, 7, 4]);
 * const head = (f) => tf.reshape(tf.mean(f, [1, 2]), [-1, 4]); // 4 "classes"
 * const losses = [];
 * const { heatmap, capacity } = await ibaAttributionAsync({
 *   features, head, target: 1, mean: tf.zeros([7, 7, 4]), std: tf.ones([7, 7, 4]), seed: 1, steps: 3,
 *   onStep: ({ step, steps, loss }) => { losses.push(loss); },
 * });
 * losses.length; // 3
 * heatmap.shape; // [7, 7]
 * ```
 * @see K. Schulz, L. Sixt, F. Tombari, T. Landgraf, "Restricting the Flow: Information
 *   Bottlenecks for Attribution", ICLR 2020.
 */
export async function ibaAttributionAsync(options: IbaAttributionAsyncOptions): Promise<IbaAttribution> {
  const onStep = checkCallback(options?.onStep, 'onStep', OP);
  const signal = checkSignal(options?.signal, OP);
  return runStepsAsync(OP, () => ibaAttributionSteps(options, OP, DRIVER_KEYS), signal, async ({ loss, steps }, step) => {
    const value = await readScalar(loss);
    await onStep?.({ step, steps, loss: value });
  });
}
