/**
 * How the plane sweeps reach their WebAssembly build (`../../host/compiled/planeSweeps.c`):
 *
 * - wasm backend (`heap` given, every array of the call in its memory): in place, one
 *   call per plane on the tensors where they are.
 * - otherwise (the cpu backend): staged through the module's own small memory, in chunks
 *   of rows (a multiple of 4, so the sweeps group rows exactly as over the whole plane):
 *   each chunk of the inputs copied in, swept, and the outputs' chunk copied out. The
 *   copies are block copies, which cost far less than the JavaScript sweep they replace.
 *
 * Where WebAssembly (with SIMD) is unavailable there is no compiled sweep and the
 * TypeScript sweeps run (long runs have their own module: `./runs.ts`). Every way gives
 * the same values bit for bit.
 */
import type { HostContext, HostKernel, Heap } from '../../host/adapter';
import { memoryOfAtLeast } from '../../host/compiled/memoryModule';
import { planeSweeps, type PlaneSweeps } from '../../host/compiled/planeSweepsModule';
import { compiledBuildMissing } from '../../host/options';
import { statisticsViewOf, type StatisticsView } from '../view';
import { columnsOf, PLANE_MAX_ROW } from './common';

/** The plane sweeps of one call, with `count` float64 coefficient arrays of one plane row in the memory they work in. */
export interface CompiledPlanes {
  readonly sweeps: PlaneSweeps;
  readonly scratch: Float64Array[];
  /**
   * Sweeps rows [0, rows) of the plane starting at element `base`: `sweep(addresses, rows)`
   * gets the byte address of the first row of each input, then of each output.
   */
  rows(arrays: PlaneArrays, plane: { readonly base: number; readonly rows: number }, sweep: (addresses: number[], rows: number) => void): void;
}

/** The float32 arrays a sweep reads (`inputs`) and writes (`outputs`). */
export interface PlaneArrays {
  readonly inputs: Float32Array[];
  readonly outputs: Float32Array[];
}

/** Three per-column float64 arrays. */
export type ColumnTriple = [Float64Array, Float64Array, Float64Array];

/** A call's plane sweeps: over `arrays` (every float32 array it reads or writes), with `count` coefficient arrays. */
export interface PlaneCall {
  readonly view: StatisticsView;
  readonly arrays: Float32Array[];
  readonly count: number;
}

/**
 * The compiled sweeps for a call, or undefined where the TypeScript sweeps run (long
 * runs, WebAssembly off or unavailable; under `webAssembly: 'required'` unavailable
 * throws).
 */
export function compiledPlanes({ heap, options }: HostContext, call: PlaneCall): CompiledPlanes | undefined {
  if (call.view.reducedInner > PLANE_MAX_ROW || options.webAssembly === 'off') return undefined;
  const compiled = inPlace(heap, call) ?? stagedPlanes(call.view, call.count);
  if (compiled === undefined && options.webAssembly === 'required') throw compiledBuildMissing('a statistics kernel');
  return compiled;
}

function inPlace(heap: Heap | undefined, { view, arrays, count }: PlaneCall): CompiledPlanes | undefined {
  const columns = columnsOf(view);
  if (heap === undefined || heap.scratchBytes < count * columns * 8 || !arrays.every((a) => a.buffer === heap.memory.buffer)) return undefined;
  const sweeps = planeSweeps(heap.memory);
  if (sweeps === undefined) return undefined;
  const buffer = heap.memory.buffer;
  return {
    sweeps,
    scratch: Array.from({ length: count }, (_, i) => new Float64Array(buffer, heap.scratch + i * columns * 8, columns)),
    rows: ({ inputs, outputs }, { base, rows }, sweep) => sweep([...inputs, ...outputs].map((t) => t.byteOffset + 4 * base), rows),
  };
}

/** Elements per staged chunk of one array (256 KiB: three of them stay in L2). */
const STAGE_ELEMENTS = 1 << 16;
/** Arrays one sweep stages at most (the input gradient: x, dy and dx). */
const STAGED_ARRAYS = 3;

/** The module's own memory for staged sweeps, made on first use and grown as needed. */
let staging: WebAssembly.Memory | undefined;

/** Rows per staged chunk of a plane with `columns` per row: a multiple of 4, so the sweeps group rows as over the whole plane. */
export function chunkRowsOf(columns: number): number {
  return Math.max(4, Math.floor(STAGE_ELEMENTS / columns / 4) * 4);
}

/** The sweeps on the staging memory, and where its coefficient arrays and staged rows are. */
export interface StagedSweeps {
  readonly sweeps: PlaneSweeps;
  readonly scratch: Float64Array[];
  readonly buffer: ArrayBuffer;
  /** Byte address of the staged rows, after the coefficient arrays. */
  readonly dataOffset: number;
}

/**
 * The sweeps on the staging memory, grown to `count` float64 coefficient arrays of
 * `columns` (the returned `scratch`) followed by `dataBytes` for staged rows; or
 * undefined where the module cannot run.
 */
export function stagedSweeps(columns: number, count: number, dataBytes: number): StagedSweeps | undefined {
  const dataOffset = count * columns * 8;
  staging = memoryOfAtLeast(staging, dataOffset + dataBytes);
  if (staging === undefined) return undefined;
  const sweeps = planeSweeps(staging);
  if (sweeps === undefined) return undefined;
  const buffer = staging.buffer as ArrayBuffer;
  const scratch = Array.from({ length: count }, (_, i) => new Float64Array(buffer, i * columns * 8, columns));
  return { sweeps, scratch, buffer, dataOffset };
}

function stagedPlanes(view: StatisticsView, count: number): CompiledPlanes | undefined {
  const columns = columnsOf(view);
  const chunkRows = chunkRowsOf(columns);
  const staged = stagedSweeps(columns, count, STAGED_ARRAYS * chunkRows * columns * 4);
  if (staged === undefined) return undefined;
  const { sweeps, scratch, buffer, dataOffset } = staged;
  const chunks = Array.from({ length: STAGED_ARRAYS }, (_, i) => new Float32Array(buffer, dataOffset + i * chunkRows * columns * 4, chunkRows * columns));
  return {
    sweeps,
    scratch,
    rows: ({ inputs, outputs }, { base, rows: planeRows }, sweep) => {
      const addresses = chunks.slice(0, inputs.length + outputs.length).map((chunk) => chunk.byteOffset);
      for (let a = 0; a < planeRows; a += chunkRows) {
        const rows = Math.min(chunkRows, planeRows - a);
        const start = base + a * columns;
        const end = start + rows * columns;
        inputs.forEach((t, i) => (chunks[i] as Float32Array).set(t.subarray(start, end)));
        sweep(addresses, rows);
        outputs.forEach((t, i) => t.set((chunks[inputs.length + i] as Float32Array).subarray(0, rows * columns), start));
      }
    },
  };
}

/** The call's per-column float64 arrays: the compiled call's scratch, else fresh ones. */
export function columnArrays(compiled: CompiledPlanes | undefined, view: StatisticsView, count: number): Float64Array[] {
  return compiled?.scratch ?? Array.from({ length: count }, () => new Float64Array(columnsOf(view)));
}

/** `heapScratch` of a kernel whose plane path takes `count` coefficient arrays. */
export function planeScratch(count: number): NonNullable<HostKernel['heapScratch']> {
  return (inputs, attrs) => {
    const x = inputs.x;
    if (x === undefined) return 0;
    const view = statisticsViewOf(attrs, x);
    return view.reducedInner <= PLANE_MAX_ROW ? count * columnsOf(view) * 8 : 0;
  };
}
