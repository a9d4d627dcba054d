/**
 * Backend selection for every suite, in one place: each suite is written once and run
 * once per backend. In Node that is cpu and wasm; in the browser project, webgl (cpu and
 * wasm are already covered in Node, and SwiftShader makes every webgl run slow).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe } from 'vitest';

import { setFastPaths } from '../../src';
import { setSuiteRunFactor } from './properties';

export type BackendName = 'cpu' | 'wasm' | 'webgl';

const inBrowser = typeof window !== 'undefined';

/** Backends every suite runs on in this environment. */
export const BACKENDS: readonly BackendName[] = inBrowser ? ['webgl'] : ['cpu', 'wasm'];

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
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(await wasmDirectory());
  }
  // Outputs a host kernel declares fully written start as NaN rather than stale memory.
  const { setHostOptions } = await import('../../src/_internal/kernels/host/options');
  setHostOptions({ poisonFilledOutputs: true });
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to initialise`);
  await tf.ready();
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
          setSuiteRunFactor(!fast && backend === 'webgl' ? 0.25 : 1);
        });
        afterAll(() => {
          setFastPaths(true);
          setSuiteRunFactor(1);
        });
        suite(backend);
      });
    }
  }
}

/** {@link describeBackends} with `bothPaths`: for ops that reach fused kernels. */
export function describeBackendsBothPaths(title: string, suite: (backend: BackendName) => void): void {
  describeBackends(title, suite, { bothPaths: true });
}
