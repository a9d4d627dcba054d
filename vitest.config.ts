import { playwright } from '@vitest/browser-playwright';
import { existsSync } from 'node:fs';
import { defineConfig, type TestProjectConfiguration } from 'vitest/config';

// One suite definition, several backends: every test file under test/ runs in the node
// project on cpu and wasm, and (except *.node.test.ts, which need Node APIs) in the
// browser project on webgl, in Debian's headless Chromium (see test/helpers/backends.ts).
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

// Whether the browser project can run here (tested by test/config/chromium.node.test.ts,
// which imports these exports). A newcomer's `npm test` on a machine without Chromium
// runs the node project and skips the browser one with a notice naming the command that
// enables it; .ci/run sets FEATSTATS_REQUIRE_BROWSER=1, under which that is an error.

/** Debian's Chromium, which `.ci/run` installs; `FEATSTATS_CHROMIUM` overrides it. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The one command that installs the browser the browser project runs in. */
export const INSTALL_CHROMIUM = 'sudo apt-get install chromium';

/** What to do with the browser project. */
export type BrowserPlan = { run: true; executablePath: string } | { run: false; notice: string };

/**
 * Decides from the environment and the file system whether the browser project runs.
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
      `featstats: SKIPPED the browser test project (every suite on webgl in headless Chromium): ${missing}.`,
      `  Enable it with: ${INSTALL_CHROMIUM}    (or point FEATSTATS_CHROMIUM at a Chromium binary)`,
    ].join('\n'),
  };
}

// No Chromium (a fresh machine): the browser project is left out with a notice, printed
// now and again after the run; under FEATSTATS_REQUIRE_BROWSER=1 (.ci/run) this throws.
const browser = browserPlan(process.env, existsSync);
// Vitest evaluates this file more than once per run: print the notice once at the start.
const printed = Symbol.for('featstats.browserNoticePrinted');
if (!browser.run && process.env.VITEST_WORKER_ID === undefined && !(globalThis as Record<symbol, unknown>)[printed]) {
  (globalThis as Record<symbol, unknown>)[printed] = true;
  console.warn(`\n${browser.notice}\n`);
}

// The same suites on webgl (and *.browser.test.ts, which need a browser).
const browserProjects: TestProjectConfiguration[] = browser.run
  ? [
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.node.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            instances: [{ browser: 'chromium' }],
            provider: playwright({ launchOptions: { executablePath: browser.executablePath, args: chromiumArgs } }),
          },
        },
      },
    ]
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
          // *.browser.test.ts test what exists only in a browser (the webgl kernels' internals).
          exclude: ['test/**/*.browser.test.ts'],
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
