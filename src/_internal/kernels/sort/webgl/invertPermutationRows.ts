/**
 * `FeatstatsInvertPermutationRows` on webgl (contract in `../contract.ts`). The inverse q
 * of a permutation p satisfies q[p[j]] = j, so q lists the positions j in the order of
 * their values p[j]: q is the ascending argsort of p (which has no ties), O(n log² n) per
 * row where tfjs-backend-webgl's scatterND is O(n²).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, webglBackend } from '../../webgl/program';
import { mergeArgsort } from './mergeSort';

export const invertPermutationRowsWebgl: tf.KernelFunc = ({ inputs, backend }) =>
  mergeArgsort(webglBackend(backend), requiredInput(inputs, 'perm'), false);
