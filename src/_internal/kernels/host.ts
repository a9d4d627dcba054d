/**
 * Adapters that turn one backend-agnostic host kernel (plain TypeScript over typed
 * arrays) into a `tf.KernelFunc` for tfjs-backend-cpu and for tfjs-backend-wasm. Neither
 * backend package is imported: the kernel receives the backend object from the engine
 * and uses only the members named below (duck-typed), so featstats keeps tfjs-core as
 * its only dependency.
 *
 * - cpu: input values are `backend.data.get(dataId).values`; outputs are fresh typed
 *   arrays handed to `backend.makeTensorInfo` (no copy).
 * - wasm: inputs and outputs are views of the wasm heap (`typedArrayFromHeap`), so the
 *   kernel reads and writes the backend's memory directly. Every output is allocated
 *   (`makeOutput`) before any view is taken, because an allocation may grow the heap
 *   and detach earlier views.
 */
import type * as tf from '@tensorflow/tfjs-core';

export type HostArray = Float32Array | Int32Array;

/** One input as a host kernel sees it. */
export interface HostInput {
  readonly shape: readonly number[];
  readonly dtype: tf.DataType;
  readonly values: HostArray;
}

/** An output a host kernel declares before it runs. */
export interface HostOutputSpec {
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32';
  /**
   * Whether `run` writes every element of this output. wasm's `makeOutput` returns
   * uninitialised heap, so the wasm adapter zero-fills outputs first, a whole extra pass
   * over a tensor-sized output; a filled output skips it. (cpu outputs are fresh,
   * zeroed arrays either way.)
   */
  readonly filled?: boolean;
}

/** A kernel over typed arrays, shared by the cpu and wasm backends. */
export interface HostKernel {
  /**
   * An input whose buffer output 0 may take over on wasm: when the call's attr
   * `overwrite` is true and the backend holds that buffer for one tensor only (no other
   * tensor can see it change), output 0 is that buffer and `run` gets the input's values as output 0,
   * not zero-filled. The kernel must read each element before it writes the same index.
   * Used where a gradient's last use of a saved tensor is this kernel: tfjs-core saves a
   * clone, which tfjs-backend-wasm copies, so on wasm the copy becomes dx.
   */
  readonly reusesInput?: string;
  /** Shapes and dtypes of the outputs, from the inputs' shapes and the attrs. */
  outputs(inputs: Readonly<Record<string, tf.TensorInfo>>, attrs: tf.NamedAttrMap): HostOutputSpec[];
  /** Fills `outputs` (in the order `outputs()` declared them; zero-initialised unless declared `filled`). */
  run(inputs: Readonly<Record<string, HostInput>>, outputs: HostArray[], attrs: tf.NamedAttrMap): void;
}

/**
 * Test hooks (internal, not exported by the package).
 * - `poisonFilledOutputs`: the wasm adapter fills `filled` outputs with NaN (−1 for
 *   int32) instead of leaving them as they come, so an element that a kernel declared but
 *   failed to write shows up in the property tests instead of as whatever the heap held.
 * - `sortEngine`: `'typescript'` makes the host radix sort skip its WebAssembly build
 *   (`host/radixSortWasm.ts`), as where WebAssembly cannot be compiled, so the tests
 *   reach the fallback.
 */
export const hostTesting: { poisonFilledOutputs: boolean; sortEngine: 'auto' | 'typescript' } = {
  poisonFilledOutputs: false,
  sortEngine: 'auto',
};

interface CpuBackendLike {
  data: { get(dataId: object): { values: HostArray } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: HostArray): tf.TensorInfo;
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): HostArray;
  refCount(dataId: object): number;
  incRef(dataId: object): void;
}

/**
 * The input whose buffer output 0 takes over (see {@link HostKernel.reusesInput}), with
 * one more reference counted on it, or undefined when the call may not or cannot. wasm
 * only: its tensors live on the heap, copied in, so a buffer held by one tensor is seen
 * by nothing else; a cpu tensor's buffer may be an array its creator still holds.
 */
function takeOver(kernel: HostKernel, infos: Record<string, tf.TensorInfo>, attrs: tf.NamedAttrMap, specs: HostOutputSpec[], backend: WasmBackendLike): tf.TensorInfo | undefined {
  if (kernel.reusesInput === undefined || attrs.overwrite !== true) return undefined;
  const input = infos[kernel.reusesInput];
  const spec = specs[0];
  if (input === undefined || spec === undefined || input.dtype !== spec.dtype) return undefined;
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  if (size(input.shape) !== size(spec.shape) || backend.refCount(input.dataId) !== 1) return undefined;
  backend.incRef(input.dataId);
  return { dataId: input.dataId, shape: [...spec.shape], dtype: spec.dtype };
}

function present(inputs: tf.NamedTensorInfoMap): Record<string, tf.TensorInfo> {
  const result: Record<string, tf.TensorInfo> = {};
  for (const [name, info] of Object.entries(inputs)) if (info !== undefined) result[name] = info;
  return result;
}

function allocate(spec: HostOutputSpec): HostArray {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  return spec.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
}

function single(outputs: tf.TensorInfo[]): tf.TensorInfo | tf.TensorInfo[] {
  return outputs.length === 1 ? (outputs[0] as tf.TensorInfo) : outputs;
}

/** The tfjs-backend-cpu kernel function of `kernel`. */
export function cpuKernel(kernel: HostKernel): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const cpu = backend as unknown as CpuBackendLike;
    const infos = present(inputs);
    const specs = kernel.outputs(infos, attrs ?? {});
    const outputs = specs.map(allocate);
    const views: Record<string, HostInput> = {};
    for (const [name, info] of Object.entries(infos)) {
      views[name] = { shape: info.shape, dtype: info.dtype, values: cpu.data.get(info.dataId).values };
    }
    kernel.run(views, outputs, attrs ?? {});
    return single(specs.map((spec, i) => cpu.makeTensorInfo(spec.shape, spec.dtype, outputs[i] as HostArray)));
  };
}

/** The tfjs-backend-wasm kernel function of `kernel`. */
export function wasmKernel(kernel: HostKernel): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as unknown as WasmBackendLike;
    const infos = present(inputs);
    const specs = kernel.outputs(infos, attrs ?? {});
    const taken = takeOver(kernel, infos, attrs ?? {}, specs, wasm);
    // Allocate every output first: a later allocation could grow the heap and detach views.
    const outputInfos = specs.map((spec, i) => (i === 0 && taken !== undefined ? taken : wasm.makeOutput(spec.shape, spec.dtype)));
    const outputs = outputInfos.map((info, i) => {
      const view = wasm.typedArrayFromHeap(info);
      if (i === 0 && taken !== undefined) return view;
      if (specs[i]?.filled !== true) view.fill(0);
      // An unwritten element shows as NaN, or as -1, never a valid index.
      else if (hostTesting.poisonFilledOutputs) view.fill(view instanceof Int32Array ? -1 : Number.NaN);
      return view;
    });
    const views: Record<string, HostInput> = {};
    for (const [name, info] of Object.entries(infos)) {
      views[name] = { shape: info.shape, dtype: info.dtype, values: wasm.typedArrayFromHeap(info) };
    }
    kernel.run(views, outputs, attrs ?? {});
    return single(outputInfos);
  };
}
