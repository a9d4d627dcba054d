/**
 * A typed front for `tf.customGrad`, whose own signature mixes the inputs with the save
 * function in one rest parameter. tfjs calls `f(...inputs, save)` and expects one
 * gradient per input, float32, shaped like that input.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The forward half of a custom-gradient op: its value and the closed-form backward. */
export interface CustomGradResult {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
}

/**
 * Wraps `forward(inputs, save)` as a differentiable function of `inputs`. `forward` runs
 * untaped inside a tidy: tensors it does not return or `save` are disposed.
 */
export function customGrad<Inputs extends tf.Tensor[]>(
  forward: (inputs: Inputs, save: tf.GradSaveFunc) => CustomGradResult,
): (...inputs: Inputs) => tf.Tensor {
  const wrapped = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const { value, gradFunc } = forward(args.slice(0, -1) as Inputs, save);
    return { value, gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => gradFunc(dy as tf.Tensor, saved) };
  });
  return (...inputs: Inputs) => wrapped(...inputs);
}

/**
 * A copy of `t` with no gradient history (tfjs has no stopGradient): a zero-input
 * customGrad, so the tape sees a fresh leaf. Gradients never flow back through it.
 */
export function detach(t: tf.Tensor): tf.Tensor {
  const copy = () => ({ value: tf.clone(t), gradFunc: () => [] as tf.Tensor[] });
  return tf.customGrad(copy as unknown as Parameters<typeof tf.customGrad>[0])();
}
