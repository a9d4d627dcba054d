/**
 * randomMask's mask draw in WebAssembly (`../../host/compiled/corruption.c`): the same
 * generator and the same partial Fisher–Yates as the TypeScript draw
 * (`src/corruptions/randomMask.ts`), so the same masks bit for bit, in about a quarter
 * of the time (bench/README.md, "Design measurements"). It runs in a memory of its own,
 * whatever the backend: the draw is host work on every backend.
 *
 * The xoshiro128** state lives in that memory from the seed on; each image's removed
 * count is still decided in TypeScript (`count`, from uniforms the module draws), so the
 * draw order across images (fraction, then positions) is the TypeScript draw's.
 */
import { seededState, type Uniform } from '../../../random';
import { corruption } from '../../host/compiled/corruptionModule';
import { memoryOfAtLeast } from '../../host/compiled/memoryModule';

/** The draw's memory, made on first use and grown as needed. */
let memory: WebAssembly.Memory | undefined;

/**
 * The masks `[N·L]` (1 kept, 0 removed) of `batch` images of `positions` positions from
 * `seed`, each image removing `count(uniform)` positions; undefined where the module
 * cannot run.
 */
export function drawMasksCompiled(batch: number, positions: number, count: (uniform: Uniform) => number, seed: number): Float32Array | undefined {
  // state (16 bytes), the pool (int32), then the masks.
  const atPool = 16;
  const atMask = atPool + 4 * positions;
  memory = memoryOfAtLeast(memory, atMask + 4 * batch * positions);
  const module = memory === undefined ? undefined : corruption(memory);
  if (memory === undefined || module === undefined) return undefined;
  new Uint32Array(memory.buffer, 0, 4).set(seededState(seed));
  const uniform = () => module.uniform(0);
  for (let n = 0; n < batch; n++) module.drawMask(0, atPool, atMask + 4 * n * positions, positions, count(uniform));
  return new Float32Array(memory.buffer, atMask, batch * positions).slice();
}
