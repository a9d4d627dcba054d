/**
 * Adapters that turn one backend-agnostic host kernel (plain TypeScript over typed
 * arrays) into a `tf.KernelFunc` for tfjs-backend-cpu and for tfjs-backend-wasm. Neither
 * backend package is imported: the kernel receives the backend object from the engine
 * and uses only the members named below (duck-typed), so featstats keeps tfjs-core as
 * its only dependency.
 *
 * - cpu: input values are `backend.data.get(dataId).values`; outputs are fresh typed
 *   arrays handed to `backend.makeTensorInfo` (no copy), in Node left unzeroed where the
 *   kernel writes them whole (see `allocate`).
 * - wasm: inputs and outputs are views of the wasm heap (`typedArrayFromHeap`), so the
 *   kernel reads and writes the backend's memory directly. Every output is allocated
 *   (`makeOutput`) before any view is taken, because an allocation may grow the heap
 *   and detach earlier views. A kernel that asks for it (`heapScratch`) also gets
 *   scratch in that memory and the memory itself (`Heap`), for code compiled to
 *   WebAssembly that works on the tensors in place (`./compiled/planeSweeps.c`).
 *
 * Each kernel runs with a {@link HostContext}: that heap, and the host options
 * (`./options.ts`), read here once per call.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { hostOptions, type HostOptions } from './options';

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
   * over a tensor-sized output; a filled output skips it. On cpu in Node a large filled
   * output is left unzeroed too (`allocate`).
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
  /**
   * Bytes of scratch the kernel would use in the backend's WebAssembly memory (0: none),
   * allocated by the wasm adapter with the outputs, before any view, and freed after
   * `run`. Only the wasm adapter asks.
   */
  heapScratch?(inputs: Readonly<Record<string, tf.TensorInfo>>, attrs: tf.NamedAttrMap): number;
  /**
   * Fills `outputs` (in the order `outputs()` declared them; zero-initialised unless
   * declared `filled`).
   */
  run(inputs: Readonly<Record<string, HostInput>>, outputs: HostArray[], attrs: tf.NamedAttrMap, context: HostContext): void;
}

/** What a host kernel runs with besides its inputs and attrs. */
export interface HostContext {
  /** The host options in force (`./options.ts`). */
  readonly options: HostOptions;
  /** The backend's WebAssembly memory and scratch: on wasm, when `heapScratch` asked for bytes. */
  readonly heap?: Heap | undefined;
}

/** The named input of a call, which the kernel's contract guarantees. */
export function requiredInput<T>(inputs: Readonly<Record<string, T>>, name: string): T {
  const value = inputs[name];
  if (value === undefined) throw new Error(`featstats: kernel input ${name} is missing`);
  return value;
}

/** `[R, n]` of a 2-D input (the row kernels' shapes). */
export function rowsShape(info: { readonly shape: readonly number[] }): [number, number] {
  return [info.shape[0] ?? 1, info.shape[1] ?? 1];
}

/** tfjs-backend-wasm's memory, where every input and output view of the call lives, and scratch in it. */
export interface Heap {
  readonly memory: WebAssembly.Memory;
  /** Byte address of the scratch (8-byte aligned), valid during `run`. */
  readonly scratch: number;
  readonly scratchBytes: number;
}

interface CpuBackendLike {
  data: { get(dataId: object): { values: HostArray } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: HostArray): tf.TensorInfo;
}

interface WasmBackendLike {
  /** The Emscripten module: its memory (non-threaded builds) and allocator. */
  wasm?: { asm?: { memory?: unknown }; _malloc?(bytes: number): number; _free?(address: number): void };
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
function takeOver(kernel: HostKernel, { infos, specs }: HostCall, attrs: tf.NamedAttrMap, backend: WasmBackendLike): tf.TensorInfo | undefined {
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

/** Node's `Buffer`, duck-typed (featstats imports nothing from Node). */
interface NodeBufferLike {
  allocUnsafeSlow(bytes: number): Uint8Array;
}

/** Outputs of at least this many bytes that `run` fills whole skip zeroing where they can. */
const UNZEROED_BYTES = 1 << 16;

/**
 * A cpu output array. A fresh typed array is zeroed memory, and zeroing costs about as
 * much as writing the output (bench/README.md, "Design measurements"). So where Node's
 * `Buffer.allocUnsafeSlow` exists, an output the kernel declares `filled` (every element
 * written, which the property suites check with `poisonFilledOutputs`) is uninitialised
 * memory instead: its own ArrayBuffer, offset 0 and exactly its length, never Node's
 * shared pool, so code that takes `values.buffer` sees the output alone.
 */
function allocate(spec: HostOutputSpec, options: HostOptions): HostArray {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const nodeBuffer = (globalThis as { Buffer?: Partial<NodeBufferLike> }).Buffer;
  let array: HostArray | undefined;
  if (spec.filled === true && 4 * size >= UNZEROED_BYTES && typeof nodeBuffer?.allocUnsafeSlow === 'function') {
    const bytes = nodeBuffer.allocUnsafeSlow(4 * size);
    if (bytes.byteOffset === 0 && bytes.buffer.byteLength === 4 * size) {
      array = spec.dtype === 'int32' ? new Int32Array(bytes.buffer, 0, size) : new Float32Array(bytes.buffer, 0, size);
    }
  }
  array ??= spec.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  if (spec.filled === true && options.poisonFilledOutputs) poison(array);
  return array;
}

/** An unwritten element shows as NaN, or as -1, never a valid index. */
function poison(array: HostArray): void {
  array.fill(array instanceof Int32Array ? -1 : Number.NaN);
}

function single(outputs: tf.TensorInfo[]): tf.TensorInfo | tf.TensorInfo[] {
  return outputs.length === 1 ? (outputs[0] as tf.TensorInfo) : outputs;
}

/** The inputs as the kernel sees them, their values read by `values` (a backend's own arrays). */
function hostInputs(infos: Record<string, tf.TensorInfo>, values: (info: tf.TensorInfo) => HostArray): Record<string, HostInput> {
  const views: Record<string, HostInput> = {};
  for (const [name, info] of Object.entries(infos)) views[name] = { shape: info.shape, dtype: info.dtype, values: values(info) };
  return views;
}

/** What both adapters start a call with: the options in force, the present inputs, the output specs. */
interface HostCall {
  readonly options: HostOptions;
  readonly infos: Record<string, tf.TensorInfo>;
  readonly specs: HostOutputSpec[];
}

function callOf(kernel: HostKernel, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): HostCall {
  const infos = present(inputs);
  return { options: hostOptions(), infos, specs: kernel.outputs(infos, attrs) };
}

/**
 * A cpu tensor's data as its dtype's array. tfjs-backend-cpu casts int32 to float32
 * without copying (its Cast shares the Int32Array, since the cast loses nothing), so a
 * float32 tensor made by `tf.cast` of an int32 one (featstats' own `floatTensor`, or the
 * user's) holds an Int32Array, which the kernels would read as float bits: converted here.
 */
function cpuValues(cpu: CpuBackendLike, info: tf.TensorInfo): HostArray {
  const values = cpu.data.get(info.dataId).values;
  return info.dtype === 'float32' && !(values instanceof Float32Array) ? Float32Array.from(values) : values;
}

/** The tfjs-backend-cpu kernel function of `kernel`. */
export function cpuKernel(kernel: HostKernel): tf.KernelFunc {
  return ({ inputs, backend, attrs = {} }) => {
    const cpu = backend as unknown as CpuBackendLike;
    const { options, infos, specs } = callOf(kernel, inputs, attrs);
    const outputs = specs.map((spec) => allocate(spec, options));
    kernel.run(hostInputs(infos, (info) => cpuValues(cpu, info)), outputs, attrs, { options });
    return single(specs.map((spec, i) => cpu.makeTensorInfo(spec.shape, spec.dtype, outputs[i] as HostArray)));
  };
}

/** The tfjs-backend-wasm kernel function of `kernel`. */
export function wasmKernel(kernel: HostKernel): tf.KernelFunc {
  return ({ inputs, backend, attrs = {} }) => {
    const wasm = backend as unknown as WasmBackendLike;
    const call = callOf(kernel, inputs, attrs);
    const { options, infos, specs } = call;
    const taken = takeOver(kernel, call, attrs, wasm);
    // Allocate every output (and the scratch) first: a later allocation could grow the
    // heap and detach views.
    const heap = heapFor(kernel, infos, attrs, wasm);
    const outputInfos = specs.map((spec, i) => (i === 0 && taken !== undefined ? taken : wasm.makeOutput(spec.shape, spec.dtype)));
    const outputs = outputInfos.map((info, i) => {
      const view = wasm.typedArrayFromHeap(info);
      if (i === 0 && taken !== undefined) return view;
      if (specs[i]?.filled !== true) view.fill(0);
      else if (options.poisonFilledOutputs) poison(view);
      return view;
    });
    const views = hostInputs(infos, (info) => wasm.typedArrayFromHeap(info));
    try {
      kernel.run(views, outputs, attrs, { options, heap });
    } finally {
      if (heap !== undefined) wasm.wasm?._free?.(heap.scratch);
    }
    return single(outputInfos);
  };
}

/** The scratch a kernel asked for in the backend's memory, or undefined (none asked, or no memory to share). */
function heapFor(kernel: HostKernel, infos: Record<string, tf.TensorInfo>, attrs: tf.NamedAttrMap, backend: WasmBackendLike): Heap | undefined {
  const bytes = kernel.heapScratch?.(infos, attrs) ?? 0;
  const memory = backend.wasm?.asm?.memory;
  const malloc = backend.wasm?._malloc;
  // A threaded build's memory is shared; a module compiled for a plain one cannot import it.
  if (bytes <= 0 || typeof WebAssembly !== 'object' || !(memory instanceof WebAssembly.Memory) || !(memory.buffer instanceof ArrayBuffer) || malloc === undefined) return undefined;
  const scratch = malloc(bytes);
  return scratch === 0 ? undefined : { memory, scratch, scratchBytes: bytes };
}
