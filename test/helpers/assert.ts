/** Assertions shared by every suite: closeness to a reference, exact equality, leaks. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

import type { Tolerance } from './tolerance';

/**
 * Asserts `|actual − expected| ≤ atol·scale + rtol·|expected|` elementwise; `scale` is
 * one number or one per element. Reports the worst element with its bound.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance,
  scale: number | ArrayLike<number> = 1,
): void {
  expect(actual.length).toBe(expected.length);
  let worst = -Infinity;
  let report = '';
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const s = typeof scale === 'number' ? scale : (scale[i] as number);
    const bound = tolerance.atol * s + tolerance.rtol * Math.abs(e);
    const excess = Number.isNaN(a) || Number.isNaN(e) ? Infinity : Math.abs(a - e) - bound;
    if (excess > 0 && excess > worst) {
      worst = excess;
      report = `element ${i}: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > bound ${bound})`;
    }
  }
  if (report !== '') expect.fail(report);
}

/**
 * The same float32 value in every element, −0 told from +0, any NaN for a NaN (WebAssembly
 * and the engines leave a NaN's sign and payload open). Reports the first element that differs.
 */
export function expectSameValues(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const [a, e] = [actual[i] as number, expected[i] as number];
    if (Number.isNaN(e) ? !Number.isNaN(a) : !Object.is(a, e)) expect({ i, value: a }).toEqual({ i, value: e });
  }
}

/** Largest absolute value (the scale of a gradient comparison); 1 for an all-zero array. */
export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i] as number));
  return m === 0 ? 1 : m;
}

/** The GPU backends' extra memory counters (absent on cpu and wasm). */
type GpuMemory = tf.MemoryInfo & { numBytesInGPUAllocated?: number; numBytesInGPUFree?: number; numBytesInGPU?: number };

/**
 * Bytes of GPU memory in use, or undefined off the GPU backends: on webgl the textures
 * allocated minus those returned to the pool; on webgpu the buffers in use. tfjs-webgpu
 * frees a buffer that the current command encoder still uses (and each program's uniform
 * buffer) only when it next submits, so the count is read after a submit: reading a value
 * computed on the GPU submits (the suites turn `WEBGPU_CPU_FORWARD` off, so this `add`
 * runs there).
 */
export async function gpuBytesInUse(): Promise<number | undefined> {
  if (tf.getBackend() === 'webgpu') {
    const probe = tf.tidy(() => tf.add(tf.zeros([1]), tf.scalar(1)));
    await probe.data();
    probe.dispose();
  }
  const memory: GpuMemory = tf.memory();
  if (memory.numBytesInGPU !== undefined) return memory.numBytesInGPU;
  return memory.numBytesInGPUAllocated === undefined ? undefined : memory.numBytesInGPUAllocated - (memory.numBytesInGPUFree ?? 0);
}

/**
 * Runs `body` and asserts it leaves no tensor, data buffer or (on webgl and webgpu) GPU
 * memory behind. On the GPU backends `body` runs once before measuring: its first run
 * uploads pre-existing input tensors to textures or buffers, which is not a leak. `body`
 * must therefore be repeatable.
 */
export async function expectNoLeak(body: () => unknown): Promise<void> {
  if ((await gpuBytesInUse()) !== undefined) await body();
  const before = tf.memory();
  const gpuBefore = await gpuBytesInUse();
  await body();
  const after = tf.memory();
  const gpuAfter = await gpuBytesInUse();
  expect(after.numTensors, 'tensors leaked').toBe(before.numTensors);
  expect(after.numDataBuffers, 'data buffers leaked').toBe(before.numDataBuffers);
  // GPU bytes in use: freed textures and buffers return to the backend's pool and leave this count.
  expect(gpuAfter, 'GPU bytes leaked').toBe(gpuBefore);
}

/** Asserts `body` throws a message matching `pattern` and leaks nothing doing so. */
export async function expectThrowsWithoutLeak(body: () => unknown, pattern: RegExp): Promise<void> {
  await expectNoLeak(() => expect(body).toThrow(pattern));
}

/** Reads a tensor's values and disposes it. */
export async function readAndDispose(t: tf.Tensor): Promise<Float32Array | Int32Array> {
  const values = (await t.data()) as Float32Array | Int32Array;
  t.dispose();
  return values;
}
