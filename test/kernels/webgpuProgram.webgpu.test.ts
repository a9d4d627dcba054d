/**
 * Pins every assumption `src/_internal/kernels/webgpu/program.ts` makes about
 * tfjs-backend-webgpu's program runner (4.22), so that an upgrade which changes one fails
 * here, by name, rather than giving silently wrong values in the kernels: the version, the
 * program fields the runner reads (a type check against its exported `WebGPUProgram`),
 * `main(index)` seeing the linear index when a long dispatch is folded, uniforms appended
 * in order, inputs bound by dtype, pipelines cached by key and not by size, the storage
 * buffer limit, and bad programs reported on the device rather than thrown.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { version } from '@tensorflow/tfjs-backend-webgpu/dist/version';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { computeProgram, MAX_STORAGE_BUFFERS, run, Uniforms, webgpuBackend, type ProgramSpec } from '../../src/_internal/kernels/webgpu/program';
import { expectNoWebgpuErrors, takeWebgpuErrors, useBackend } from '../helpers/backends';

/** Runs `spec` through featstats' runner and returns the output's values (the output is freed). */
async function runToArray(spec: ProgramSpec, inputs: tf.Tensor[] = [], dtype: 'float32' | 'int32' = 'float32'): Promise<number[]> {
  const backend = webgpuBackend(tf.backend());
  const info = run(backend, spec, inputs, dtype);
  const output = tf.engine().makeTensorFromTensorInfo(info);
  const values = Array.from(await output.data());
  output.dispose();
  return values;
}

/** The backend's compiled pipelines (an internal field: what the cache test pins). */
function pipelineCount(): number {
  return Object.keys((tf.backend() as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache).length;
}

describe('tfjs-backend-webgpu program runner, as featstats uses it', () => {
  beforeAll(() => useBackend('webgpu'));
  afterEach(expectNoWebgpuErrors);

  it('is version 4.22.0, the one program.ts was checked against', () => {
    expect(version).toBe('4.22.0');
  });

  it('accepts a featstats program as its WebGPUProgram (checked by the type checker)', () => {
    const program: WebGPUProgram = computeProgram({ inputs: ['a'], invocations: 1, outputSize: 1, workgroupSize: 1, key: 'k', uniforms: new Uniforms(), code: '' });
    expect(program.variableNames).toEqual(['a']);
  });

  it('hands main the linear invocation index when it folds a dispatch of more than 65 535 workgroups', async () => {
    const n = 70_000; // workgroups of one invocation: over maxComputeWorkgroupsPerDimension
    const values = await runToArray({
      inputs: [],
      invocations: n,
      outputSize: n,
      workgroupSize: 1,
      key: 'test_linearIndex',
      uniforms: new Uniforms().int('size', n),
      code: 'fn main(index : i32) { if (index < uniforms.size) { result[index] = f32(index); } }',
    });
    expect(values.every((v, i) => v === i)).toBe(true);
  });

  it('appends a program’s uniforms to its own, in order, int and float', async () => {
    const values = await runToArray({
      inputs: [],
      invocations: 1,
      outputSize: 3,
      workgroupSize: 1,
      key: 'test_uniforms',
      uniforms: new Uniforms().int('first', 7).float('second', 0.5).int('third', -3),
      code: 'fn main(index : i32) { result[0] = f32(uniforms.first); result[1] = uniforms.second; result[2] = f32(uniforms.third); }',
    });
    expect(values).toEqual([7, 0.5, -3]);
  });

  it('binds each input as an array of its dtype, read by flat index whatever its shape', async () => {
    const ints = tf.tensor3d([1, -2, 3, 40, 5, 6], [1, 2, 3], 'int32');
    const floats = tf.tensor2d([0.25, 0.5, 0.75, 1, 1.25, 1.5], [3, 2]);
    const values = await runToArray({
      inputs: ['ints', 'floats'],
      invocations: 6,
      outputSize: 6,
      workgroupSize: 4,
      key: 'test_dtypes',
      uniforms: new Uniforms().int('size', 6),
      code: 'fn main(index : i32) { if (index < uniforms.size) { result[index] = f32(ints[index]) + floats[index]; } }',
    }, [ints, floats]);
    expect(values).toEqual([1.25, -1.5, 3.75, 41, 6.25, 7.5]);
    tf.dispose([ints, floats]);
  });

  it("declares an input by its buffer's dtype: a float32 tensor cast from int32 or bool keeps integer storage, which run converts", async () => {
    const backend = webgpuBackend(tf.backend());
    const ints = tf.tensor1d([1, -2, 3, 16777217], 'int32');
    const flags = tf.tensor1d([true, false, true, true], 'bool');
    const [fromInts, fromFlags] = [tf.cast(ints, 'float32'), tf.cast(flags, 'float32')];
    // The pinned behaviour: the cast shares the buffer and its integer dtype.
    expect(backend.tensorMap.get(fromInts.dataId)?.dtype).toBe('int32');
    expect(backend.tensorMap.get(fromFlags.dataId)?.dtype).toBe('bool');
    // A shader reading its input as f32 compiles and reads the numbers (2²⁴ + 1 rounds as tf.cast's float32 does).
    const copy = (name: string) => ({
      inputs: ['x'],
      invocations: 4,
      outputSize: 4,
      workgroupSize: 4,
      key: `test_storage_${name}`,
      uniforms: new Uniforms().int('size', 4),
      code: 'fn main(index : i32) { if (index < uniforms.size) { let v : f32 = x[index]; result[index] = v * 2.0; } }',
    });
    expect(await runToArray(copy('ints'), [fromInts])).toEqual([2, -4, 6, 33554432]);
    expect(await runToArray(copy('flags'), [fromFlags])).toEqual([2, 0, 2, 2]);
    tf.dispose([ints, flags, fromInts, fromFlags]);
  });

  it('compiles one pipeline per shader key, whatever the sizes', async () => {
    const spec = (n: number): ProgramSpec => ({
      inputs: [],
      invocations: n,
      outputSize: n,
      workgroupSize: 8,
      key: 'test_cache',
      uniforms: new Uniforms().int('size', n),
      code: 'fn main(index : i32) { if (index < uniforms.size) { result[index] = 1.0; } }',
    });
    const before = pipelineCount();
    expect(await runToArray(spec(5))).toEqual(new Array(5).fill(1));
    expect(await runToArray(spec(300))).toEqual(new Array(300).fill(1));
    expect(pipelineCount()).toBe(before + 1);
  });

  it(`refuses a program over ${MAX_STORAGE_BUFFERS} storage buffers before dispatching it, the device's limit`, () => {
    const limits = (tf.backend() as unknown as { device: { limits: { maxStorageBuffersPerShaderStage: number } } }).device.limits;
    expect(limits.maxStorageBuffersPerShaderStage).toBe(MAX_STORAGE_BUFFERS);
    const inputs = Array.from({ length: MAX_STORAGE_BUFFERS }, () => tf.ones([2]));
    const names = inputs.map((_, i) => `in${i}`);
    const spec: ProgramSpec = { inputs: names, invocations: 2, outputSize: 2, workgroupSize: 2, key: 'test_tooMany', uniforms: new Uniforms(), code: '' };
    expect(() => run(webgpuBackend(tf.backend()), spec, inputs, 'float32')).toThrow(/over WebGPU's 8 storage buffers/);
    tf.dispose(inputs);
  });

  it('reports an invalid program on the device instead of throwing (what the test projects’ error net catches)', async () => {
    await tf.ones([1]).data(); // nothing of earlier tests left in the command encoder
    const output = run(webgpuBackend(tf.backend()), {
      inputs: [],
      invocations: 1,
      outputSize: 1,
      workgroupSize: 1,
      key: 'test_invalid',
      uniforms: new Uniforms(),
      code: 'fn main(index : i32) { result[index] = undefinedName; }',
    }, [], 'float32');
    tf.engine().makeTensorFromTensorInfo(output).dispose();
    const probe = tf.add(tf.ones([1]), tf.ones([1]));
    await probe.data(); // submits the command buffer holding the invalid dispatch
    probe.dispose();
    const errors = await takeWebgpuErrors();
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(/undefinedName|Invalid/);
  });
});
