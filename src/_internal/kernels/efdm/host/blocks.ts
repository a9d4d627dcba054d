/**
 * What the EFDM and EFDMix host kernels share. All four work on blocks of up to
 * {@link BLOCK_CHANNELS} channels of one sample: the block's rows are copied out of the
 * user's layout into JS-heap scratch (for NHWC a tiled transpose that reads each
 * position's channels as one contiguous run; for NCHW one block copy), processed row by
 * row, and the result block is written back the same way. This replaces the composite's
 * two layout transposes per tensor and its separate gather and scatter passes with one
 * read and one write of each tensor.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** Channels per block: 16 float32 are one 64-byte cache line of an NHWC position. */
const BLOCK_CHANNELS = 16;
/** Most elements in one block array (blocks of long rows get fewer channels). */
const BLOCK_ELEMENTS = 1 << 16;

/** The layout attrs of both kernels. */
export interface RowsLayout {
  readonly batch: number;
  readonly channels: number;
  readonly positions: number;
  readonly channelsLast: boolean;
  /** Channels per block. */
  readonly block: number;
  /** Distance between rows in a block: L plus 16 elements, so that the rows of a block
   * do not start on the same cache set (with L a multiple of 1024, a transpose that
   * touches one element of every row would evict its own lines). */
  readonly stride: number;
}

export function layoutOf(attrs: tf.NamedAttrMap): RowsLayout {
  const batch = attrs['batch'] as number;
  const channels = attrs['channels'] as number;
  const positions = attrs['positions'] as number;
  const block = Math.max(1, Math.min(BLOCK_CHANNELS, channels, Math.floor(BLOCK_ELEMENTS / positions)));
  return { batch, channels, positions, channelsLast: attrs['dataFormat'] === 'NHWC', block, stride: positions + 16 };
}

/** Block scratch (four blocks, two orders of one row), reused while the sizes hold. */
let blocks: { size: number; a: Uint32Array; b: Uint32Array; c: Uint32Array; d: Uint32Array; rowOrder: Int32Array; otherOrder: Int32Array } | undefined;

export function blockScratch(size: number, n: number): NonNullable<typeof blocks> {
  if (blocks === undefined || blocks.size !== size || blocks.rowOrder.length !== n) {
    const [a, b, c, d] = [new Uint32Array(size), new Uint32Array(size), new Uint32Array(size), new Uint32Array(size)];
    blocks = { size, a, b, c, d, rowOrder: new Int32Array(n), otherOrder: new Int32Array(n) };
  }
  return blocks;
}

/** The float32 values of a block of bits (the same memory). */
export function floats(bits: Uint32Array): Float32Array {
  return new Float32Array(bits.buffer, bits.byteOffset, bits.length);
}

/** Channels `c0 … c0 + count − 1` of sample `sample`: one block. */
export interface Block {
  readonly sample: number;
  readonly c0: number;
  readonly count: number;
}

/** Copies a block of `src` (user layout) into `dst` as rows `[count, L]`. */
export function readBlock(src: Uint32Array, dst: Uint32Array, layout: RowsLayout, { sample, c0, count }: Block): void {
  const { channels, positions, stride } = layout;
  const base = sample * channels * positions;
  if (!layout.channelsLast) {
    for (let b = 0; b < count; b++) {
      const start = base + (c0 + b) * positions;
      dst.set(src.subarray(start, start + positions), b * stride);
    }
    return;
  }
  if (count === BLOCK_CHANNELS) {
    readSixteen(src, dst, base + c0, layout);
    return;
  }
  for (let i = 0; i < positions; i++) {
    const p = base + i * channels + c0;
    for (let b = 0; b < count; b++) dst[b * stride + i] = src[p + b] as number;
  }
}

// The transposes of a full block of 16 channels, written out: V8 does not unroll the
// loop over the block's channels, and with constant offsets the read and the write take
// a fraction of the looped ones' time (bench/README.md, "Design measurements").

function readSixteen(src: Uint32Array, dst: Uint32Array, start: number, { channels, positions, stride }: RowsLayout): void {
  for (let i = 0, p = start; i < positions; i++, p += channels) {
    dst[i] = src[p] as number;
    dst[stride + i] = src[p + 1] as number;
    dst[2 * stride + i] = src[p + 2] as number;
    dst[3 * stride + i] = src[p + 3] as number;
    dst[4 * stride + i] = src[p + 4] as number;
    dst[5 * stride + i] = src[p + 5] as number;
    dst[6 * stride + i] = src[p + 6] as number;
    dst[7 * stride + i] = src[p + 7] as number;
    dst[8 * stride + i] = src[p + 8] as number;
    dst[9 * stride + i] = src[p + 9] as number;
    dst[10 * stride + i] = src[p + 10] as number;
    dst[11 * stride + i] = src[p + 11] as number;
    dst[12 * stride + i] = src[p + 12] as number;
    dst[13 * stride + i] = src[p + 13] as number;
    dst[14 * stride + i] = src[p + 14] as number;
    dst[15 * stride + i] = src[p + 15] as number;
  }
}

function writeSixteen(src: Uint32Array, dst: Uint32Array, start: number, { channels, positions, stride }: RowsLayout): void {
  for (let i = 0, p = start; i < positions; i++, p += channels) {
    dst[p] = src[i] as number;
    dst[p + 1] = src[stride + i] as number;
    dst[p + 2] = src[2 * stride + i] as number;
    dst[p + 3] = src[3 * stride + i] as number;
    dst[p + 4] = src[4 * stride + i] as number;
    dst[p + 5] = src[5 * stride + i] as number;
    dst[p + 6] = src[6 * stride + i] as number;
    dst[p + 7] = src[7 * stride + i] as number;
    dst[p + 8] = src[8 * stride + i] as number;
    dst[p + 9] = src[9 * stride + i] as number;
    dst[p + 10] = src[10 * stride + i] as number;
    dst[p + 11] = src[11 * stride + i] as number;
    dst[p + 12] = src[12 * stride + i] as number;
    dst[p + 13] = src[13 * stride + i] as number;
    dst[p + 14] = src[14 * stride + i] as number;
    dst[p + 15] = src[15 * stride + i] as number;
  }
}

/** Inverse of {@link readBlock}: rows `[count, L]` of `src` written into `dst` (user layout). */
export function writeBlock(src: Uint32Array, dst: Uint32Array, layout: RowsLayout, { sample, c0, count }: Block): void {
  const { channels, positions, stride } = layout;
  const base = sample * channels * positions;
  if (!layout.channelsLast) {
    for (let b = 0; b < count; b++) dst.set(src.subarray(b * stride, b * stride + positions), base + (c0 + b) * positions);
    return;
  }
  if (count === BLOCK_CHANNELS) {
    writeSixteen(src, dst, base + c0, layout);
    return;
  }
  for (let i = 0; i < positions; i++) {
    const p = base + i * channels + c0;
    for (let b = 0; b < count; b++) dst[p + b] = src[b * stride + i] as number;
  }
}

export function bitsOf(values: Float32Array | Int32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}


/** A sample's per-call weights as float32, as the composite's weight tensors hold them. */
export function sampleWeights(attrs: tf.NamedAttrMap, name: string): Float64Array {
  return Float64Array.from(attrs[name] as number[], Math.fround);
}

/** Copies row `row` of `orders` (`[R, n]`) into `dst`: one block read (wasm heap reads are slower, see ../../sort/host/radixSort.ts). */
export function orderRow(orders: Int32Array | Float32Array, row: number, n: number, dst: Int32Array): Int32Array {
  dst.set(orders.subarray(row * n, row * n + n));
  return dst;
}

/** The cycles of a permutation of 0 … N − 1, each as `[n, perm[n], perm[perm[n]], …]`. */
function cyclesOf(perm: readonly number[]): number[][] {
  const seen = new Uint8Array(perm.length);
  const cycles: number[][] = [];
  for (let start = 0; start < perm.length; start++) {
    if (seen[start] === 1) continue;
    const cycle: number[] = [];
    for (let n = start; seen[n] !== 1; n = perm[n] as number) {
      seen[n] = 1;
      cycle.push(n);
    }
    cycles.push(cycle);
  }
  return cycles;
}

/** The blocks of one sample, in channel order. */
export function blocksOf(layout: RowsLayout, sample: number): Block[] {
  const blocks: Block[] = [];
  for (let c0 = 0; c0 < layout.channels; c0 += layout.block) blocks.push({ sample, c0, count: Math.min(layout.block, layout.channels - c0) });
  return blocks;
}

/** What `walkCycles` hands each visit: a block's sample, its successor in the cycle and both loaded blocks. */
export interface CycleStep {
  /** The visited block. */
  readonly block: Block;
  /** perm[block.sample]. */
  readonly next: number;
  /** The visited sample's loaded block, rows `[count, L]`. */
  readonly own: Uint32Array;
  /** The next sample's loaded block (the same channels). */
  readonly theirs: Uint32Array;
}

/**
 * Walks each cycle n → perm[n] → … of a permutation of the samples, one block of
 * channels at a time, calling `visit` with the blocks of each sample and of next =
 * perm[sample], which `load(block, dst)` puts into block scratch a, b, c as rows
 * `[count, L]`. Each block is loaded once: `theirs` becomes the next sample's `own`, and
 * the cycle's first block, loaded before any visit, serves as the last sample's `theirs`.
 * A block of channels touches only its own channels' elements, so the cycles run block
 * by block.
 */
export function walkCycles(
  perm: readonly number[],
  layout: RowsLayout,
  load: (block: Block, dst: Uint32Array) => void,
  visit: (step: CycleStep) => void,
): void {
  const { block, positions, stride } = layout;
  const { a, b, c: first } = blockScratch(block * stride, positions);
  for (const cycle of cyclesOf(perm)) {
    for (const { c0, count } of blocksOf(layout, 0)) {
      const blockOf = (sample: number): Block => ({ sample, c0, count });
      load(blockOf(cycle[0] as number), first);
      let own = first;
      for (let j = 0; j < cycle.length; j++) {
        const next = cycle[(j + 1) % cycle.length] as number;
        let theirs = first;
        if (j + 1 < cycle.length) {
          theirs = own === a ? b : a;
          load(blockOf(next), theirs);
        }
        visit({ block: blockOf(cycle[j] as number), next, own, theirs });
        own = theirs;
      }
    }
  }
}

