/**
 * Float64 reference helpers: where each (n, c, position) of a `[N, ...S, C]` (NHWC) or
 * `[N, C, ...S]` (NCHW) tensor lives in its flat row-major data. Written from the layout
 * definitions alone; nothing here imports tfjs or featstats.
 */
export type DataFormat = 'NHWC' | 'NCHW' | 'NWC' | 'NCW';

/**
 * Whether the channels are the last axis: `'NHWC'` and `'NWC'` (sequences `[N, L, C]`, the
 * rank-3 name of the same order), as opposed to `'NCHW'` and `'NCW'`.
 */
export function channelsLast(dataFormat: DataFormat): boolean {
  return dataFormat === 'NHWC' || dataFormat === 'NWC';
}

/** The data format naming a tensor of `rank` in the channel order of `dataFormat` (rank 3: sequences). */
export function formatForRank(dataFormat: DataFormat, rank: number): DataFormat {
  const last = channelsLast(dataFormat);
  return rank === 3 ? (last ? 'NWC' : 'NCW') : last ? 'NHWC' : 'NCHW';
}

/** Batch, channels and number of spatial positions L of a features shape. */
export function dims(shape: readonly number[], dataFormat: DataFormat) {
  const batch = shape[0] as number;
  const channels = (channelsLast(dataFormat) ? shape[shape.length - 1] : shape[1]) as number;
  const positions = shape.reduce((a, b) => a * b, 1) / (batch * channels);
  return { batch, channels, positions };
}

/** Flat index of element (n, c, l), l being the row-major index over the spatial dims. */
export function flatIndex(shape: readonly number[], dataFormat: DataFormat, n: number, c: number, l: number): number {
  const { channels, positions } = dims(shape, dataFormat);
  return channelsLast(dataFormat) ? (n * positions + l) * channels + c : (n * channels + c) * positions + l;
}

/** `rows[n·C + c][l]` = flat index of (n, c, l): one row per channel instance. */
export function channelRows(shape: readonly number[], dataFormat: DataFormat): number[][] {
  const { batch, channels, positions } = dims(shape, dataFormat);
  const rows: number[][] = [];
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      rows.push(Array.from({ length: positions }, (_, l) => flatIndex(shape, dataFormat, n, c, l)));
    }
  }
  return rows;
}

/**
 * Each content channel row `[n·C + c]` with the style row it is matched to: the same
 * (n, c), or (0, c) when the style batch is 1 (broadcast), plus the row number r.
 */
export function pairedRows(contentShape: readonly number[], styleShape: readonly number[], dataFormat: DataFormat) {
  const styleRows = channelRows(styleShape, dataFormat);
  const { channels } = dims(contentShape, dataFormat);
  const broadcast = dims(styleShape, dataFormat).batch === 1;
  return channelRows(contentShape, dataFormat).map((row, r) => {
    const styleIndex = broadcast ? r % channels : r;
    return { row, r, styleRow: styleRows[styleIndex] as number[], styleIndex };
  });
}
