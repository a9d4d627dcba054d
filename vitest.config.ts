import { defineConfig } from 'vitest/config';

// One suite definition, several backends: every test file under test/ runs in the node
// project on cpu and wasm (see test/helpers/backends.ts). Nothing here loads tfjs's own
// gradients, so every gradient a test sees comes from featstats' customGrads.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          // Each file gets a fresh tfjs registry: coreOnly.test.ts must see no tfjs
          // gradients even though withTfjsGradients.test.ts registers them all.
          isolate: true,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
