/**
 * How the generated-input suite describes a public entry point: the arguments of a valid
 * call (built fresh for every case), what each argument is (its `Kind`, from which the
 * generic bad values come), the entry's own bad cases (mismatched shapes, callbacks that
 * misbehave), and the state a failing call must leave unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';

import { makeValues } from '../../helpers/arbitraries';
import { featureShape, type ShapeConstraints } from '../../helpers/arbitraries';
import { channelsLast, dims, type DataFormat } from '../../reference/layout';
import type { Kind } from '../corruptions';

/** One argument: positional (index into the call's arguments) or a key of the options object. */
export interface Slot {
  /** The argument's name, as the entry's messages print it. */
  readonly name: string;
  readonly at: number | { readonly option: string };
  readonly kind: Kind;
  /** Whether leaving it out (undefined) is itself an error. */
  readonly required: boolean;
  /** Other argument names a message may rightly give when this one is bad. */
  readonly alsoNamed?: readonly string[];
}

/** An entry-specific bad case: the call's arguments with one defect. */
export interface Special {
  readonly label: string;
  /** The argument names its message may give. */
  readonly expected: readonly string[];
  /** Returns the arguments with the defect (may replace or mutate them; runs at call time). */
  readonly apply: (args: unknown[]) => unknown[];
}

export interface Entry<B> {
  /** The public entry point, exactly as its messages name it (`featstats.<name>:`). */
  readonly name: string;
  /** Plain data describing a valid call (shapes, layout, seeds): no tensors. */
  readonly base: fc.Arbitrary<B>;
  /** Fresh, valid arguments for `base` (tensors included); the options object, if any, last. */
  readonly build: (base: B) => unknown[] | Promise<unknown[]>;
  /** Calls the entry point with `args`. */
  readonly call: (args: unknown[]) => unknown;
  readonly slots: (base: B) => readonly Slot[];
  /** The options object: its position in args, whether it is required, its keys. */
  readonly options?: { readonly at: number; readonly required: boolean; readonly keys: readonly string[]; readonly requiredKeys?: readonly string[] };
  readonly specials?: (base: B) => readonly fc.Arbitrary<Special>[];
  /** A snapshot (compared with toEqual) of the state a call could change. */
  readonly state?: (args: unknown[]) => unknown;
  /** After a failed call: valid use must still work (throws if it does not). */
  readonly stillWorks?: (args: unknown[]) => Promise<void>;
}

/** Any entry (the suite holds entries of different bases). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEntry = Entry<any>;

/** A bad case of an entry: made by `apply` from a fresh valid call. */
export const special = (label: string, expected: readonly string[], apply: (args: unknown[]) => unknown[]): Special => ({ label, expected, apply });

/** `args` with the options object (at `at`) extended by `extra`. */
export function withOptions(args: unknown[], at: number, extra: Record<string, unknown>): unknown[] {
  const copy = [...args];
  copy[at] = { ...((args[at] as object | undefined) ?? {}), ...extra };
  return copy;
}

/** `args` with argument `at` replaced. */
export function withArg(args: unknown[], at: number, value: unknown): unknown[] {
  const copy = [...args];
  copy[at] = value;
  return copy;
}

/** Features described by plain data. */
export interface Features {
  readonly shape: number[];
  readonly dataFormat: DataFormat;
  readonly seed: number;
}

/** Small features `[N, ...S, C]`/`[N, C, ...S]` (rank 3–4, dims ≤ 3). */
export function features(constraints: ShapeConstraints = {}): fc.Arbitrary<Features> {
  return fc
    .record({ layout: featureShape({ minRank: 3, maxRank: 4, maxDim: 3, maxSize: 54, ...constraints }), seed: fc.nat() })
    .map(({ layout, seed }) => ({ ...layout, seed }));
}

/** A float32 tensor of `shape` with seeded values in [−scale, scale). */
export function tensorOf(shape: readonly number[], seed: number, scale = 1): tf.Tensor {
  return tf.tensor(makeValues(shape, 'NHWC', 'spread', scale, seed), shape as number[], 'float32');
}

/** Batch, channels and positions of features. */
export const layoutOf = (f: Features) => dims(f.shape, f.dataFormat);

/** The axis holding the channels. */
export const channelAxis = (f: Features) => (channelsLast(f.dataFormat) ? f.shape.length - 1 : 1);

/** The same features with axis `axis` resized to `size`. */
export const resized = (f: Features, axis: number, size: number): number[] => f.shape.map((d, i) => (i === axis ? size : d));

/** Slots every layout-aware entry shares. */
export const dataFormatSlot: Slot = { name: 'dataFormat', at: { option: 'dataFormat' }, kind: { type: 'choice', choices: ['NHWC', 'NCHW', 'NWC', 'NCW'] }, required: false };

/** The dataFormat slot of an entry that takes images only (ibaAttribution). */
export const imageDataFormatSlot: Slot = { name: 'dataFormat', at: { option: 'dataFormat' }, kind: { type: 'choice', choices: ['NHWC', 'NCHW'] }, required: false };

/**
 * The ranks features in `dataFormat` may have: exactly 3 for sequences ('NWC'/'NCW');
 * for images ≥ 4, or 2 where `dense` ([N, C]), and never 3 (ambiguous: one image or
 * sequences, so rejected).
 */
export function featureKind(shape: readonly number[], dataFormat: DataFormat, dense = false): Kind {
  if (dataFormat === 'NWC' || dataFormat === 'NCW') return { type: 'tensor', validShape: shape, rank: 3 };
  return { type: 'tensor', validShape: shape, minRank: dense ? 2 : 4, badRanks: dense ? [3] : [] };
}

/** A tensor slot of features (rank ≥ 4, or 3 under a sequence format; `minRank` 2 for dense features). */
export const featureSlot = (name: string, at: number | { option: string }, f: Features, minRank = 3): Slot => ({
  name,
  at,
  kind: featureKind(f.shape, f.dataFormat, minRank === 2),
  required: true,
});
