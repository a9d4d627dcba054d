/**
 * Gradient computations that cannot strand tensors when they fail. While tfjs records a
 * tape, every op that saves tensors for its backward (a kernel's inputs, a customGrad's
 * `save`) keeps a clone of them, and `engine.gradients` disposes those clones only after
 * a backward pass that completes. When the pass throws instead — a tfjs op without a
 * registered gradient (only tfjs-core loaded), a loss that does not depend on what is
 * differentiated, a callback that throws while taped — the clones stay alive for good:
 * `ibaAttribution` with a head of featstats ops and only tfjs-core loaded stranded 13.
 */
import * as tf from '@tensorflow/tfjs-core';

import { opError } from './errors';

/** The part of tfjs's engine state that holds the tape (public fields of `EngineState`). */
interface TapeState {
  activeTape: { saved?: tf.Tensor[] }[] | null;
  gradientDepth: number;
}

/** Messages of tfjs's own gradient failures, as opposed to errors thrown by user code. */
const GRADIENT_FAILURE = /^(Cannot compute gradient|Cannot find a connection between any variable)/;

/**
 * Disposes the saved tensors of a tape that a failed top-level gradient computation left
 * behind. Inside a caller's own `tf.grad` (gradient depth > 0) the tape is the caller's:
 * nothing is touched.
 */
function releaseFailedTape(): void {
  const state = (tf.engine() as unknown as { state?: Partial<TapeState> }).state;
  if (state === undefined || state.gradientDepth !== 0 || !Array.isArray(state.activeTape)) return;
  for (const node of state.activeTape) tf.dispose(node.saved ?? []);
  state.activeTape = null;
}

/**
 * Runs `compute`, a gradient computation (`tf.grads`, `tf.valueAndGrads`,
 * `optimizer.minimize`) of the public entry point `op`. If it throws, what its tape saved
 * is freed; a tfjs gradient failure is rethrown as `featstats.<op>: <arg> must be
 * differentiable …`, any other error (a featstats error, or one thrown by the user's
 * callback) unchanged. Call it inside a tidy, which frees the forward's other tensors.
 */
export function withTape<T>(compute: () => T, op: string, arg: string): T {
  try {
    return compute();
  } catch (error) {
    releaseFailedTape();
    const message = error instanceof Error ? error.message : '';
    if (GRADIENT_FAILURE.test(message)) {
      throw opError(op, `${arg} must be differentiable (tfjs ops need tfjs's gradients registered) but got: ${message.split('\n')[0] as string}`);
    }
    throw error;
  }
}
