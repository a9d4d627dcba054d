/**
 * The host radix argsort's two engines (the WebAssembly build of radixSort.c and the
 * TypeScript fallback) against a first-principles stable sort, and against each other
 * bit for bit. The row kernels' suites (rows.test.ts, efdmRows.test.ts) reach whichever
 * engine a row gets by default; this file reaches both on the same rows.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';

import { hostTesting } from '../../src/_internal/kernels/host';
import { argsortRowsHost, scratchFor } from '../../src/_internal/kernels/host/radixSort';
import { sortRowValues, type SortRowsKind } from '../helpers/arbitraries';
import { runs } from '../helpers/properties';

type Kind = SortRowsKind;

/**
 * The stable order from first principles: by value (numeric comparison, so −0 equals +0),
 * reversed when descending, ties by the lower index in both directions.
 */
function referenceOrder(values: Float32Array | Int32Array, rows: number, n: number, descending: boolean): Int32Array {
  const out = new Int32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const row = values.subarray(r * n, r * n + n);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
      const va = row[a] as number;
      const vb = row[b] as number;
      if (va !== vb) return (va < vb) !== descending ? -1 : 1;
      return a - b;
    });
    out.set(order, r * n);
  }
  return out;
}

function sortWith(engine: 'auto' | 'typescript', values: Float32Array | Int32Array, rows: number, n: number, descending: boolean): Int32Array {
  hostTesting.sortEngine = engine;
  const out = new Int32Array(rows * n).fill(-1);
  argsortRowsHost(values, values instanceof Float32Array, rows, n, descending, out);
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
  expectSameOrder('wasm', sortWith('auto', values, rows, n, descending), expected);
  expectSameOrder('typescript', sortWith('typescript', values, rows, n, descending), expected);
}

describe('host radix argsort', () => {
  afterEach(() => {
    hostTesting.sortEngine = 'auto';
  });

  it('takes the WebAssembly build for rows up to 2¹⁶ and the TypeScript sort otherwise or when forced', () => {
    expect(scratchFor(1024).engine).toBe('wasm');
    expect(scratchFor(2 ** 16).engine).toBe('wasm');
    expect(scratchFor(2 ** 16 + 1).engine).toBe('typescript');
    hostTesting.sortEngine = 'typescript';
    expect(scratchFor(1024).engine).toBe('typescript');
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
          for (const engine of ['auto', 'typescript'] as const) {
            hostTesting.sortEngine = engine;
            const s = scratchFor(n);
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

  // EFDMix's mix (efdmRows.ts), from first principles: float32 products, then their
  // float32 sum, scattered through a permutation; every element written once.
  it('both engines mix a row in float32 through its order (mix), every element written', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.tuple(fc.float({ noNaN: true }), fc.float({ noNaN: true })),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (n, [wPartner, wSelf], seed) => {
          const own = sortRowValues('spread', n, seed) as Float32Array;
          const theirs = sortRowValues('ties', n, seed + 1) as Float32Array;
          // A permutation of 0 … n − 1: the stable order of random values.
          const order = referenceOrder(sortRowValues('spread', n, seed + 2), 1, n, false);
          const expected = new Float32Array(n);
          for (let k = 0; k < n; k++) {
            expected[order[k] as number] = Math.fround(Math.fround((theirs[k] as number) * wPartner) + Math.fround((own[k] as number) * wSelf));
          }
          const bitsOf = (t: Float32Array) => new Uint32Array(t.buffer, t.byteOffset, t.length);
          for (const engine of ['auto', 'typescript'] as const) {
            hostTesting.sortEngine = engine;
            const out = new Float32Array(n).fill(Number.NaN);
            scratchFor(n).mix(bitsOf(own), bitsOf(theirs), order, wPartner, wSelf, bitsOf(out));
            const at = out.findIndex((v, i) => !Object.is(v, expected[i]));
            expect(at === -1 ? 'mixed' : `${engine} differs at ${at}: ${out[at]}, expected ${expected[at]}`).toBe('mixed');
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
