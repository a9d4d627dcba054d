/**
 * EFDMix's row mix (`src/_internal/kernels/efdm/host/mixRow.ts`) on both of the sort's
 * engines: through the WebAssembly module's `mix` where the row sits in its memory, and
 * the TypeScript loop otherwise.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { mixRow } from '../../src/_internal/kernels/efdm/host/mixRow';
import { scratchFor } from '../../src/_internal/kernels/sort/host/radixSort';
import { sortRowValues } from '../helpers/arbitraries';
import { engineOptions, referenceOrder } from '../helpers/hostEngines';
import { runs } from '../helpers/properties';

describe('EFDMix row mix', () => {
  // From first principles: float32 products, then their float32 sum, scattered through a
  // permutation; every element written once.
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
          for (const engine of ['required', 'off'] as const) {
            const out = new Float32Array(n).fill(Number.NaN);
            mixRow(scratchFor(n, engineOptions(engine)), { own: bitsOf(own), theirs: bitsOf(theirs), order, out: bitsOf(out) }, { partner: wPartner, self: wSelf });
            const at = out.findIndex((v, i) => !Object.is(v, expected[i]));
            expect(at === -1 ? 'mixed' : `${engine} differs at ${at}: ${out[at]}, expected ${expected[at]}`).toBe('mixed');
          }
        },
      ),
      runs(60),
    );
  });

});
