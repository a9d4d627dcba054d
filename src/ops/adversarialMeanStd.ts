import * as tf from '@tensorflow/tfjs-core';

import { detach } from '../_internal/customGrad';
import { runSteps, type Steps } from '../_internal/drive';
import { opError } from '../_internal/errors';
import { channelLayout } from '../_internal/layout';
import { withTape } from '../_internal/tape';
import {
  checkBoolean,
  checkDataFormat,
  checkFeatures,
  checkFunction,
  checkInteger,
  checkNumber,
  checkOptions,
  describeValue,
  floatTensor,
  type DataFormat,
  type TensorInput,
} from '../_internal/validate';
import { perturbMeanStd } from './perturbMeanStd';

const OP = 'adversarialMeanStd';

/** Options of {@link adversarialMeanStd}; defaults are the AdvBN reference's. */
export interface AdversarialMeanStdOptions {
  /** Sign-gradient ascent steps, an integer ≥ 0. Default 6. */
  steps?: number;
  /** Step size of each scale update, ≥ 0. Default 0.2. */
  stepSize?: number;
  /** Scales stay in [1 − ε, 1 + ε], ε ≥ 0. Default 1.1. */
  epsilon?: number;
  /** Apply max(·, 0) after the perturbation. Default false. */
  relu?: boolean;
  /** Layout of x: `'NHWC'` (default) or `'NCHW'` for images (rank ≥ 4), `'NWC'` or `'NCW'` for sequences (rank 3). */
  dataFormat?: DataFormat;
}

/** What {@link adversarialMeanStd} returns. */
export type AdversarialMeanStd = {
  /** {@link perturbMeanStd} of x with the found scales, shaped like x. */
  output: tf.Tensor;
  /** The adversarial per-channel mean factors `[C]`. */
  meanScale: tf.Tensor1D;
  /** The adversarial per-channel spread factors `[C]`. */
  stdScale: tf.Tensor1D;
};

/**
 * The AdvBN attack: finds per-channel mean and spread factors that **increase** `loss`,
 * by `steps` sign-gradient ascent steps from meanScale = stdScale = 1 (no random start),
 *
 * `m ← clip(m + stepSize·sign(∂L/∂m), 1 − ε, 1 + ε)`, likewise for s,
 *
 * where L = loss(perturbMeanStd(x, m, s)). The attack sees x detached and nothing leaks
 * across steps. The returned scales are constants (no gradient flows into the attack);
 * `output` is differentiable with respect to x with the scales held fixed, so training
 * on it updates the encoder below, as in the reference.
 *
 * @param x Features `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), float32 or int32.
 * @param loss Maps perturbed features to a scalar loss; must be differentiable.
 * @param options See {@link AdversarialMeanStdOptions}.
 * @returns `{ output, meanScale, stdScale }`.
 * @throws If x is not a non-empty float32 or int32 tensor of rank ≥ 4 ('NHWC'/'NCHW') or 3 ('NWC'/'NCW').
 * @throws If loss is not a function, steps is not an integer ≥ 0, stepSize or epsilon is
 *   negative, or loss does not return a float32 scalar tensor differentiable in its input.
 *
 * @example
 * ```ts
 * const x = tf.randomNormal([4, 8, 8, 3]);
 * const { output, meanScale, stdScale } = adversarialMeanStd(x, (y) => channelVariance(y));
 * ```
 * @see M. Shu, Z. Wu, M. Goldblum, T. Goldstein, "Encoding Robustness to Image Style via
 *   Adversarial Feature Perturbations", NeurIPS 2021.
 */
export function adversarialMeanStd(
  x: TensorInput,
  loss: (perturbed: tf.Tensor) => tf.Tensor,
  options?: AdversarialMeanStdOptions,
): AdversarialMeanStd {
  return runSteps(adversarialMeanStdSteps(x, loss, options, OP), (step) => step.loss.dispose());
}

/** What {@link adversarialMeanStdSteps} yields after each ascent step (the loss is the caller's to dispose). */
export type AdversarialMeanStdStep = { loss: tf.Scalar; steps: number };

/**
 * The steps of {@link adversarialMeanStd}, shared with `adversarialMeanStdAsync`:
 * validates, then yields the loss at the start of each ascent step (the caller disposes
 * it) and returns the result. Stopped early, its `finally` frees the scales. Not public.
 *
 * @param op The op named in errors.
 * @param driverKeys Options the calling driver reads itself (accepted, ignored here).
 */
export function* adversarialMeanStdSteps(
  x: TensorInput,
  loss: (perturbed: tf.Tensor) => tf.Tensor,
  options: AdversarialMeanStdOptions | undefined,
  op: string,
  driverKeys: readonly string[] = [],
): Steps<AdversarialMeanStdStep, AdversarialMeanStd> {
  const OP = op; // errors name the op the caller called
  const lossFunction = checkFunction<typeof loss>(loss, 'loss', OP);
  const given = checkOptions(options as (AdversarialMeanStdOptions & Record<string, unknown>) | undefined, [...driverKeys, 'steps', 'stepSize', 'epsilon', 'relu', 'dataFormat'], OP);
  const steps = checkInteger(given.steps ?? 6, 'steps', OP, { min: 0 });
  const stepSize = checkNumber(given.stepSize ?? 0.2, 'stepSize', OP, { min: 0 });
  const epsilon = checkNumber(given.epsilon ?? 1.1, 'epsilon', OP, { min: 0 });
  const perturbOptions = { dataFormat: checkDataFormat(given.dataFormat, OP), relu: checkBoolean(given.relu ?? false, 'relu', OP) };
  const scope = `featstats.${OP}`;
  // Everything that lives across steps, freed in finally (a tidy cannot span a yield).
  const held: tf.Tensor[] = [];
  try {
    const input = floatTensor(x, 'x', OP);
    if (input !== x) held.push(input);
    const { channels } = channelLayout(input.shape, checkFeatures(input, 'x', OP, perturbOptions.dataFormat));
    const attacked = detach(input);
    held.push(attacked);
    const objective = (meanScale: tf.Tensor, stdScale: tf.Tensor) => {
      const value: unknown = lossFunction(perturbMeanStd(attacked, meanScale, stdScale, perturbOptions));
      if (!(value instanceof tf.Tensor) || value.rank !== 0 || value.dtype !== 'float32') {
        throw opError(OP, `loss must return a float32 scalar tensor but got ${describeValue(value)}`);
      }
      return value;
    };
    let meanScale: tf.Tensor = tf.ones([channels]);
    let stdScale: tf.Tensor = tf.ones([channels]);
    held.push(meanScale, stdScale);
    // Validate the loss once untaped: a throw inside tf.grads would strand its tape's tensors.
    tf.tidy(scope, () => {
      objective(meanScale, stdScale);
    });
    for (let step = 0; step < steps; step++) {
      const [value, nextMean, nextStd] = tf.tidy(scope, () => {
        const { value: lossValue, grads } = withTape(() => tf.valueAndGrads(objective)([meanScale, stdScale]), OP, 'loss');
        const [dMean, dStd] = grads as [tf.Tensor, tf.Tensor];
        const ascend = (scale: tf.Tensor, gradient: tf.Tensor) => tf.clipByValue(tf.add(scale, tf.mul(tf.sign(gradient), stepSize)), 1 - epsilon, 1 + epsilon);
        return [lossValue, ascend(meanScale, dMean), ascend(stdScale, dStd)];
      });
      tf.dispose([meanScale, stdScale]);
      [meanScale, stdScale] = [nextMean as tf.Tensor, nextStd as tf.Tensor];
      held.splice(held.length - 2, 2, meanScale, stdScale);
      yield { loss: value as tf.Scalar, steps };
    }
    return tf.tidy(scope, () => {
      const [fixedMean, fixedStd] = [detach(meanScale), detach(stdScale)];
      return {
        output: perturbMeanStd(input, fixedMean, fixedStd, perturbOptions),
        meanScale: fixedMean as tf.Tensor1D,
        stdScale: fixedStd as tf.Tensor1D,
      };
    }) as AdversarialMeanStd;
  } finally {
    tf.dispose(held);
  }
}
