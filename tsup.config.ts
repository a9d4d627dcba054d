import { defineConfig } from 'tsup';

// One ESM and one CJS bundle with declarations. tfjs stays external (it is a peer
// dependency: two copies of tfjs-core in one app break kernel registries), and the
// module tops are free of calls, so bundlers can drop every op a consumer does not import.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  treeshake: true,
  target: 'es2020',
  external: [/^@tensorflow\//],
});
