/**
 * fast-check generators for feature tensors: shapes of rank 3–5 in both layouts, and
 * values that stress statistics and sorting (ties, constant channels, magnitudes from
 * 1e-3 to 1e4 with small spread). Values come from a seeded generator rather than
 * fc.array so that large tensors stay cheap; shapes, kinds and scales still shrink.
 */
import fc from 'fast-check';

import { channelsLast, formatForRank, channelRows, type DataFormat } from '../reference/layout';

export type ValueKind = 'spread' | 'ties' | 'constantChannels' | 'offset';

export interface FeatureCase {
  readonly shape: number[];
  readonly dataFormat: DataFormat;
  readonly values: Float32Array;
  readonly kind: ValueKind;
  readonly scale: number;
}

export interface ShapeConstraints {
  minRank?: number;
  maxRank?: number;
  /** Largest size of any dimension. */
  maxDim?: number;
  /** Largest number of elements. */
  maxSize?: number;
  /** Smallest number of spatial positions L. */
  minPositions?: number;
}

/** A deterministic uniform generator in [0, 1) (mulberry32) for test data. */
export function uniformFrom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shapes `[N, ...S, C]`/`[N, C, ...S]` with a layout, within the constraints. */
export function featureShape(constraints: ShapeConstraints = {}): fc.Arbitrary<{ shape: number[]; dataFormat: DataFormat }> {
  const { minRank = 3, maxRank = 5, maxDim = 9, maxSize = 2048, minPositions = 1 } = constraints;
  return fc
    .record({
      dims: fc.integer({ min: minRank, max: maxRank }).chain((rank) => fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: rank, maxLength: rank })),
      dataFormat: fc.constantFrom<DataFormat>('NHWC', 'NCHW'),
    })
    .filter(({ dims, dataFormat }) => {
      const size = dims.reduce((a, b) => a * b, 1);
      const channels = channelsLast(dataFormat) ? (dims[dims.length - 1] as number) : (dims[1] as number);
      return size <= maxSize && size / ((dims[0] as number) * channels) >= minPositions;
    })
    // Rank 3 is a batch of sequences [N, L, C] / [N, C, L]: 'NHWC'/'NCHW' take rank ≥ 4.
    .map(({ dims, dataFormat }) => ({ shape: dims, dataFormat: formatForRank(dataFormat, dims.length) }));
}

/** Fills a tensor of `shape` with values of the given kind and scale. */
export function makeValues(shape: readonly number[], dataFormat: DataFormat, kind: ValueKind, scale: number, seed: number): Float32Array {
  const uniform = uniformFrom(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  const spread = () => (2 * uniform() - 1) * scale;
  switch (kind) {
    case 'spread':
      for (let i = 0; i < size; i++) values[i] = spread();
      break;
    case 'ties':
      // Four levels: most rows have many equal values.
      for (let i = 0; i < size; i++) values[i] = Math.floor(uniform() * 4) * scale;
      break;
    case 'offset':
      // 1e4-scale values with a spread of 1e-2·scale: one-pass variance loses it all.
      for (let i = 0; i < size; i++) values[i] = 1e4 * scale + 1e-2 * spread();
      break;
    case 'constantChannels':
      for (const row of channelRows(shape, dataFormat)) {
        const constant = uniform() < 0.4 ? spread() : undefined;
        for (const i of row) values[i] = constant ?? spread();
      }
      break;
  }
  return values;
}

/** A feature tensor case: shape, layout and values of some kind and magnitude. */
export function featureCase(
  constraints: ShapeConstraints = {},
  kinds?: readonly ValueKind[],
  scales: readonly number[] = [1e-3, 1, 1e4],
): fc.Arbitrary<FeatureCase> {
  return fc
    .record({
      layout: featureShape(constraints),
      kind: fc.constantFrom<ValueKind>(...(kinds ?? ['spread', 'ties', 'constantChannels', 'offset'])),
      scale: fc.constantFrom(...scales),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    })
    .map(({ layout, kind, scale, seed }) => ({
      ...layout,
      kind,
      // 'offset' already sits at 1e4; scaling it again would only leave float32.
      scale: kind === 'offset' ? 1 : scale,
      values: makeValues(layout.shape, layout.dataFormat, kind, kind === 'offset' ? 1 : scale, seed),
    }));
}

/** A content case and a style case matched to it: same rank, layout and C; batch N or 1; own spatial size. */
export function contentStylePair(
  constraints: ShapeConstraints = {},
  kinds?: readonly ValueKind[],
  styleKinds: readonly ValueKind[] = ['spread', 'ties', 'offset'],
  scales: readonly number[] = [1e-3, 1, 1e4],
): fc.Arbitrary<{ content: FeatureCase; style: FeatureCase }> {
  const { maxDim = 9, maxSize = 2048, minPositions = 1 } = constraints;
  return featureCase(constraints, kinds, scales).chain((content) => {
    const rank = content.shape.length;
    const channelAxis = channelsLast(content.dataFormat) ? rank - 1 : 1;
    const spatialAxes = content.shape.map((_, axis) => axis).filter((axis) => axis !== 0 && axis !== channelAxis);
    return fc
      .record({
        broadcast: fc.boolean(),
        sameSpatial: fc.boolean(),
        spatial: fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: spatialAxes.length, maxLength: spatialAxes.length }),
        kind: fc.constantFrom<ValueKind>(...styleKinds),
        scale: fc.constantFrom(...scales),
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      })
      .map(({ broadcast, sameSpatial, spatial, kind, scale, seed }) => {
        const shape = [...content.shape];
        if (broadcast) shape[0] = 1;
        if (!sameSpatial) spatialAxes.forEach((axis, i) => (shape[axis] = spatial[i] as number));
        const effectiveScale = kind === 'offset' ? 1 : scale;
        const style: FeatureCase = {
          shape,
          dataFormat: content.dataFormat,
          kind,
          scale: effectiveScale,
          values: makeValues(shape, content.dataFormat, kind, effectiveScale, seed),
        };
        return { content, style };
      })
      .filter(({ style }) => {
        const positions = spatialAxes.reduce((a, axis) => a * (style.shape[axis] as number), 1);
        return style.values.length <= maxSize && positions >= minPositions;
      });
  });
}

/** Activation batches `[N, ...]` of rank 2–4 (N ≥ minBatch), some samples possibly all zero. */
export function sampleBatch(options: { minBatch?: number; maxBatch?: number; maxSize?: number; zeroSamples?: boolean } = {}) {
  const { minBatch = 1, maxBatch = 8, maxSize = 1024, zeroSamples = true } = options;
  return fc
    .record({
      batch: fc.integer({ min: minBatch, max: maxBatch }),
      sampleShape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
      kind: fc.constantFrom<ValueKind>('spread', 'ties', 'offset'),
      scale: fc.constantFrom(1e-3, 1, 1e4),
      zeroMask: fc.array(fc.boolean(), { minLength: maxBatch, maxLength: maxBatch }),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    })
    .filter(({ batch, sampleShape }) => batch * sampleShape.reduce((a, b) => a * b, 1) <= maxSize)
    .map(({ batch, sampleShape, kind, scale, zeroMask, seed }) => {
      const shape = [batch, ...sampleShape];
      const values = makeValues([shape.reduce((a, b) => a * b, 1)], 'NHWC', kind, kind === 'offset' ? 1 : scale, seed);
      const sampleSize = values.length / batch;
      if (zeroSamples) zeroMask.slice(0, batch).forEach((zero, n) => zero && n % 3 === 0 && values.fill(0, n * sampleSize, (n + 1) * sampleSize));
      return { shape, values };
    });
}

/** Kinds of rows for the sort kernels' tests. */
export type SortRowsKind = 'ties' | 'spread' | 'int32';

/**
 * `count` values for sorting: small integers −3 … 3 with signed zeros (most values tie),
 * a float spread over twelve decades, or int32 with 30 % drawn from the extremes of
 * ±`int32Limit` (2³¹: the whole int32 range, −2³¹ … 2³¹ − 1).
 */
export function sortRowValues(kind: SortRowsKind, count: number, seed: number, int32Limit = 2 ** 31): Float32Array | Int32Array {
  const uniform = uniformFrom(seed);
  if (kind === 'int32') {
    const extremes = int32Limit === 2 ** 31 ? [-(2 ** 31), 2 ** 31 - 1, -1, 0, 1] : [-int32Limit, int32Limit, -1, 0, 1];
    return Int32Array.from({ length: count }, () =>
      uniform() < 0.3 ? (extremes[Math.floor(uniform() * extremes.length)] as number) : Math.floor((uniform() - 0.5) * 2 * int32Limit),
    );
  }
  return Float32Array.from({ length: count }, () => {
    if (kind === 'spread') return (uniform() - 0.5) * 10 ** Math.floor(uniform() * 12 - 6);
    const tie = Math.floor(uniform() * 7) - 3; // −3 … 3, so most values repeat
    return tie === 0 && uniform() < 0.5 ? -0 : tie;
  });
}
