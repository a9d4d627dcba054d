/**
 * webgl implementations of the kernels in `../efdmRows.ts` (contracts there).
 * Not implemented yet: `undefined` makes dispatch run the composite, whose row kernels
 * have their own webgl implementations.
 */
import type * as tf from '@tensorflow/tfjs-core';

export const efdmForwardWebgl: tf.KernelFunc | undefined = undefined;
export const efdmBackwardWebgl: tf.KernelFunc | undefined = undefined;
