/**
 * The one seam for fast paths. Every kernel (the contracts in `./<family>/contract.ts`:
 * statistics, sort, efdm, smoothing, corruption, bottleneck, contrastive, product) calls {@link dispatch} with
 * a {@link FusedKernel} and a composite of tfjs-core ops. When fast paths are on and the kernel has an
 * implementation for the active backend, the implementation is registered with tfjs on
 * first use (never at import: that would be a side effect and defeat tree-shaking) and
 * run through `engine().runKernel`; otherwise the composite runs.
 *
 * Gradients never come from here: dispatch is only called inside `tf.customGrad`
 * forward and backward functions, where tfjs records nothing, so a fused kernel needs
 * no registered gradient and the composite's tfjs gradients are never consulted.
 */
import * as tf from '@tensorflow/tfjs-core';

import { checkBoolean } from '../validate';

/** A featstats kernel: a name and its implementations per backend name. */
export interface FusedKernel {
  /** Registered kernel name. The `Featstats` prefix keeps it clear of tfjs kernels. */
  readonly name: `Featstats${string}`;
  /**
   * Implementations by backend name (`'cpu'`, `'wasm'`, `'webgl'`; a new backend adds its
   * own, e.g. `'webgpu'`); a backend without one runs the composite.
   */
  readonly backends: Readonly<Record<string, tf.KernelFunc | undefined>>;
}

let fastPathsEnabled = true;

/** The entry point's name in errors. */
const SET_FAST_PATHS = 'setFastPaths';

/**
 * Turns featstats' fused kernels on or off for every op (default on). With fast paths
 * off every op runs its composite of tfjs-core ops: slower, but a reference to compare
 * a fused kernel against when debugging.
 *
 * @throws If enabled is not a boolean (the setting is then unchanged).
 *
 * @example
 * ```ts
 * import { setFastPaths } from 'featstats';
 * setFastPaths(false); // composites only
 * ```
 */
export function setFastPaths(enabled: boolean): void {
  fastPathsEnabled = checkBoolean(enabled, 'enabled', SET_FAST_PATHS);
}

/** Whether fused kernels are used where a backend has one (see {@link setFastPaths}). */
export function getFastPaths(): boolean {
  return fastPathsEnabled;
}

/** The fused implementation of `kernel` for the active backend, if it should run. */
function activeImplementation(kernel: FusedKernel): { backend: string; kernelFunc: tf.KernelFunc } | undefined {
  if (!fastPathsEnabled) return undefined;
  const backend = tf.getBackend();
  const kernelFunc = kernel.backends[backend];
  return kernelFunc === undefined ? undefined : { backend, kernelFunc };
}

/** Whether a call of `kernel` now would run its fused implementation (fast paths on, one for the active backend). */
export function runsFused(kernel: FusedKernel): boolean {
  return activeImplementation(kernel) !== undefined;
}

/**
 * Runs `kernel` on the active backend if it has a fused implementation there (and
 * fast paths are on), else `composite()`. Both must return the same tensors.
 */
export function dispatch<T extends tf.Tensor | tf.Tensor[]>(
  kernel: FusedKernel,
  inputs: tf.NamedTensorMap,
  attrs: tf.NamedAttrMap,
  composite: () => T,
): T {
  const implementation = activeImplementation(kernel);
  if (implementation === undefined) return composite();
  const { backend, kernelFunc } = implementation;
  if (tf.getKernel(kernel.name, backend) == null) {
    tf.registerKernel({ kernelName: kernel.name, backendName: backend, kernelFunc });
  }
  return tf.engine().runKernel(kernel.name, inputs, attrs) as T;
}
