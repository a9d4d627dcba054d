/**
 * The embedded WebAssembly modules are the builds of the C sources in this repository:
 * an edit of a source without `npm run build:wasm` fails here (the build needs clang,
 * which CI does not install, so the check is on each source's hash). Each module also
 * fits a synchronous compile on a browser's main thread (4 KiB).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { BOTTLENECK_SOURCE_SHA256, BOTTLENECK_WASM } from '../../src/_internal/kernels/host/compiled/bottleneckBinary';
import { CORRUPTION_SOURCE_SHA256, CORRUPTION_WASM } from '../../src/_internal/kernels/host/compiled/corruptionBinary';
import { MATRIX_PRODUCT_SOURCE_SHA256, MATRIX_PRODUCT_WASM } from '../../src/_internal/kernels/host/compiled/matrixProductBinary';
import { PLANE_SWEEPS_SOURCE_SHA256, PLANE_SWEEPS_WASM } from '../../src/_internal/kernels/host/compiled/planeSweepsBinary';
import { RUN_SWEEPS_SOURCE_SHA256, RUN_SWEEPS_WASM } from '../../src/_internal/kernels/host/compiled/runSweepsBinary';
import { RADIX_SORT_SOURCE_SHA256, RADIX_SORT_WASM } from '../../src/_internal/kernels/host/compiled/radixSortBinary';
import { SMOOTHING_SOURCE_SHA256, SMOOTHING_WASM } from '../../src/_internal/kernels/host/compiled/smoothingBinary';

const MODULES = [
  { source: 'radixSort.c', hash: RADIX_SORT_SOURCE_SHA256, base64: RADIX_SORT_WASM },
  { source: 'planeSweeps.c', hash: PLANE_SWEEPS_SOURCE_SHA256, base64: PLANE_SWEEPS_WASM },
  { source: 'runSweeps.c', hash: RUN_SWEEPS_SOURCE_SHA256, base64: RUN_SWEEPS_WASM },
  { source: 'matrixProduct.c', hash: MATRIX_PRODUCT_SOURCE_SHA256, base64: MATRIX_PRODUCT_WASM },
  { source: 'smoothing.c', hash: SMOOTHING_SOURCE_SHA256, base64: SMOOTHING_WASM },
  { source: 'bottleneck.c', hash: BOTTLENECK_SOURCE_SHA256, base64: BOTTLENECK_WASM },
  { source: 'corruption.c', hash: CORRUPTION_SOURCE_SHA256, base64: CORRUPTION_WASM },
];

for (const { source, hash, base64 } of MODULES) {
  describe(source, () => {
    it('the embedded module was built from the source as it is now', () => {
      const text = readFileSync(fileURLToPath(new URL(`../../src/_internal/kernels/host/compiled/${source}`, import.meta.url)));
      expect(createHash('sha256').update(text).digest('hex')).toBe(hash);
    });

    it('the module fits a synchronous compile on a browser main thread (4 KiB)', () => {
      const bytes = Buffer.from(base64, 'base64');
      expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d])); // "\0asm"
      expect(bytes.length).toBeLessThanOrEqual(4096);
    });
  });
}
