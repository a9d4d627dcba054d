/**
 * Every public entry point of featstats with arguments: each function export, and each
 * method of WelfordEstimator. `test/validation/catalogue.test.ts` checks this list
 * against the package's exports, so a new export cannot be left out unnoticed.
 */
import { asyncEntries } from './async';
import { attributionEntries } from './attribution';
import { corruptionEntries } from './corruptions';
import { diagnosticEntries } from './diagnostics';
import { lossEntries } from './losses';
import { normEntries } from './norms';
import { opEntries } from './ops';
import type { AnyEntry } from './types';

export { ENTRIES_WITHOUT_ARGUMENTS } from './corruptions';
export type { AnyEntry, Entry, Slot, Special } from './types';

export const ENTRIES: readonly AnyEntry[] = [...opEntries, ...normEntries, ...lossEntries, ...diagnosticEntries, ...attributionEntries, ...corruptionEntries, ...asyncEntries];
