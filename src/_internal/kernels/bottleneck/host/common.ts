/** What the bottleneck's host kernels and its composites share. */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, type HostInput } from '../../host/adapter';

/** Float32's smallest normal: the floor of 1 − λ under the log, so the capacity stays finite. */
export const SMALLEST_NOISE_WEIGHT = 1.1754944e-38;

/**
 * The forward's per-sample factors, one per element of a sample (`bottleneckForward.ts`
 * says what each term makes of them): float32 views in the compiled pass's memory, or
 * float64 arrays for the TypeScript pass.
 */
export interface SampleFactors {
  readonly weight: Float32Array | Float64Array;
  readonly shift: Float32Array | Float64Array;
  readonly spread: Float32Array | Float64Array;
  readonly gain: Float32Array | Float64Array;
}

/** The size of one sample (of λ), from the call's inputs. */
export function sampleSize(inputs: Readonly<Record<string, tf.TensorInfo>>): number {
  return requiredInput(inputs, 'lambda').shape.reduce((a, b) => a * b, 1);
}

/**
 * Writes the per-sample factors into `into`, computed once per call in float64 (so the
 * pass over R does no logarithm or division) and rounded once where `into` is float32.
 * The output term leaves `gain` as it is.
 */
export function sampleFactorsInto(inputs: Readonly<Record<string, HostInput>>, capacity: boolean, into: SampleFactors): void {
  const lambda = requiredInput(inputs, 'lambda').values;
  const oneMinusLambda = requiredInput(inputs, 'oneMinusLambda').values;
  const mean = requiredInput(inputs, 'mean').values;
  const sigma = requiredInput(inputs, 'sigma').values;
  const mask = inputs.mask?.values;
  const { weight, shift, spread, gain } = into;
  for (let i = 0; i < lambda.length; i++) {
    const m = mask === undefined ? 1 : (mask[i] as number);
    const l = lambda[i] as number;
    const om = oneMinusLambda[i] as number;
    const mu = mean[i] as number;
    const s = sigma[i] as number;
    if (capacity) {
      weight[i] = l / s;
      shift[i] = 1 + 2 * Math.log(Math.max(om, SMALLEST_NOISE_WEIGHT)) - om * om;
      spread[i] = mu;
      gain[i] = -0.5 * m;
    } else {
      weight[i] = m * l;
      shift[i] = m * om * mu;
      spread[i] = m * om * s;
    }
  }
}
