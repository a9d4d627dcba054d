/**
 * Runs the suite in this Node process on cpu or wasm. Bundled by esbuild (see
 * `npm run bench`): plain Node cannot import tfjs's gradient registrations, which the
 * composites need.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';

import type { BackendName } from './config';
import { runSuite, type SuiteOptions } from './suite';
import type { SuiteOutput } from './types';

/** The wasm binaries: the package's dist folder, with the trailing slash setWasmPaths needs. */
function wasmDirectory(): string {
  const require = createRequire(import.meta.url);
  return `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`;
}

export async function runNodeBackend(backend: BackendName, options: SuiteOptions): Promise<SuiteOutput> {
  if (backend === 'wasm') setWasmPaths(wasmDirectory());
  if (!(await tf.setBackend(backend))) throw new Error(`bench: backend ${backend} failed to initialise in Node`);
  await tf.ready();
  return runSuite(options);
}
