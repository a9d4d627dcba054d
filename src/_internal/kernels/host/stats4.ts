/**
 * host implementations of the kernels in `../stats4.ts` (contracts there).
 * Not implemented yet: `undefined` makes dispatch run the composite.
 */
import type * as tf from '@tensorflow/tfjs-core';

export const moments4Cpu: tf.KernelFunc | undefined = undefined;
export const moments4Wasm: tf.KernelFunc | undefined = undefined;
export const scaleShift4Cpu: tf.KernelFunc | undefined = undefined;
export const scaleShift4Wasm: tf.KernelFunc | undefined = undefined;
export const gradSums4Cpu: tf.KernelFunc | undefined = undefined;
export const gradSums4Wasm: tf.KernelFunc | undefined = undefined;
export const gradApply4Cpu: tf.KernelFunc | undefined = undefined;
export const gradApply4Wasm: tf.KernelFunc | undefined = undefined;
