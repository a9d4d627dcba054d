/**
 * The embedded WebAssembly sort is the build of the radixSort.c in this repository: an
 * edit of the C source without `node scripts/build-wasm.mjs` fails here (the build needs
 * clang, which CI does not install, so the check is on the source's hash).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

import { RADIX_SORT_SOURCE_SHA256, RADIX_SORT_WASM } from '../../src/_internal/kernels/host/radixSortBinary';

it('the embedded module was built from radixSort.c as it is now', () => {
  const source = readFileSync(fileURLToPath(new URL('../../src/_internal/kernels/host/radixSort.c', import.meta.url)));
  expect(createHash('sha256').update(source).digest('hex')).toBe(RADIX_SORT_SOURCE_SHA256);
});

it('the module fits a synchronous compile on a browser main thread (4 KiB)', () => {
  const bytes = Buffer.from(RADIX_SORT_WASM, 'base64');
  expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d])); // "\0asm"
  expect(bytes.length).toBeLessThanOrEqual(4096);
});
