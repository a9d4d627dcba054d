/**
 * The public surface, frozen: removing or renaming an export is a breaking change and
 * must fail here first. Adding one means adding it to this list on purpose.
 */
import { expect, it } from 'vitest';

import * as featstats from '../src';

it('exports exactly the documented API', () => {
  expect(Object.keys(featstats).sort()).toEqual([
    'MEAN_STD_EPSILON',
    'adain',
    'argsort',
    'efdm',
    'efdmix',
    'getFastPaths',
    'meanStd',
    'setFastPaths',
    'sort',
  ]);
  for (const name of ['adain', 'argsort', 'efdm', 'efdmix', 'meanStd', 'sort', 'setFastPaths', 'getFastPaths'] as const) {
    expect(typeof featstats[name]).toBe('function');
  }
  expect(featstats.MEAN_STD_EPSILON).toBe(1e-5);
});
