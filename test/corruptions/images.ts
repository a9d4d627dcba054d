/**
 * Image cases shared by the corruption suites: shapes of rank 3–5 in both layouts (rank 3 as
 * sequences, 'NWC'/'NCW') and
 * values in [0.05, 1.05], never 0, so that a removed pixel is recognisable by its value.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect } from 'vitest';

import { featureShape, makeValues, type ShapeConstraints } from '../helpers/arbitraries';
import { readAndDispose } from '../helpers/assert';
import { toChannelsFirst } from '../reference/corruptions';
import { channelsLast, formatForRank, type DataFormat } from '../reference/layout';

export interface ImageCase {
  readonly shape: number[];
  readonly dataFormat: DataFormat;
  readonly values: Float32Array;
  /** A seed for the op under test. */
  readonly seed: number;
}

export function imageCase(constraints: ShapeConstraints = {}): fc.Arbitrary<ImageCase> {
  return fc
    .record({ layout: featureShape(constraints), dataSeed: fc.integer({ min: 0, max: 2 ** 31 - 1 }), seed: fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }) })
    .map(({ layout, dataSeed, seed }) => ({
      ...layout,
      seed,
      values: Float32Array.from(makeValues(layout.shape, layout.dataFormat, 'spread', 1, dataSeed), (v) => 0.05 + Math.abs(v)),
    }));
}

/** A parameter as the ops take it: one value, or a `[lo, hi]` range, with its bounds. */
export function valueOrRange(values: readonly number[]): fc.Arbitrary<{ option: number | [number, number]; lo: number; hi: number }> {
  return fc.oneof(
    fc.constantFrom(...values).map((v) => ({ option: v, lo: v, hi: v })),
    fc.tuple(fc.constantFrom(...values), fc.constantFrom(...values)).map(([a, b]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return { option: [lo, hi] as [number, number], lo, hi };
    }),
  );
}

/**
 * The property that an op corrupts an NHWC image and its NCHW transposition alike, bit for
 * bit: its draws are per (image, position, channel), whatever the layout.
 */
export function sameInBothLayouts<P>(parameter: fc.Arbitrary<P>, run: (x: tf.Tensor, dataFormat: DataFormat, parameter: P, seed: number) => tf.Tensor) {
  return fc.asyncProperty(imageCase().filter((image) => channelsLast(image.dataFormat)), parameter, async (image, value) => {
    const nhwc = await readAndDispose(run(tf.tensor(image.values, image.shape), image.dataFormat, value, image.seed));
    const channelsFirst = toChannelsFirst(image.values, image.shape);
    const nchw = await readAndDispose(run(tf.tensor(channelsFirst.values, channelsFirst.shape), formatForRank('NCHW', image.shape.length), value, image.seed));
    expect(Array.from(nchw)).toEqual(Array.from(toChannelsFirst(nhwc, image.shape).values));
  });
}
