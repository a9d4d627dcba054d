/**
 * Runs the suite in Debian's headless Chromium (no browser download): bundles page.ts
 * with esbuild, serves it and the wasm binaries from localhost, and drives one fresh page
 * per backend through `window.runBench`, printing the page's progress lines.
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

const BUNDLE = 'node_modules/.cache/featstats/bench-page.js';
const PAGE = '<!doctype html><meta charset="utf-8"><title>featstats bench</title><script type="module" src="/bench-page.js"></script>';
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

/** Serves the page, its bundle and files under node_modules/ (the wasm binaries). */
async function serve(root: string): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = url === '/' ? null : url === '/bench-page.js' ? path.join(root, BUNDLE) : path.join(root, url);
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
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  try {
    const results = new Map<BackendName, PageResult>();
    for (const backend of backends) {
      const page = await browser.newPage();
      page.on('pageerror', (error) => log(`chromium page error: ${error.message}`));
      await page.exposeFunction('benchLog', (line: string) => log(`chromium-${backend} ${line}`));
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => typeof window.runBench === 'function');
      const request: PageRequest = { backend, profile: profileOf(backend), ops };
      results.set(backend, await page.evaluate((r) => window.runBench(r), request));
      await page.close();
    }
    return { chromium: browser.version(), results };
  } finally {
    await browser.close();
    server.close();
  }
}
