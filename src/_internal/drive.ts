/**
 * Running a long driver (an optimisation, an attack, a probe) written once as a generator
 * of steps: synchronously for the plain op, or asynchronously for its `…Async` form,
 * which yields to the event loop between steps, reports each step and honours an
 * AbortSignal, as tfjs-layers' `model.fit` does with its callbacks.
 *
 * The generator owns every tensor it allocates and frees it in `finally` blocks, so
 * stopping it early (`return()`, after an abort or a throwing callback) leaks nothing.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { opError } from './errors';
import { checkFunction, describeValue } from './validate';

/** A driver's steps: yields after each step, returns its result. */
export type Steps<Yielded, Result> = Generator<Yielded, Result, void>;

/**
 * Runs every step at once. `release` frees what a step yielded (its loss tensor, say),
 * which the synchronous op does not report.
 */
export function runSteps<Yielded, Result>(steps: Steps<Yielded, Result>, release: (yielded: Yielded) => void = () => {}): Result {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
    release(next.value);
  }
}

/** The error an aborted driver rejects with: `name` is `'AbortError'`, `cause` the signal's reason. */
export function abortError(op: string, signal: AbortSignal, where: string): Error {
  const error = opError(op, `aborted ${where}`);
  error.name = 'AbortError';
  (error as Error & { cause?: unknown }).cause = signal.reason;
  return error;
}

/** The options every async driver adds to its synchronous op's. */
export const DRIVER_KEYS = ['onStep', 'signal'] as const;

/** Reads a scalar's value and disposes it, even if the read fails. */
export async function readScalar(t: tf.Tensor): Promise<number> {
  try {
    return (await t.data())[0] as number;
  } finally {
    t.dispose();
  }
}

/** Throws unless `signal` is absent or an AbortSignal. */
export function checkSignal(signal: unknown, op: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (typeof signal !== 'object' || signal === null || typeof (signal as AbortSignal).aborted !== 'boolean' || typeof (signal as AbortSignal).addEventListener !== 'function') {
    throw opError(op, `signal must be an AbortSignal but got ${describeValue(signal)}`);
  }
  return signal as AbortSignal;
}

/** Throws unless `callback` is absent or a function. */
export function checkCallback<F>(callback: F | undefined, arg: string, op: string): F | undefined {
  return callback === undefined ? undefined : (checkFunction(callback, arg, op) as F);
}

/**
 * Runs the steps asynchronously. After each step `report` turns what it yielded into
 * the progress the caller sees (reading and freeing tensors) and calls the user's
 * callback (awaited); then the driver yields to the event loop ({@link yieldToEventLoop})
 * and stops if `signal` has been aborted, rejecting with {@link abortError} after freeing
 * everything the steps hold.
 * An aborted signal rejects before the first step.
 */
export async function runStepsAsync<Yielded, Result>(
  op: string,
  start: () => Steps<Yielded, Result>,
  signal: AbortSignal | undefined,
  report: (yielded: Yielded, step: number) => Promise<void> | void,
): Promise<Result> {
  if (isAborted(signal)) throw abortError(op, signal, 'before the first step');
  const steps = start();
  let step = 0;
  try {
    for (;;) {
      const next = steps.next();
      if (next.done === true) return next.value;
      step++;
      await report(next.value, step);
      await yieldToEventLoop();
      if (isAborted(signal)) throw abortError(op, signal, `after step ${step}`);
    }
  } catch (error) {
    // Runs the generator's finally blocks (a no-op if it threw itself and so is closed).
    steps.return(undefined as never);
    throw error;
  }
}

/**
 * Resolves after one macrotask, so that timers, I/O, input events and rendering can run
 * between two steps: `setImmediate` in Node, a MessageChannel message in a browser.
 * Not `tf.nextFrame` (an animation frame in a browser, as `model.fit` yields): animation
 * frames stop in a background tab, and a minute-long attribution should not. Nor a
 * zero-delay timeout, which background tabs throttle to one per second or less.
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A function rather than an inline test, so the compiler does not assume `aborted` stays false across awaits. */
function isAborted(signal: AbortSignal | undefined): signal is AbortSignal {
  return signal?.aborted === true;
}
