/**
 * The host radix argsort's two engines (the WebAssembly build of radixSort.c and the
 * TypeScript fallback) against a first-principles stable sort, and against each other
 * bit for bit. The row kernels' suites (sort.test.ts, efdm.test.ts) reach whichever
 * engine a row gets by default; this file reaches both on the same rows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { DEFAULT_HOST_OPTIONS } from '../../src/_internal/kernels/host/options';
import { scratchFor, sortRows } from '../../src/_internal/kernels/sort/host/radixSort';
import { sortRowValues, type SortRowsKind } from '../helpers/arbitraries';
import { engineOptions, referenceOrder } from '../helpers/hostEngines';
import { runs } from '../helpers/properties';

type Kind = SortRowsKind;

function sortWith(engine: 'required' | 'off', values: Float32Array | Int32Array, rows: number, n: number, descending: boolean): Int32Array {
  const out = new Int32Array(rows * n).fill(-1);
  sortRows(values, out, { rows, length: n, isFloat: values instanceof Float32Array, descending }, engineOptions(engine));
  return out;
}

interface Case {
  readonly rows: number;
  readonly n: number;
  readonly kind: Kind;
  readonly descending: boolean;
  readonly seed: number;
}

/** Names the first position where the orders differ (a whole-array diff of 2¹⁶ elements takes minutes). */
function expectSameOrder(engine: string, actual: Int32Array, expected: Int32Array): void {
  const at = actual.findIndex((v, k) => v !== expected[k]);
  const verdict = at === -1 ? 'same order' : `${engine} differs at ${at}: ${actual[at]}, expected ${expected[at]}`;
  expect(verdict).toBe('same order');
}

function expectEnginesMatchReference({ rows, n, kind, descending, seed }: Case): void {
  const values = sortRowValues(kind, rows * n, seed);
  const expected = referenceOrder(values, rows, n, descending);
  expectSameOrder('wasm', sortWith('required', values, rows, n, descending), expected);
  expectSameOrder('typescript', sortWith('off', values, rows, n, descending), expected);
}

describe('host radix argsort', () => {
  it('takes the WebAssembly build for rows up to 2¹⁶ and the TypeScript sort otherwise or when forced', () => {
    expect(scratchFor(1024, DEFAULT_HOST_OPTIONS).engine).toBe('wasm');
    expect(scratchFor(2 ** 16, DEFAULT_HOST_OPTIONS).engine).toBe('wasm');
    expect(scratchFor(2 ** 16 + 1, DEFAULT_HOST_OPTIONS).engine).toBe('typescript');
    expect(scratchFor(1024, engineOptions('off')).engine).toBe('typescript');
  });

  it('both engines give the stable order, in both directions (insertion and radix lengths)', () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 4 }),
          n: fc.oneof(fc.integer({ min: 1, max: 33 }), fc.integer({ min: 34, max: 400 })),
          kind: fc.constantFrom<Kind>('ties', 'spread', 'int32'),
          descending: fc.boolean(),
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        }),
        expectEnginesMatchReference,
      ),
      runs(100),
    );
  });

  // 2¹⁶ is the longest row whose index fits a key's spent low 16 bits (the WebAssembly
  // build's packed passes) and the longest the WebAssembly build takes.
  it('both engines give the stable order at the packing limit, 2¹⁶', () => {
    for (const kind of ['ties', 'spread', 'int32'] as const) {
      for (const descending of [false, true]) expectEnginesMatchReference({ rows: 1, n: 2 ** 16, kind, descending, seed: 7 });
    }
  });

  // The orders themselves are checked above; this holds the gather to them.
  it('both engines gather the row in its order (gatherSorted), bit patterns kept, NaN included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.constantFrom<Kind>('ties', 'spread', 'int32'),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (n, kind, descending, seed) => {
          const values = sortRowValues(kind, n, seed);
          const bits = new Uint32Array(values.buffer, values.byteOffset, n);
          // A NaN pattern among the bits: the gather moves patterns, it never reads values.
          if (kind === 'spread') bits[seed % n] = 0x7fc00001;
          for (const engine of ['required', 'off'] as const) {
            const s = scratchFor(n, engineOptions(engine));
            s.rowBits.set(bits);
            s.argsort(kind !== 'int32', descending ? 0xffffffff : 0);
            s.gatherSorted();
            const verdict = Array.from(s.rowSorted).every((b, k) => b === bits[s.rowOrder[k] as number]) ? 'sorted bits' : `${s.engine} gathered other bits`;
            expect(verdict).toBe('sorted bits');
          }
        },
      ),
      runs(60),
    );
  });

  it('rows sorted one after another of different lengths keep their own buffers', () => {
    // Growing the module's memory for a longer row detaches the views of a shorter one.
    for (const n of [40, 3000, 40, 60000, 100]) expectEnginesMatchReference({ rows: 2, n, kind: 'spread', descending: false, seed: n });
  });
});
