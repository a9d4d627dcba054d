/**
 * Runs generated bad calls and tallies what went wrong, instead of stopping at the first
 * failure, so that the suite can report honest figures (how many cases ran, and how many
 * of each kind of failure: the goal is 0 of every kind) and list every failing case.
 *
 * A bad call must throw an Error whose one-line message reads
 * `featstats.<entry>: <argument> must … but got …`, naming the entry point called and the
 * argument that is wrong; leave tfjs's tensor, buffer, byte (and on webgl texture) counts
 * as they were; leave the entry's state (estimator, moving statistics, setting) unchanged
 * and still usable; and leave the backend working.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';

import { getFastPaths, setFastPaths } from '../../src';
import { gpuBytesInUse } from '../helpers/assert';
import { badValues, type Corruption } from './corruptions';
import { withArg, withOptions, type AnyEntry } from './entries/types';

/** One generated bad call. */
export interface BadCase {
  readonly entry: AnyEntry;
  readonly base: unknown;
  readonly label: string;
  /** Argument names the message may give. */
  readonly expected: readonly string[];
  readonly apply: (args: unknown[]) => unknown[];
}

/** Counts of one property's cases and of each kind of failure. */
export interface Tally {
  cases: number;
  wrongKind: number;
  silent: number;
  leaks: number;
  crashes: number;
  stateChanges: number;
  /** Descriptions of the first failures, for the report. */
  readonly failures: string[];
}

export const newTally = (): Tally => ({ cases: 0, wrongKind: 0, silent: 0, leaks: 0, crashes: 0, stateChanges: 0, failures: [] });

const fail = (tally: Tally, kind: 'wrongKind' | 'silent' | 'leaks' | 'crashes' | 'stateChanges', what: string) => {
  tally[kind] += 1;
  if (tally.failures.length < 30) tally.failures.push(`${kind}: ${what}`);
};

/** Whole options objects that are not plain objects. */
const NOT_OPTIONS: Corruption[] = [
  { label: 'null', make: () => null },
  { label: '5', make: () => 5 },
  { label: 'a string', make: () => 'NHWC' },
  { label: 'an array', make: () => [] },
  { label: 'true', make: () => true },
  { label: 'a function', make: () => () => ({}) },
  { label: 'a Map', make: () => new Map() },
  { label: 'a Date', make: () => new Date(0) },
  { label: 'a tensor', make: () => tf.scalar(1) },
];

/** Every bad call of an entry: each slot's bad values, bad options objects, unknown keys, the entry's own cases. */
export function badCases(entry: AnyEntry): fc.Arbitrary<BadCase> {
  return entry.base.chain((base) => {
    const cases: fc.Arbitrary<Omit<BadCase, 'entry' | 'base'>>[] = entry.slots(base).map((slot) =>
      badValues(slot.kind, slot.required).map((corruption) => ({
        label: `${slot.name} = ${corruption.label}`,
        expected: [slot.name, ...(slot.alsoNamed ?? [])],
        apply: (args: unknown[]) =>
          typeof slot.at === 'number' ? withArg(args, slot.at, corruption.make()) : withOptions(args, entry.options?.at as number, { [slot.at.option]: corruption.make() }),
      })),
    );
    const options = entry.options;
    if (options !== undefined) {
      const notOptions = [...NOT_OPTIONS, ...(options.required ? [{ label: 'undefined', make: () => undefined }] : [])];
      cases.push(
        fc.constantFrom(...notOptions).map((corruption) => ({
          label: `options = ${corruption.label}`,
          expected: ['options', ...(corruption.label === 'undefined' ? (options.requiredKeys ?? []) : [])],
          apply: (args: unknown[]) => withArg(args, options.at, corruption.make()),
        })),
        fc
          .oneof(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,10}$/), fc.constantFrom(...options.keys.map((key) => key.toLowerCase()), 'axis', 'data_format'))
          .filter((key) => !options.keys.includes(key) && !(key in Object.prototype))
          .map((key) => ({ label: `unknown option '${key}'`, expected: ['options'], apply: (args: unknown[]) => withOptions(args, options.at, { [key]: 1 }) })),
      );
    }
    for (const specialCase of entry.specials?.(base) ?? []) cases.push(specialCase);
    // fast-check prints a failing case through its toString method: name and defect only.
    return fc.oneof(...cases).map((c) => ({ entry, base, ...c, [fc.toStringMethod]: () => `${entry.name}(${c.label})` }));
  });
}

/** The tensors held by an argument list (arrays and plain objects, a few levels deep). */
export function tensorsIn(value: unknown, depth = 0): tf.Tensor[] {
  if (value instanceof tf.Tensor) return [value];
  if (depth > 3 || value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v) => tensorsIn(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return [];
  return Object.values(value).flatMap((v) => tensorsIn(v, depth + 1));
}

/** Tensors, buffers, bytes and (on webgl and webgpu) GPU bytes in use. */
export async function memoryFootprint(): Promise<number[]> {
  const gpu = (await gpuBytesInUse()) ?? 0;
  const memory = tf.memory();
  return [memory.numTensors, memory.numDataBuffers, memory.numBytes, gpu];
}

/** Whether the active backend still computes (a wasm heap overrun, for one, breaks it for good). */
export async function backendWorks(): Promise<boolean> {
  try {
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2, 3]), 1));
    const values = await sum.data();
    sum.dispose();
    return values[0] === 2 && values[2] === 4;
  } catch {
    return false;
  }
}

/** Calls the entry; returns the error, or disposes the result of a call that succeeded. */
async function attempt(entry: AnyEntry, args: unknown[]): Promise<{ error?: unknown }> {
  try {
    const result: unknown = await entry.call(args);
    tf.dispose(tensorsIn(result));
    return {};
  } catch (error) {
    return { error };
  }
}

/** Why an error is not the one promised, or undefined if it is. */
function wrongKind(entry: string, expected: readonly string[], error: unknown): string | undefined {
  if (!(error instanceof Error)) return `threw a non-Error ${String(error)}`;
  const message = error.message;
  if (message.includes('\n')) return `a message of several lines: ${JSON.stringify(message)}`;
  const match = /^featstats\.([\w.]+): (.+?) must .+ but got.*$/.exec(message);
  if (match === null) return `${error.name}: ${message}`;
  if (match[1] !== entry) return `names featstats.${match[1] as string} instead of featstats.${entry}: ${message}`;
  const named = (match[2] as string).split(/[\s.[\]]+/);
  if (!expected.some((arg) => named.includes(arg))) return `names "${match[2] as string}" instead of ${expected.join(' or ')}: ${message}`;
  return undefined;
}

/** A state snapshot as text (any value: a broken setter may have stored a bigint or a symbol). */
function snapshot(entry: AnyEntry, args: unknown[]): string {
  try {
    return JSON.stringify(entry.state?.(args), (_, v: unknown) => (typeof v === 'bigint' || typeof v === 'symbol' ? String(v) : v)) ?? 'undefined';
  } catch (error) {
    return `unreadable (${String(error)})`;
  }
}

/** Errors that mean the backend itself broke, not just the call. */
const CRASH = /memory access out of bounds|unreachable|Aborted|RuntimeError|Maximum call stack/;

/**
 * Runs one bad call and tallies it. On webgl the call runs twice and only the second is
 * measured: the first may upload pre-existing inputs to textures, which is no leak.
 */
export async function runBadCase(badCase: BadCase, tally: Tally, gpu: boolean): Promise<void> {
  const { entry } = badCase;
  const describe = `${entry.name}(${badCase.label})`;
  const fastPaths = getFastPaths();
  const valid = await entry.build(badCase.base);
  const stateBefore = entry.state === undefined ? undefined : snapshot(entry, valid);
  let args: unknown[] = valid;
  tally.cases += 1;
  try {
    args = badCase.apply(valid);
    if (gpu) await attempt(entry, args);
    const before = await memoryFootprint();
    const outcome = await attempt(entry, args);
    const after = await memoryFootprint();
    if (!('error' in outcome)) {
      fail(tally, 'silent', `${describe} was accepted`);
    } else {
      const problem = wrongKind(entry.name, badCase.expected, outcome.error);
      if (problem !== undefined) {
        fail(tally, 'wrongKind', `${describe}: ${problem}`);
        if (CRASH.test(problem) || !(await backendWorks())) fail(tally, 'crashes', `${describe} broke the backend: ${problem}`);
      }
    }
    if (before.some((v, i) => v !== after[i])) fail(tally, 'leaks', `${describe}: [tensors, buffers, bytes, texture bytes] went from [${before.join(', ')}] to [${after.join(', ')}]`);
    if (stateBefore !== undefined) {
      const stateAfter = snapshot(entry, valid);
      if (stateAfter !== stateBefore) fail(tally, 'stateChanges', `${describe} changed the state from ${stateBefore} to ${stateAfter}`);
    }
    if (entry.stillWorks !== undefined) {
      await entry.stillWorks(valid).catch((error: unknown) => fail(tally, 'stateChanges', `${describe} left the state unusable: ${String(error)}`));
    }
  } finally {
    tf.dispose([...tensorsIn(valid), ...tensorsIn(args)]);
    setFastPaths(fastPaths);
  }
}
