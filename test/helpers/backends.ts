/**
 * Backend selection for every suite, in one place: each suite is written once and run
 * once per backend. In Node that is cpu and wasm; in the browser project, webgl; in the
 * webgpu project, webgpu (cpu and wasm are already covered in Node, and SwiftShader makes
 * every GPU run slow). vitest.config.ts names each browser project's backend with
 * `provide`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject } from 'vitest';

import { setFastPaths } from '../../src';
import { setSuiteRunFactor } from './properties';

export type BackendName = 'cpu' | 'wasm' | 'webgl' | 'webgpu';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The backend of a browser project (vitest.config.ts); absent in the node project. */
    featstatsBrowserBackend: 'webgl' | 'webgpu';
  }
}

const inBrowser = typeof window !== 'undefined';

/** Backends every suite runs on in this environment. */
export const BACKENDS: readonly BackendName[] = inBrowser ? [inject('featstatsBrowserBackend') ?? 'webgl'] : ['cpu', 'wasm'];

/** The GPU backends, whose suites run on SwiftShader (a CPU emulation) in CI. */
export const isGpuBackend = (backend: string): boolean => backend === 'webgl' || backend === 'webgpu';

/** Where the wasm binaries live: the package's dist folder, with a trailing slash. */
async function wasmDirectory(): Promise<string> {
  if (inBrowser) return '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  const require = createRequire(import.meta.url);
  return `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`;
}

/** Imports (registers) a backend package and makes it the active backend. */
export async function useBackend(name: BackendName): Promise<void> {
  if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  if (name === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu');
    // tfjs runs kernels whose inputs are all still on the CPU and under 1000 elements with
    // the cpu backend's code (ENVIRONMENT.md): the suites' small inputs would never reach
    // the GPU, so neither tfjs's webgpu kernels nor the composites built from them would
    // be tested there. (featstats' own kernels always run on the GPU.)
    tf.env().set('WEBGPU_CPU_FORWARD', false);
  }
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(await wasmDirectory());
  }
  // Outputs a host kernel declares fully written start as NaN rather than stale memory.
  const { setHostOptions } = await import('../../src/_internal/kernels/host/options');
  setHostOptions({ poisonFilledOutputs: true });
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to initialise`);
  await tf.ready();
  if (name === 'webgpu') listenForWebgpuErrors();
}

/** The slice of a GPUDevice the error net uses (no @webgpu/types here). */
interface ErrorReportingDevice {
  addEventListener(type: 'uncapturederror', listener: (event: { error: { message: string } }) => void): void;
  readonly queue: { onSubmittedWorkDone(): Promise<void> };
}

const webgpuErrors: string[] = [];
let listeningTo: ErrorReportingDevice | undefined;

function webgpuDevice(): ErrorReportingDevice {
  const device = (tf.findBackend('webgpu') as unknown as { device?: ErrorReportingDevice } | null)?.device;
  if (device === undefined) throw new Error('the webgpu backend has no device');
  return device;
}

/**
 * WebGPU reports a bad program (a WGSL error, a bind group that does not match, too many
 * buffers) on the device's `uncapturederror` event and rejects the whole command buffer:
 * no exception, and every tensor computed in it keeps stale data, which a test comparing
 * two such tensors can mistake for agreement. So every error is collected here and
 * {@link expectNoWebgpuErrors} fails the test during which one arrived.
 */
function listenForWebgpuErrors(): void {
  const device = webgpuDevice();
  if (listeningTo === device) return;
  listeningTo = device;
  device.addEventListener('uncapturederror', (event) => webgpuErrors.push(event.error.message));
}

/** The errors the webgpu device reported since the last call (after waiting for submitted work). */
export async function takeWebgpuErrors(): Promise<string[]> {
  if (listeningTo === undefined) return [];
  await listeningTo.queue.onSubmittedWorkDone();
  return webgpuErrors.splice(0);
}

/** Fails if the webgpu device reported an error since the last call. */
export async function expectNoWebgpuErrors(): Promise<void> {
  const errors = await takeWebgpuErrors();
  expect(errors.length, `WebGPU device errors, the first: ${errors.slice(0, 2).join(' | ')}`).toBe(0);
}

/** Options of {@link describeBackends}. */
export interface SuiteOptions {
  /**
   * The op reaches fused kernels (`src/_internal/kernels`): run the suite a second time
   * per backend with fast paths off, so the composites pass the same properties and the
   * two paths are held to the same references and tolerances.
   */
  readonly bothPaths?: boolean;
}

/**
 * Defines `suite` once per backend in {@link BACKENDS}, each in its own describe block
 * (`[cpu]`, fast paths on), and with `bothPaths` once more per backend with fast paths
 * off (`[cpu, composite]`; on webgl with a quarter of the property runs, see
 * `setSuiteRunFactor`).
 */
export function describeBackends(title: string, suite: (backend: BackendName) => void, options: SuiteOptions = {}): void {
  const paths = options.bothPaths === true ? [true, false] : [true];
  for (const backend of BACKENDS) {
    for (const fast of paths) {
      describe(`${title} [${backend}${fast ? '' : ', composite'}]`, () => {
        beforeAll(async () => {
          await useBackend(backend);
          setFastPaths(fast);
          setSuiteRunFactor(suiteRunFactor(backend, fast));
        });
        if (backend === 'webgpu') afterEach(expectNoWebgpuErrors);
        afterAll(() => {
          setFastPaths(true);
          setSuiteRunFactor(1);
        });
        suite(backend);
      });
    }
  }
}

/**
 * The share of each property's runs a suite takes (`setSuiteRunFactor`). The composite
 * pass on webgl takes a quarter: the composites already run every property in full on cpu
 * and wasm. WebGPU on SwiftShader is slower still per call (each program is a compute
 * pass emulated on the CPU, its pipeline compiled by SwiftShader on first use): its fused
 * pass takes half the runs and its composite pass an eighth, which keeps the webgpu
 * project near the webgl one's time in CI (.ci/run measures it) while every property
 * still runs at least once per path.
 */
export function suiteRunFactor(backend: BackendName, fast: boolean): number {
  if (backend === 'webgpu') return fast ? 0.5 : 0.125;
  return !fast && backend === 'webgl' ? 0.25 : 1;
}

/** {@link describeBackends} with `bothPaths`: for ops that reach fused kernels. */
export function describeBackendsBothPaths(title: string, suite: (backend: BackendName) => void): void {
  describeBackends(title, suite, { bothPaths: true });
}

/**
 * Runs `body` with fast paths on and then off, returning both results read back, with
 * their shapes (the kernel suites compare a fused kernel with its composite this way).
 */
export async function bothPaths(body: () => tf.Tensor | tf.Tensor[]): Promise<{ fused: Float32Array[]; composite: Float32Array[]; fusedShapes: number[][]; compositeShapes: number[][] }> {
  const read = async (fast: boolean) => {
    setFastPaths(fast);
    try {
      const result = body();
      const outputs = Array.isArray(result) ? result : [result];
      const values = await Promise.all(outputs.map(async (t) => (await t.data()) as Float32Array));
      const shapes = outputs.map((t) => t.shape);
      tf.dispose(outputs);
      return { values, shapes };
    } finally {
      setFastPaths(true);
    }
  };
  const fused = await read(true);
  const composite = await read(false);
  return { fused: fused.values, composite: composite.values, fusedShapes: fused.shapes, compositeShapes: composite.shapes };
}
