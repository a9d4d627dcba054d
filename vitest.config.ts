import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

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
            provider: playwright({ launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs } }),
          },
        },
      },
    ],
  },
});
