/** Options and checks shared by the normalisation ops. */
import type * as tf from '@tensorflow/tfjs-core';

import { checkDataFormat, checkNumber, checkShape, floatTensor, type DataFormat, type TensorInput } from './validate';

/** Default epsilon of every norm: 1e-5, as PyTorch (Keras uses 1e-3, flax 1e-6). */
export const NORM_EPSILON = 1e-5;

/** Options every channel norm accepts. */
export interface NormOptions {
  /** Added to the variance inside the square root; > 0. Default {@link NORM_EPSILON}. */
  epsilon?: number;
  /**
   * Layout of x: `'NHWC'` (`[N, ...S, C]`, default) or `'NCHW'` (`[N, C, ...S]`), rank ≥ 4;
   * `'NWC'` (`[N, L, C]`) or `'NCW'` (`[N, C, L]`) for sequences, rank 3. A rank-3 tensor
   * under `'NHWC'`/`'NCHW'` is an error: one image `[H, W, C]` or sequences?
   */
  dataFormat?: DataFormat;
  /** Scale γ, one per channel `[C]`; default none (1). Differentiable. */
  gamma?: TensorInput;
  /** Shift β, one per channel `[C]`; default none (0). Differentiable. */
  beta?: TensorInput;
}

/** The option keys of {@link NormOptions}, for `checkOptions`. */
export const NORM_OPTION_KEYS = ['epsilon', 'dataFormat', 'gamma', 'beta'] as const;

/** Validated scalar options of a norm. */
export function resolveNormScalars(options: Partial<NormOptions>, op: string): { epsilon: number; dataFormat: DataFormat } {
  return {
    epsilon: checkNumber(options.epsilon ?? NORM_EPSILON, 'epsilon', op, { min: 0, minExclusive: true }),
    dataFormat: checkDataFormat(options.dataFormat, op),
  };
}

/** Converts a per-channel or element-wise parameter (γ, β, a moving statistic) inside the caller's tidy and checks its shape; undefined stays undefined. */
export function affineTensor(value: TensorInput | undefined, arg: string, expected: number[], op: string): tf.Tensor | undefined {
  if (value === undefined) return undefined;
  const t = floatTensor(value, arg, op);
  checkShape(t, expected, arg, op);
  return t;
}
