/**
 * The benchmark page's script, bundled by chromiumRunner.ts and driven through
 * `window.runBench`: the same suite as in Node, on webgl (with a readback counter) or
 * wasm, in headless Chromium.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgl';
import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import type { BackendName, RunProfile } from './config';
import type { ReadbackCounter } from './harness';
import { runSuite } from './suite';
import type { SuiteOutput } from './types';

export interface PageRequest {
  readonly backend: BackendName;
  readonly profile: RunProfile;
  readonly ops: readonly string[];
}

export interface PageResult extends SuiteOutput {
  readonly webglRenderer: string | null;
}

declare global {
  interface Window {
    runBench: (request: PageRequest) => Promise<PageResult>;
    /** Exposed by the runner: prints a progress line in the terminal. */
    benchLog?: (line: string) => Promise<void>;
  }
}

/**
 * Counts reads of GPU data by wrapping the webgl backend's readSync and read (dataSync,
 * data, and the CPU hand-offs inside kernels such as TopK all go through them). Only the
 * outermost call counts, and only for data not already held on the CPU.
 */
function webglReadbacks(backend: MathBackendWebGL): ReadbackCounter {
  const { readSync, read } = backend;
  let count = 0;
  let depth = 0;
  const onGpu = (dataId: object) => backend.texData.get(dataId)?.values == null;
  function wrap<A extends [object], R>(original: (...args: A) => R): (...args: A) => R {
    return (...args: A) => {
      if (depth === 0 && onGpu(args[0])) count++;
      depth++;
      try {
        return original.apply(backend, args);
      } finally {
        depth--;
      }
    };
  }
  return {
    start() {
      count = 0;
      backend.readSync = wrap(readSync);
      backend.read = wrap(read);
    },
    stop() {
      backend.readSync = readSync;
      backend.read = read;
      return count;
    },
  };
}

function webglRenderer(): string | null {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (gl === null) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

window.runBench = async ({ backend, profile, ops }) => {
  if (backend === 'wasm') setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  if (!(await tf.setBackend(backend))) throw new Error(`bench: backend ${backend} failed to initialise in Chromium`);
  await tf.ready();
  const readbacks = backend === 'webgl' ? webglReadbacks(tf.backend() as MathBackendWebGL) : undefined;
  const output = await runSuite({ profile, ops, ...(readbacks ? { readbacks } : {}), log: (line) => void window.benchLog?.(line) });
  return { ...output, webglRenderer: backend === 'webgl' ? webglRenderer() : null };
};
