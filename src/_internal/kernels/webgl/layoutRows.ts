/**
 * webgl implementations of the kernels in `../layoutRows.ts` (contracts there).
 * Not implemented yet: `undefined` makes dispatch run the composite.
 */
import type * as tf from '@tensorflow/tfjs-core';

export const swapInnerAxesWebgl: tf.KernelFunc | undefined = undefined;
export const scatterRowsWebgl: tf.KernelFunc | undefined = undefined;
export const blendRowsWebgl: tf.KernelFunc | undefined = undefined;
export const scaleRowsWebgl: tf.KernelFunc | undefined = undefined;
export const takeRowsWebgl: tf.KernelFunc | undefined = undefined;
