/**
 * `FeatstatsArgsortRows` on webgl (contract in `../contract.ts`): a block sort then merge
 * passes (`./mergeSort.ts`), on the GPU throughout.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, webglBackend } from '../../webgl/program';
import { mergeArgsort } from './mergeSort';

export const argsortRowsWebgl: tf.KernelFunc = ({ inputs, backend, attrs }) =>
  mergeArgsort(webglBackend(backend), requiredInput(inputs, 'x'), attrs?.['descending'] === true);
