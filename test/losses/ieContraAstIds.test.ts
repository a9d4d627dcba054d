import { expect, it } from 'vitest';

import { ieContraAstIds } from '../../src';
import { positiveCounts } from './ieContraAst';

it('ieContraAstIds lays out (cᵢ, sᵢ) then (cᵢ₊₁, sᵢ) for the paper batch of 12', () => {
  expect(ieContraAstIds()).toEqual({ styleIds: [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5], contentIds: [0, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 0] });
});

it('ieContraAstIds gives every row exactly one style and one content positive for every half ≥ 2', () => {
  for (const half of [2, 3, 4, 6, 9]) {
    const { styleIds, contentIds } = ieContraAstIds(half);
    expect(positiveCounts(styleIds, contentIds)).toEqual(new Array(2 * half).fill(1));
    expect(positiveCounts(contentIds, styleIds)).toEqual(new Array(2 * half).fill(1));
  }
});

it('ieContraAstIds rejects a half that is not an integer in [2, 2¹⁶]', () => {
  expect(() => ieContraAstIds(1)).toThrow(/^featstats\.ieContraAstIds: half must be an integer >= 2 and <= 65536 but got 1$/);
  expect(() => ieContraAstIds(2.5)).toThrow(/^featstats\.ieContraAstIds: half must be an integer >= 2 and <= 65536 but got 2\.5$/);
});
