/**
 * webgl implementations of the kernels in `../stats4.ts` (contracts there).
 * Not implemented yet: `undefined` makes dispatch run the composite.
 */
import type * as tf from '@tensorflow/tfjs-core';

export const moments4Webgl: tf.KernelFunc | undefined = undefined;
export const scaleShift4Webgl: tf.KernelFunc | undefined = undefined;
export const gradSums4Webgl: tf.KernelFunc | undefined = undefined;
export const gradApply4Webgl: tf.KernelFunc | undefined = undefined;
