/**
 * The host kernels' two engines in tests: host options with the WebAssembly builds
 * required (where they apply) or off, and the stable order from first principles that
 * both must give.
 */
import { DEFAULT_HOST_OPTIONS, setHostOptions, type HostOptions } from '../../src/_internal/kernels/host/options';

/** One of the host kernels' two engines: the WebAssembly builds required (where they apply), or off. */
export type Engine = 'required' | 'off';

/** The host options with the WebAssembly builds required (where they apply) or off. */
export function engineOptions(engine: Engine): HostOptions {
  return { ...DEFAULT_HOST_OPTIONS, webAssembly: engine };
}

/** `body`'s result with the host kernels' WebAssembly builds required or off; the options before are restored after. */
export async function withEngine<T>(engine: Engine, body: () => T | Promise<T>): Promise<T> {
  const previous = setHostOptions(engineOptions(engine));
  try {
    return await body();
  } finally {
    setHostOptions(previous);
  }
}

/**
 * The stable order from first principles: by value (numeric comparison, so −0 equals +0),
 * reversed when descending, ties by the lower index in both directions.
 */
export function referenceOrder(values: Float32Array | Int32Array, rows: number, n: number, descending: boolean): Int32Array {
  const out = new Int32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const row = values.subarray(r * n, r * n + n);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
      const va = row[a] as number;
      const vb = row[b] as number;
      if (va !== vb) return (va < vb) !== descending ? -1 : 1;
      return a - b;
    });
    out.set(order, r * n);
  }
  return out;
}
