/**
 * The generated-input suite's catalogue names every public entry point: a new export (or
 * WelfordEstimator method) fails here until it is described in test/validation/entries.
 */
import { expect, it } from 'vitest';

import * as featstats from '../../src';
import { ENTRIES, ENTRIES_WITHOUT_ARGUMENTS } from './entries';

/** WelfordEstimator's methods that are private in TypeScript (still on the prototype at run time). */
const PRIVATE_METHODS = ['checkSampleShape', 'fixSampleShape', 'toTensor'];

it('describes every exported function and every public WelfordEstimator method', () => {
  const functions = Object.entries(featstats)
    .filter(([name, value]) => typeof value === 'function' && name !== 'WelfordEstimator')
    .map(([name]) => name);
  const methods = Object.getOwnPropertyNames(featstats.WelfordEstimator.prototype)
    .filter((name) => name !== 'constructor' && !PRIVATE_METHODS.includes(name))
    .map((name) => `WelfordEstimator.${name}`);
  const described = ENTRIES.map((entry) => entry.name);
  expect(new Set(described).size).toBe(described.length);
  expect([...described, ...ENTRIES_WITHOUT_ARGUMENTS].sort()).toEqual([...functions, ...methods].sort());
  // The constructor takes no argument (extra ones are ignored, as by any function).
  expect(featstats.WelfordEstimator.length).toBe(0);
});
