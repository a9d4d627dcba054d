import { playwright } from '@vitest/browser-playwright';
import { existsSync } from 'node:fs';
import { defineConfig, type TestProjectConfiguration } from 'vitest/config';

// One suite definition, several backends: every test file under test/ runs in the node
// project on cpu and wasm, and (except *.node.test.ts, which need Node APIs) in the
// browser project on webgl and in the webgpu project on webgpu, both in Debian's headless
// Chromium (see test/helpers/backends.ts, which reads the project's backend through
// vitest's `provide`/`inject`).
// Nothing here loads tfjs's own gradients, so every gradient a test sees comes from
// featstats' customGrads (files that need tfjs's gradients import them themselves).

// SwiftShader gives WebGL2 with float32 textures; the networking flags keep Chromium from
// reaching for hosts this machine cannot reach.
const chromiumArgs = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

// WebGPU on SwiftShader's Vulkan (ENVIRONMENT.md, "WebGPU in headless Chromium"): with
// --enable-unsafe-webgpu alone an adapter appears but synchronous reads return zeros and
// lose the device; the Vulkan flags make them match `await data()` bit for bit.
const webgpuChromiumArgs = [...chromiumArgs, '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader'];

/**
 * Test files that only one project runs: kernel internals of one backend
 * (`*.browser.test.ts`: webgl; `*.webgpu.test.ts`: webgpu) and files that need Node APIs.
 */
export const PROJECT_ONLY = {
  node: 'test/**/*.node.test.ts',
  browser: 'test/**/*.browser.test.ts',
  webgpu: 'test/**/*.webgpu.test.ts',
} as const;

// Whether the browser projects (browser: webgl; webgpu) can run here (tested by
// test/config/chromium.node.test.ts, which imports these exports). A newcomer's `npm test`
// on a machine without Chromium runs the node project and skips both browser projects
// with a notice naming the command that enables them; .ci/run sets
// FEATSTATS_REQUIRE_BROWSER=1, under which that is an error.

/** Debian's Chromium, which `.ci/run` installs; `FEATSTATS_CHROMIUM` overrides it. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The one command that installs the browser the browser projects run in. */
export const INSTALL_CHROMIUM = 'sudo apt-get install chromium';

/** What to do with the browser projects. */
export type BrowserPlan = { run: true; executablePath: string } | { run: false; notice: string };

/**
 * Decides from the environment and the file system whether the browser projects run.
 *
 * @param env `process.env` (read: `FEATSTATS_CHROMIUM`, `FEATSTATS_REQUIRE_BROWSER`).
 * @param exists Whether a path exists (`fs.existsSync`).
 * @throws If `FEATSTATS_REQUIRE_BROWSER=1` and there is no Chromium at the path.
 */
export function browserPlan(env: Record<string, string | undefined>, exists: (path: string) => boolean): BrowserPlan {
  const executablePath = env.FEATSTATS_CHROMIUM ?? DEFAULT_CHROMIUM;
  if (exists(executablePath)) return { run: true, executablePath };
  const missing = `no Chromium at ${executablePath}`;
  if (env.FEATSTATS_REQUIRE_BROWSER === '1') {
    throw new Error(`featstats: FEATSTATS_REQUIRE_BROWSER=1 but ${missing}; install it with: ${INSTALL_CHROMIUM}`);
  }
  return {
    run: false,
    notice: [
      `featstats: SKIPPED the browser test projects (every suite on webgl and on webgpu in headless Chromium): ${missing}.`,
      `  Enable it with: ${INSTALL_CHROMIUM}    (or point FEATSTATS_CHROMIUM at a Chromium binary)`,
    ].join('\n'),
  };
}

// No Chromium (a fresh machine): the browser projects are left out with a notice, printed
// now and again after the run; under FEATSTATS_REQUIRE_BROWSER=1 (.ci/run) this throws.
const browser = browserPlan(process.env, existsSync);
// Vitest evaluates this file more than once per run: print the notice once at the start.
const printed = Symbol.for('featstats.browserNoticePrinted');
if (!browser.run && process.env.VITEST_WORKER_ID === undefined && !(globalThis as Record<symbol, unknown>)[printed]) {
  (globalThis as Record<symbol, unknown>)[printed] = true;
  console.warn(`\n${browser.notice}\n`);
}

/** A project running every suite in headless Chromium on `backend` (read by test/helpers/backends.ts). */
function chromiumProject(name: 'browser' | 'webgpu', backend: 'webgl' | 'webgpu', executablePath: string, args: string[]): TestProjectConfiguration {
  const others = Object.entries(PROJECT_ONLY).filter(([project]) => project !== name).map(([, glob]) => glob);
  return {
    extends: true,
    test: {
      name,
      include: ['test/**/*.test.ts'],
      exclude: others,
      provide: { featstatsBrowserBackend: backend },
      browser: {
        enabled: true,
        headless: true,
        instances: [{ browser: 'chromium' }],
        provider: playwright({ launchOptions: { executablePath, args } }),
      },
    },
  };
}

// The same suites on webgl (browser) and on webgpu, each in its own Chromium.
const browserProjects: TestProjectConfiguration[] = browser.run
  ? [chromiumProject('browser', 'webgl', browser.executablePath, chromiumArgs), chromiumProject('webgpu', 'webgpu', browser.executablePath, webgpuChromiumArgs)]
  : [];

export default defineConfig({
  // Without this list Vite discovers these dependencies mid-run and reloads the page.
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-core/dist/register_all_gradients',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-webgpu/dist/version',
      '@tensorflow/tfjs-layers',
      'fast-check',
    ],
  },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    ...(browser.run ? {} : { reporters: ['default', { onTestRunEnd: () => console.warn(`\n${browser.notice}\n`) }] }),
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          // *.browser.test.ts and *.webgpu.test.ts test what exists only in a browser (the
          // webgl and webgpu kernels' internals).
          exclude: [PROJECT_ONLY.browser, PROJECT_ONLY.webgpu],
          environment: 'node',
          // Each file gets a fresh tfjs registry: coreOnly.test.ts must see no tfjs
          // gradients even though withTfjsGradients.test.ts registers them all.
          isolate: true,
        },
      },
      ...browserProjects,
    ],
  },
});
