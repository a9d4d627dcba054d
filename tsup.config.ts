import { defineConfig } from 'tsup';

// ESM and CJS bundles with declarations for two entries: `featstats` (the ops) and
// `featstats/layers` (tfjs-layers Layers over them). tfjs stays external (peer
// dependencies: two copies of tfjs-core in one app break kernel registries), and the
// module tops of the main entry are free of calls, so bundlers can drop every op a
// consumer does not import. Code the two entries share goes into shared chunks in both
// formats (tsup's splitting, also for CJS), so state such as `setFastPaths` exists once
// even when an app loads both entries.
export default defineConfig({
  entry: { index: 'src/index.ts', layers: 'src/layers/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  target: 'es2020',
  external: [/^@tensorflow\//],
});
