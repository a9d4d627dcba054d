/** What the bottleneck's host kernels and its composites share. */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, type HostInput } from '../../host/adapter';

/** Float32's smallest normal: the floor of 1 − λ under the log, so the capacity stays finite. */
export const SMALLEST_NOISE_WEIGHT = 1.1754944e-38;

/**
 * The forward's per-sample factors (float64, one per element of a sample;
 * `bottleneckForward.ts` says what each term makes of them), computed once per call so
 * the pass over R does no logarithm or division.
 */
export interface SampleFactors {
  readonly sample: number;
  readonly weight: Float64Array;
  readonly shift: Float64Array;
  readonly spread: Float64Array;
  readonly gain: Float64Array;
}

/** The size of one sample (of λ), from the call's inputs. */
export function sampleSize(inputs: Readonly<Record<string, tf.TensorInfo>>): number {
  return requiredInput(inputs, 'lambda').shape.reduce((a, b) => a * b, 1);
}

export function sampleFactors(inputs: Readonly<Record<string, HostInput>>, capacity: boolean): SampleFactors {
  const lambda = requiredInput(inputs, 'lambda').values;
  const oneMinusLambda = requiredInput(inputs, 'oneMinusLambda').values;
  const mean = requiredInput(inputs, 'mean').values;
  const sigma = requiredInput(inputs, 'sigma').values;
  const mask = inputs.mask?.values;
  const sample = lambda.length;
  const [weight, shift, spread, gain] = [new Float64Array(sample), new Float64Array(sample), new Float64Array(sample), new Float64Array(sample)];
  for (let i = 0; i < sample; i++) {
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
  return { sample, weight, shift, spread, gain };
}
