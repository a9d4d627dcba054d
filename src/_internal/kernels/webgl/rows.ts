/**
 * webgl implementations of the kernels in `../rows.ts` (contracts there).
 * Not implemented yet: `undefined` makes dispatch run the composite.
 */
import type * as tf from '@tensorflow/tfjs-core';

export const argsortRowsWebgl: tf.KernelFunc | undefined = undefined;
export const gatherRowsWebgl: tf.KernelFunc | undefined = undefined;
export const invertPermutationRowsWebgl: tf.KernelFunc | undefined = undefined;
