/**
 * The slice of tfjs-backend-webgpu that featstats' compute shaders use, in one file: the
 * package is never imported (importing it registers its ~160 kernels, a side effect), so
 * the backend is duck-typed and programs are plain objects implementing its
 * `WebGPUProgram`. `test/kernels/webgpuProgram.webgpu.test.ts` pins every assumption below
 * against the installed tfjs-backend-webgpu, so an upgrade that changes one fails there.
 *
 * What tfjs's runner (`backend.runWebGPUProgram`, 4.22) does with a program, and what the
 * WGSL here relies on:
 *
 * - It prepends a header (`webgpu_program.ts`'s `makeShader`, not exported) that declares
 *   the output `result: array<f32|i32>` (by the output dtype), one read-only storage array
 *   per entry of `variableNames` under that name (`array<f32>` or `array<i32>` by the
 *   input's dtype), and `uniforms`, a struct whose last members are those of the
 *   program's `uniforms` string, filled in order from the call's uniform data. Each input
 *   also gets accessor functions (`getX`, …) and shape uniforms of its rank (at most 6).
 *   featstats' shaders read and write the arrays by flat index only, and hand every input
 *   and output to the runner as a 1-D view of its buffer (`flat`), so tensors of any rank
 *   work and one pipeline serves every shape.
 * - It calls the program's `fn main(index : i32)` once per invocation, `index` being the
 *   invocation's linear position (workgroup · workgroup size + local index) in the
 *   dispatch `program.dispatch` (a flat `dispatchLayout`; tfjs folds a dispatch of more
 *   than 65 535 workgroups into two or three dimensions and keeps `index` linear). So the
 *   workgroup is `index / size` and the invocation within it `index % size`.
 * - It caches compiled pipelines by `shaderKey` plus the inputs' ranks, dtypes, names and
 *   broadcast pattern, not by their sizes: everything a shader bakes in (workgroup size,
 *   which optional inputs exist, the sort's block) must be in `shaderKey`, and sizes go in
 *   uniforms. Pipelines are compiled once per key, which is what keeps SwiftShader's
 *   compile cost out of every new shape.
 * - A program's uniforms are scalars (`i32`, `f32`), each 4-byte aligned, as the runner
 *   lays them out.
 * - The pipeline's bind group layout is `'auto'`: a binding the WGSL never reads is left
 *   out of it and the runner's bind group no longer matches, so every input must be read
 *   (featstats' programs pass only the inputs their code reads).
 * - The device keeps WebGPU's default of 8 storage buffers per shader stage (tfjs raises
 *   other limits, not this one): the output and at most 7 inputs ({@link run} checks).
 *
 * - It declares each input's array by the dtype of its *buffer* (`tensorMap`'s entry),
 *   not the tensor's: tfjs's Cast from int32 or bool to float32 shares the buffer and
 *   keeps its integer storage (no encoding loss), so a float32 tensor made by `tf.cast`
 *   from an int32 image arrives as `array<i32>`. {@link run} reads the buffer's dtype
 *   (`storageDtype`) and converts such inputs to a float32 buffer first.
 *
 * A program that breaks one of these does not throw: WebGPU rejects the whole command
 * buffer and every tensor computed in it silently keeps stale data. So the checks above
 * throw before dispatching, and the webgpu test project fails any test during which the
 * device reported an error (`test/helpers/backends.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';

/** tfjs-backend-webgpu's `WebGPUProgram`, the fields featstats sets. */
export interface ComputeProgram {
  readonly variableNames: string[];
  readonly outputShape: number[];
  /** Everything the WGSL bakes in; the runner appends the inputs' ranks and dtypes. */
  shaderKey: string;
  readonly dispatchLayout: { readonly x: number[] };
  dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number];
  /** WGSL struct members appended to tfjs's `Uniforms`, e.g. `'rows : i32, n : i32,'`. */
  readonly uniforms: string;
  getUserCode(): string;
}

/** One uniform value, as the runner's `programDefinedUniform` entries. */
export interface UniformValue {
  readonly type: 'int32' | 'float32';
  readonly data: number[];
}

/** The methods of tfjs-backend-webgpu's `WebGPUBackend` that the kernels call. */
export interface WebgpuBackend {
  runWebGPUProgram(program: ComputeProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType, programDefinedUniform?: UniformValue[]): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
  /** The backend's record of each buffer; its `dtype` is the storage's, which a cast may not have changed. */
  readonly tensorMap: { get(dataId: tf.DataId): { readonly dtype: tf.DataType } | undefined };
}

/** The kernel's backend as a {@link WebgpuBackend}, or a clear error when it is not one. */
export function webgpuBackend(backend: unknown): WebgpuBackend {
  const candidate = backend as Partial<WebgpuBackend> | null;
  if (typeof candidate?.runWebGPUProgram !== 'function' || typeof candidate.disposeData !== 'function' || typeof candidate.tensorMap?.get !== 'function') {
    throw new Error('featstats: a webgpu kernel ran on a backend without runWebGPUProgram');
  }
  return candidate as WebgpuBackend;
}

/** The uniform declarations and values of a program, built together so they stay in order. */
export class Uniforms {
  private readonly declarations: string[] = [];
  private readonly values: UniformValue[] = [];

  int(name: string, value: number): this {
    this.declarations.push(`${name} : i32,`);
    this.values.push({ type: 'int32', data: [value] });
    return this;
  }

  float(name: string, value: number): this {
    this.declarations.push(`${name} : f32,`);
    this.values.push({ type: 'float32', data: [value] });
    return this;
  }

  get declaration(): string {
    return this.declarations.join(' ');
  }

  get data(): UniformValue[] {
    return [...this.values];
  }
}

/** What a featstats compute program is made of. */
export interface ProgramSpec {
  /** Names of the inputs' storage arrays, in the order the inputs are passed. */
  readonly inputs: string[];
  /** Invocations to run: `main(index)` sees index 0 … invocations − 1 (and the padding of the last workgroup). */
  readonly invocations: number;
  /** Elements of the (1-D) output. */
  readonly outputSize: number;
  readonly workgroupSize: number;
  /** A name for the shader and what it bakes in (the workgroup size is added). */
  readonly key: string;
  readonly uniforms: Uniforms;
  /** WGSL: helper functions, workgroup arrays and `fn main(index : i32)`. */
  readonly code: string;
}

/** A {@link ComputeProgram} from a {@link ProgramSpec}. */
export function computeProgram(spec: ProgramSpec): ComputeProgram {
  const { workgroupSize } = spec;
  return {
    variableNames: spec.inputs,
    outputShape: [spec.outputSize],
    shaderKey: `featstats_${spec.key}_wg${workgroupSize}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.max(1, Math.ceil(spec.invocations / workgroupSize)), 1, 1],
    workgroupSize: [workgroupSize, 1, 1],
    uniforms: spec.uniforms.declaration,
    getUserCode: () => spec.code,
  };
}

/**
 * WebGPU's default `maxStorageBuffersPerShaderStage`, which tfjs-backend-webgpu 4.22 does
 * not raise when it requests its device (`base.ts`): a program's output and inputs together.
 */
export const MAX_STORAGE_BUFFERS = 8;

/**
 * Runs `spec` on `inputs` (each passed as a 1-D view of its buffer) and returns the output
 * labelled with `shape` (the same elements as `spec.outputSize`).
 */
export function run(backend: WebgpuBackend, spec: ProgramSpec, inputs: readonly tf.TensorInfo[], dtype: tf.DataType, shape: readonly number[] = [spec.outputSize]): tf.TensorInfo {
  if (inputs.length + 1 > MAX_STORAGE_BUFFERS) {
    throw new Error(`featstats: webgpu program ${spec.key} binds ${inputs.length} inputs and an output, over WebGPU's ${MAX_STORAGE_BUFFERS} storage buffers`);
  }
  const converted: tf.TensorInfo[] = [];
  const ready = inputs.map((info) => {
    if (info.dtype !== 'float32' || storageDtype(backend, info) === 'float32') return info;
    const asFloat = toFloat32(backend, info);
    converted.push(asFloat);
    return asFloat;
  });
  const output = backend.runWebGPUProgram(computeProgram(spec), ready.map(flat), dtype, spec.uniforms.data);
  // tfjs's buffer manager keeps a freed buffer until the queued work that reads it is done.
  disposeAll(backend, converted);
  return { dataId: output.dataId, shape: [...shape], dtype };
}

/** The dtype of the buffer behind `info` (see the header: a cast can leave it int32 or bool). */
export function storageDtype(backend: WebgpuBackend, info: tf.TensorInfo): tf.DataType {
  return backend.tensorMap.get(info.dataId)?.dtype ?? info.dtype;
}

/** A float32 copy of a float32 tensor whose buffer holds int32 or bool values (the same numbers). */
function toFloat32(backend: WebgpuBackend, info: tf.TensorInfo): tf.TensorInfo {
  const size = sizeOf(info.shape);
  const spec: ProgramSpec = {
    inputs: ['x'],
    invocations: size,
    outputSize: size,
    workgroupSize: 64,
    key: 'toFloat32',
    uniforms: new Uniforms().int('size', size),
    code: 'fn main(index : i32) { if (index < uniforms.size) { result[index] = f32(x[index]); } }',
  };
  const output = backend.runWebGPUProgram(computeProgram(spec), [flat(info)], 'float32', spec.uniforms.data);
  return { dataId: output.dataId, shape: [...info.shape], dtype: 'float32' };
}

/**
 * `info` as a 1-D tensor of its elements: the same buffer (a WebGPU storage buffer is flat
 * whatever the logical shape). The info is never registered with the engine, so it needs
 * no reference count.
 */
export function flat(info: tf.TensorInfo): tf.TensorInfo {
  const size = info.shape.reduce((a, b) => a * b, 1);
  return info.shape.length === 1 ? info : { dataId: info.dataId, shape: [size], dtype: info.dtype };
}

/** The named input of a kernel call; throws when a required input is missing. */
export function requiredInput(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`featstats: webgpu kernel input ${name} is missing`);
  return info;
}

/** Frees intermediate outputs of {@link run}. */
export function disposeAll(backend: WebgpuBackend, infos: readonly tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * `x` itself, or on webgpu, when `x` is float32 over an int32 or bool buffer (a `tf.cast`
 * from int32 or bool shares the buffer, see the header), a float32 copy with its own
 * float buffer. Not only featstats' programs read such buffers wrongly: tfjs-backend-webgpu
 * 4.22's own Transpose fails to compile on them. The ops take every float input through
 * `floatTensor`, which calls this; the copy is owned by the caller's tidy.
 */
export function withFloatStorage(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32' || tf.getBackend() !== 'webgpu') return x;
  const backend = webgpuBackend(tf.backend());
  if (storageDtype(backend, x) === 'float32') return x;
  return tf.engine().makeTensorFromTensorInfo(toFloat32(backend, x));
}
