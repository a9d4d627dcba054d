/**
 * The slice of tfjs-backend-webgl that featstats' shader kernels use, typed locally:
 * importing the package would register its ~170 kernels (a side effect), so the backend
 * is duck-typed and programs are plain objects implementing its `GPGPUProgram`.
 *
 * A program's `userCode` is GLSL with a `void main()` that uses the helpers tfjs
 * generates: `getOutputCoords()`, one sampler `get<Name>(…)` per entry of
 * `variableNames` (one int coordinate per dimension of that input), `setOutput(float)`
 * and `imod(int, int)`. tfjs caches compiled shaders by userCode and shapes, so values
 * that change from call to call go in `customUniforms`.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** tfjs-backend-webgl's `GPGPUProgram`, the fields featstats sets. */
export interface ShaderProgram {
  readonly variableNames: string[];
  readonly outputShape: number[];
  readonly userCode: string;
  readonly packedInputs: false;
  readonly packedOutput: false;
  readonly customUniforms?: Array<{ name: string; type: 'int' | 'float' }>;
}

/** The methods of tfjs-backend-webgl's `MathBackendWebGL` that the kernels call. */
export interface WebglBackend {
  runWebGLProgram(program: ShaderProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType, customUniformValues?: number[][]): tf.TensorInfo;
  disposeIntermediateTensorInfo(info: tf.TensorInfo): void;
  /** Texture bookkeeping; featstats reads only whether a tensor's texture is packed. */
  readonly texData?: { get(dataId: tf.DataId): { isPacked?: boolean } | undefined };
  /** Copies a packed tensor into an unpacked texture of the same shape. */
  unpackTensor?(info: tf.TensorInfo): tf.TensorInfo;
}

/** The kernel's backend as a {@link WebglBackend}, or a clear error when it is not one. */
export function webglBackend(backend: unknown): WebglBackend {
  const candidate = backend as Partial<WebglBackend> | null;
  if (typeof candidate?.runWebGLProgram !== 'function' || typeof candidate.disposeIntermediateTensorInfo !== 'function') {
    throw new Error('featstats: a webgl kernel ran on a backend without runWebGLProgram');
  }
  return candidate as WebglBackend;
}

/**
 * A program with unpacked inputs and output (one value per texel). A packed variant of
 * the sort, with (value, index) pairs in RGBA texels, read half the texels but ran 1.2–1.7×
 * slower on SwiftShader, so every featstats shader reads single texels.
 */
export function shaderProgram(
  variableNames: string[],
  outputShape: number[],
  userCode: string,
  customUniforms?: Array<{ name: string; type: 'int' | 'float' }>,
): ShaderProgram {
  const program = { variableNames, outputShape, userCode, packedInputs: false as const, packedOutput: false as const };
  return customUniforms === undefined ? program : { ...program, customUniforms };
}

/** The named input of a kernel call; throws when a required input is missing. */
export function requiredInput(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`featstats: webgl kernel input ${name} is missing`);
  return info;
}

/** A GLSL float literal (`1` → `1.0`), for constants baked into a shader. */
export function glslFloat(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : `${value}`;
}
