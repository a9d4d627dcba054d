/**
 * Counts reads of GPU data back to the CPU on webgl and webgpu, as the bench does
 * (`bench/page.ts`): the backend's `readSync` and `read` are wrapped (dataSync, data and
 * the CPU hand-offs inside kernels such as tfjs's TopK all go through them); only the
 * outermost call counts, and only for data not already held on the CPU.
 */
import * as tf from '@tensorflow/tfjs-core';

/** What both GPU backends have: per-dataId records whose `values` is set once the data is on the CPU. */
interface GpuBackend {
  readSync(dataId: object): unknown;
  read(dataId: object): Promise<unknown>;
}

function valuesOnCpu(backend: object, dataId: object): boolean {
  // webgl keeps its records in texData, webgpu in tensorMap; both are tfjs DataStorage.
  const records = (backend as { texData?: tf.DataStorage<{ values?: unknown }>; tensorMap?: tf.DataStorage<{ values?: unknown }> });
  const store = records.texData ?? records.tensorMap;
  if (store === undefined) throw new Error(`readbacks: backend ${tf.getBackend()} has neither texData nor tensorMap`);
  return store.get(dataId)?.values != null;
}

/** Runs `body` and returns how many GPU → CPU reads it made on the active (GPU) backend. */
export async function countReadbacks(body: () => unknown): Promise<number> {
  const backend = tf.backend() as unknown as GpuBackend;
  const { readSync, read } = backend;
  let count = 0;
  let depth = 0;
  function wrap<R>(original: (dataId: object) => R): (dataId: object) => R {
    return (dataId: object) => {
      if (depth === 0 && !valuesOnCpu(backend, dataId)) count++;
      depth++;
      try {
        return original.call(backend, dataId);
      } finally {
        depth--;
      }
    };
  }
  backend.readSync = wrap(readSync);
  backend.read = wrap(read);
  try {
    await body();
  } finally {
    backend.readSync = readSync;
    backend.read = read;
  }
  return count;
}
