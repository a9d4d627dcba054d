/**
 * host implementations of the kernels in `../rows.ts` (contracts there).
 * Not implemented yet: `undefined` makes dispatch run the composite.
 */
import type * as tf from '@tensorflow/tfjs-core';

export const argsortRowsCpu: tf.KernelFunc | undefined = undefined;
export const argsortRowsWasm: tf.KernelFunc | undefined = undefined;
export const gatherRowsCpu: tf.KernelFunc | undefined = undefined;
export const gatherRowsWasm: tf.KernelFunc | undefined = undefined;
export const invertPermutationRowsCpu: tf.KernelFunc | undefined = undefined;
export const invertPermutationRowsWasm: tf.KernelFunc | undefined = undefined;
