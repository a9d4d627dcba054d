/**
 * Checks shared by the async drivers' suites (ibaAttributionAsync, adversarialMeanStdAsync,
 * probeAsync): they yield to the event loop between steps, stop on an AbortSignal with an
 * AbortError, and leave no tensor or variable behind however they end.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/**
 * Schedules `task` as a macrotask from the same task source as a driver's yield
 * (`yieldToEventLoop`): setImmediate in Node, a MessageChannel message in a browser.
 * Queued from `onStep`, before the driver yields, it must run before the next step.
 */
export function queueTask(task: () => void): void {
  if (typeof setImmediate === 'function') {
    setImmediate(task);
    return;
  }
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    task();
  };
  channel.port2.postMessage(null);
}

/** Tensors (variables included) and variables currently registered. */
function counts(): { tensors: number; variables: number } {
  return { tensors: tf.memory().numTensors, variables: Object.keys(tf.engine().registeredVariables).length };
}

/**
 * Asserts that `run` rejects with an error matching `expected` (a message regex, and a
 * name when given) and that nothing it allocated survives: no tensor, no variable.
 */
export async function expectRejectsWithoutLeak(run: () => Promise<unknown>, expected: { message: RegExp; name?: string; cause?: unknown }): Promise<void> {
  const before = counts();
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'the promise did not reject').toBeInstanceOf(Error);
  const error = caught as Error & { cause?: unknown };
  expect(error.message).toMatch(expected.message);
  if (expected.name !== undefined) expect(error.name).toBe(expected.name);
  if ('cause' in expected) expect(error.cause).toBe(expected.cause);
  expect(counts(), 'tensors or variables leaked').toEqual(before);
}
