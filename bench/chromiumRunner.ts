/**
 * Runs the suite in Debian's headless Chromium (no browser download): bundles page.ts
 * with esbuild, serves it and the wasm binaries from localhost (a secure context, which
 * WebGPU needs), and drives one fresh browser and page per backend through
 * `window.runBench`, printing the page's progress lines.
 */
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright';

import type { BackendName, RunProfile } from './config';
import type { PageRequest, PageResult } from './page';

export const CHROMIUM_PATH = '/usr/bin/chromium';

// SwiftShader gives WebGL2 with float32 textures; the networking flags keep Chromium from
// reaching for hosts this machine cannot reach (as vitest.config.ts).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless=new',
  // window.gc, for the full collection before each measurement (harness.ts).
  '--js-flags=--expose-gc',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

// WebGPU on SwiftShader's Vulkan (as vitest.config.ts): with --enable-unsafe-webgpu alone an
// adapter appears but synchronous reads return zeros and lose the device. webgpu gets a
// browser of its own so that these flags cannot change what the webgl and wasm pages measure.
const WEBGPU_ARGS = [...CHROMIUM_ARGS, '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader'];

/** This checkout's cache folder, which scripts/run-ts.mjs names (bundles and --quick output). */
export const RUN_CACHE = process.env.FEATSTATS_RUN_CACHE ?? 'node_modules/.cache/featstats';

const BUNDLE = path.join(RUN_CACHE, 'bench-page.js');
const PAGE = '<!doctype html><meta charset="utf-8"><title>featstats bench</title><script type="module" src="/bench-page.js"></script>';
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

/** Serves the page, its bundle and files under node_modules/ (the wasm binaries). */
async function serve(root: string): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = url === '/' ? null : url === '/bench-page.js' ? path.resolve(root, BUNDLE) : path.join(root, url);
    if (file !== null && !file.startsWith(path.join(root, 'node_modules'))) {
      response.writeHead(404).end();
      return;
    }
    const body = file === null ? Promise.resolve(Buffer.from(PAGE)) : readFile(file);
    body.then(
      (data) => response.writeHead(200, { 'content-type': TYPES[file === null ? '.html' : path.extname(file)] ?? 'application/octet-stream' }).end(data),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

export interface ChromiumRun {
  readonly chromium: string;
  readonly results: Map<BackendName, PageResult>;
}

export async function runChromium(backends: readonly BackendName[], profileOf: (backend: BackendName) => RunProfile, ops: readonly string[], log: (line: string) => void): Promise<ChromiumRun> {
  const root = process.cwd();
  await build({ entryPoints: ['bench/page.ts'], bundle: true, format: 'esm', platform: 'browser', outfile: BUNDLE, logLevel: 'warning' });
  const server = await serve(root);
  const launch = (backend: BackendName) => chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: backend === 'webgpu' ? WEBGPU_ARGS : CHROMIUM_ARGS });
  try {
    const results = new Map<BackendName, PageResult>();
    let version = '';
    for (const backend of backends) {
      // A fresh browser per backend: each page starts from the same state, and webgpu's flags stay its own.
      const browser = await launch(backend);
      try {
        version = browser.version();
        const page = await browser.newPage();
        page.on('pageerror', (error) => log(`chromium page error: ${error.message}`));
        await page.exposeFunction('benchLog', (line: string) => log(`chromium-${backend} ${line}`));
        await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
        await page.waitForFunction(() => typeof window.runBench === 'function');
        const request: PageRequest = { backend, profile: profileOf(backend), ops };
        results.set(backend, await page.evaluate((r) => window.runBench(r), request));
      } finally {
        await browser.close();
      }
    }
    return { chromium: version, results };
  } finally {
    server.close();
  }
}
