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
  /** Set by {@link pairedSumsProgram} only: then `setOutput` takes a vec4 (a 2×2 block). */
  readonly packedOutput: boolean;
  readonly customUniforms?: ShaderUniform[];
}

/** A custom uniform: a scalar, or an array of `arrayIndex` values (one value list each, set with `uniform1fv`/`uniform1iv`). */
export interface ShaderUniform {
  readonly name: string;
  readonly type: 'int' | 'float';
  readonly arrayIndex?: number;
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
 * the sort, with (value, index) pairs in RGBA texels, read half the texels but ran slower
 * on SwiftShader (bench/README.md, "Design measurements"), so every featstats shader
 * reads single texels.
 */
export function shaderProgram(
  variableNames: string[],
  outputShape: number[],
  userCode: string,
  customUniforms?: ShaderUniform[],
): ShaderProgram {
  const program = { variableNames, outputShape, userCode, packedInputs: false as const, packedOutput: false as const };
  return customUniforms === undefined ? program : { ...program, customUniforms };
}

/**
 * A reduction's partial-sums program whose output `[…, chunks, 2]` holds two sums per
 * chunk, with a packed output: one fragment writes the 2×2 block of chunks c, c + 1 (c
 * even) and both sums, so each chunk of the data is read once rather than once per sum.
 * `chunkSums` is GLSL defining `vec2 chunkSums(<coords>, int c)` over the outer
 * coordinates `outer` (e.g. `p, q`) and a chunk index; consumers read the output
 * unpacked (tfjs unpacks it, a pass over the small partials).
 */
export function pairedSumsProgram(variableNames: string[], outputShape: number[], chunkSums: string): ShaderProgram {
  const rank = outputShape.length;
  const chunks = outputShape[rank - 2] as number;
  const type = rank === 3 ? 'ivec3' : 'ivec4';
  const outer = rank === 3 ? 'coords.x' : 'coords.x, coords.y';
  const chunk = rank === 3 ? 'coords.y' : 'coords.z';
  const userCode = `
    ${chunkSums}
    void main() {
      ${type} coords = getOutputCoords();
      vec2 first = chunkSums(${outer}, ${chunk});
      vec2 second = ${chunk} + 1 < ${chunks} ? chunkSums(${outer}, ${chunk} + 1) : vec2(0.0);
      setOutput(vec4(first, second));
    }
  `;
  return { variableNames, outputShape, userCode, packedInputs: false, packedOutput: true };
}

/** The named input of a kernel call; throws when a required input is missing. */
export function requiredInput(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`featstats: webgl kernel input ${name} is missing`);
  return info;
}
