/**
 * The benchmark page's script, bundled by chromiumRunner.ts and driven through
 * `window.runBench`: the same suite as in Node, on webgl or webgpu (with a readback
 * counter) or wasm, in headless Chromium.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
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
  /** The GPU as the page sees it: WebGL's unmasked renderer, or the WebGPU adapter's vendor and architecture. */
  readonly renderer: string | null;
}

declare global {
  interface Window {
    runBench: (request: PageRequest) => Promise<PageResult>;
    /** Exposed by the runner: prints a progress line in the terminal. */
    benchLog?: (line: string) => Promise<void>;
  }
}

/** What both GPU backends have: per-dataId records (webgl's texData, webgpu's tensorMap) whose `values` is set once the data is on the CPU. */
interface GpuBackend {
  readSync(dataId: object): unknown;
  read(dataId: object): Promise<unknown>;
  readonly texData?: tf.DataStorage<{ values?: unknown }>;
  readonly tensorMap?: tf.DataStorage<{ values?: unknown }>;
}

/**
 * Counts reads of GPU data by wrapping the webgl or webgpu backend's readSync and read
 * (dataSync, data, and the CPU hand-offs inside kernels such as TopK all go through
 * them). Only the outermost call counts, and only for data not already held on the CPU.
 */
function gpuReadbacks(backend: GpuBackend): ReadbackCounter {
  const { readSync, read } = backend;
  const records = backend.texData ?? backend.tensorMap;
  if (records === undefined) throw new Error(`bench: backend ${tf.getBackend()} has neither texData nor tensorMap`);
  let count = 0;
  let depth = 0;
  const onGpu = (dataId: object) => records.get(dataId)?.values == null;
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

/** The slice of the WebGPU API read here (the page is compiled without @webgpu/types). */
interface WebGpuNavigator {
  readonly gpu?: { requestAdapter(): Promise<{ readonly info?: { readonly vendor: string; readonly architecture: string; readonly description: string } } | null> };
}

async function webgpuAdapter(): Promise<string | null> {
  const adapter = await (navigator as WebGpuNavigator).gpu?.requestAdapter();
  const info = adapter?.info;
  if (info === undefined) return null;
  return [info.vendor, info.architecture, info.description].filter((part) => part !== '').join(' ') || null;
}

window.runBench = async ({ backend, profile, ops }) => {
  if (backend === 'wasm') setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  if (!(await tf.setBackend(backend))) throw new Error(`bench: backend ${backend} failed to initialise in Chromium`);
  await tf.ready();
  const readbacks = backend === 'webgl' || backend === 'webgpu' ? gpuReadbacks(tf.backend() as unknown as GpuBackend) : undefined;
  const output = await runSuite({ profile, ops, ...(readbacks ? { readbacks } : {}), log: (line) => void window.benchLog?.(line) });
  const renderer = backend === 'webgl' ? webglRenderer() : backend === 'webgpu' ? await webgpuAdapter() : null;
  return { ...output, renderer };
};
