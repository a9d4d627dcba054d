/**
 * The generated-input suite: every public entry point, on every backend (cpu and wasm in
 * Node, webgl and webgpu in Chromium), with three properties whose every case is counted:
 *
 * - bad inputs (`runner.ts`, catalogue in `entries/`): each must throw
 *   `featstats.<entry>: <argument> must … but got …`, leak nothing, change no state and
 *   leave the backend working;
 * - extreme valid inputs (`extremes.ts`): finite values and gradients, no leak;
 * - stress (`stress.ts`): mixed forward and backward calls with bad calls and random
 *   disposal return to the baseline tensor count and bytes.
 *
 * Failures are tallied rather than stopping the run, so the figures printed at the end
 * (`featstats fuzz [backend]: …`, reported in docs/VALIDATION.md) count every case, and
 * each property then fails with the list of its failing cases. Budget: 5 000 bad inputs
 * per backend (cheap: they throw before computing), fewer valid and stress cases on webgl
 * and webgpu, where SwiftShader makes every computation slow; FEATSTATS_PROPERTY_RUNS scales them all.
 */
// tfjs-core before its gradients, so that the engine is tfjs-core's own (ENVIRONMENT.md).
// The gradients are for ibaAttribution's loss and the heads and losses handed to it; every
// featstats op still differentiates through its own customGrad.
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';

import { describeBackends, isGpuBackend, type BackendName } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { ENTRIES } from './entries';
import { extremeCases, runExtremeCase } from './extremes';
import { backendWorks, badCases, newTally, runBadCase, type Tally } from './runner';
import { runStress, stressSequences } from './stress';

/** Cases per CI run and backend that the suite promises (issue 18). */
const TARGET_CASES = 5000;

const BUDGET: Record<'bad' | 'extreme' | 'stress', Record<BackendName, number>> = {
  bad: { cpu: 5000, wasm: 5000, webgl: 5000, webgpu: 5000 },
  extreme: { cpu: 600, wasm: 600, webgl: 40, webgpu: 40 },
  stress: { cpu: 150, wasm: 150, webgl: 8, webgpu: 8 },
};

const figures = new Map<BackendName, Record<'bad' | 'extreme' | 'stress', Tally>>();
const tallyOf = (backend: BackendName, property: 'bad' | 'extreme' | 'stress'): Tally => {
  const record = figures.get(backend) ?? { bad: newTally(), extreme: newTally(), stress: newTally() };
  figures.set(backend, record);
  return record[property];
};

describeBackends('generated inputs', (backend) => {
  it('rejects every generated bad input with a featstats error naming the entry and argument, no leak, no state change', async () => {
    const tally = tallyOf(backend, 'bad');
    await fc.assert(
      fc.asyncProperty(fc.oneof(...ENTRIES.map(badCases)), (badCase) => runBadCase(badCase, tally, isGpuBackend(backend))),
      runs(BUDGET.bad[backend]),
    );
    expect(await backendWorks()).toBe(true);
    expect(tally.failures).toEqual([]);
  });

  it('gives finite values and gradients for extreme valid inputs, and leaks nothing', async () => {
    const tally = tallyOf(backend, 'extreme');
    await fc.assert(fc.asyncProperty(fc.oneof(...extremeCases()), (extreme) => runExtremeCase(extreme, tally)), runs(BUDGET.extreme[backend]));
    expect(tally.failures).toEqual([]);
  });

  it('returns to its baseline tensor count and bytes after mixed forward and backward calls, bad calls and random disposal', async () => {
    const tally = tallyOf(backend, 'stress');
    // [N, H, W, C] with N, H ≥ 2: every op of the mix accepts it (unbiased statistics need L ≥ 2).
    const shapes = fc.tuple(fc.integer({ min: 2, max: 3 }), fc.integer({ min: 2, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }));
    await fc.assert(fc.asyncProperty(stressSequences(), shapes, (steps, shape) => runStress(steps, tally, shape)), runs(BUDGET.stress[backend]));
    expect(tally.failures).toEqual([]);
  });

  it(`runs at least ${TARGET_CASES} cases on this backend`, () => {
    const record = figures.get(backend);
    const total = record === undefined ? 0 : record.bad.cases + record.extreme.cases + record.stress.cases;
    expect(total).toBeGreaterThanOrEqual(Math.min(TARGET_CASES, runs(TARGET_CASES).numRuns));
  });

  afterAll(() => {
    const record = figures.get(backend);
    if (record === undefined) return;
    const all = [record.bad, record.extreme, record.stress];
    const sum = (key: 'cases' | 'wrongKind' | 'silent' | 'leaks' | 'crashes' | 'stateChanges') => all.reduce((total, tally) => total + tally[key], 0);
    console.log(
      `featstats fuzz [${backend}]: ${sum('cases')} cases (${record.bad.cases} bad inputs, ${record.extreme.cases} extreme valid inputs, ` +
        `${record.stress.cases} stress sequences): ${record.bad.wrongKind} wrong-kind errors, ${record.extreme.wrongKind + record.stress.wrongKind} non-finite or failed valid calls, ` +
        `${sum('silent')} silent accepts, ${sum('leaks')} leaks, ${sum('crashes')} crashes, ${sum('stateChanges')} state changes`,
    );
  });
});
