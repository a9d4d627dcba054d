/**
 * randomMask's compiled draw (`corruption.c`) against the TypeScript draw, its reference:
 * the same masks bit for bit for many seeds, sizes, fixed fractions (0 and 1 included) and
 * ranges (whose per-image fraction draws interleave with the position draws), and the
 * host options choosing between them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { drawMasks, drawMasksTypeScript } from '../../src/corruptions/randomMask';
import { engineOptions } from '../helpers/hostEngines';
import { runs } from '../helpers/properties';

const bits = (masks: Float32Array) => new Uint32Array(masks.buffer, masks.byteOffset, masks.length);

const fraction = fc.oneof(
  fc.constantFrom<[number, number]>([0, 0], [1, 1], [0, 1], [0.5, 0.5], [0.29, 0.29], [0.99, 0.99]),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })).map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a])),
  fc.double({ min: 0, max: 1, noNaN: true }).map((f): [number, number] => [f, f]),
);

describe('randomMask compiled draw', () => {
  it('draws the TypeScript masks bit for bit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 41, max: 5000 })),
        fraction,
        fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
        (batch, positions, range, seed) => {
          const compiled = drawMasks(batch, positions, range, seed, engineOptions('required'));
          expect(bits(compiled)).toEqual(bits(drawMasksTypeScript(batch, positions, range, seed)));
        },
      ),
      runs(300),
    );
  });

  it('draws the TypeScript masks at an image size of the benchmarks, whole and half removed', () => {
    for (const range of [[0.5, 0.5], [1, 1], [0.1, 0.9]] as const) {
      for (const seed of [0, 2 ** 32 - 1]) expect(bits(drawMasks(2, 50176, range, seed, engineOptions('required')))).toEqual(bits(drawMasksTypeScript(2, 50176, range, seed)));
    }
  });

  it("takes the TypeScript draw with webAssembly 'off'", () => {
    expect(drawMasks(4, 100, [0.2, 0.7], 5, engineOptions('off'))).toEqual(drawMasksTypeScript(4, 100, [0.2, 0.7], 5));
  });
});
