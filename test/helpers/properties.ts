/**
 * Property-run budget. Each property states its everyday number of runs; setting
 * FEATSTATS_PROPERTY_RUNS=<factor> (e.g. 20) multiplies them all for a soak run, and
 * FEATSTATS_PROPERTY_SEED replays a failing run (fast-check prints the seed).
 */
import fc from 'fast-check';

const environment: Record<string, string | undefined> = typeof process === 'undefined' ? {} : process.env;
const factor = Number(environment['FEATSTATS_PROPERTY_RUNS'] ?? 1);
const seed = environment['FEATSTATS_PROPERTY_SEED'];
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });

let suiteFactor = 1;

/**
 * Scales the runs of the suite that is starting (set by `describeBackends` from
 * `suiteRunFactor` in `./backends.ts`, where the shares per backend and path and their
 * reasons are): SwiftShader makes every webgl and webgpu run slow, and the composites'
 * every property already runs in full on cpu and wasm.
 */
export function setSuiteRunFactor(value: number): void {
  suiteFactor = value;
}

/** `numRuns` option for a property whose everyday budget is `n` runs. */
export function runs(n: number): { numRuns: number } {
  return { numRuns: Math.max(1, Math.round(n * factor * suiteFactor)) };
}
