/**
 * The generated-input suite (issue 18): every public entry point, on every backend.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { describeBackends } from '../helpers/backends';
import { ENTRIES } from './entries';
import { backendWorks, badCases, newTally, runBadCase } from './runner';

describeBackends('generated bad inputs', (backend) => {
  it('rejects every generated bad input with a featstats error, no leak and no state change', async () => {
    const tally = newTally();
    const started = performance.now();
    await fc.assert(fc.asyncProperty(fc.oneof(...ENTRIES.map(badCases)), (badCase) => runBadCase(badCase, tally, backend === 'webgl')), { numRuns: 5000 });
    console.log(`[${backend}] ${tally.cases} bad cases in ${((performance.now() - started) / 1000).toFixed(1)} s`, tally);
    expect(await backendWorks()).toBe(true);
    expect(tally.failures).toEqual([]);
  });
});
