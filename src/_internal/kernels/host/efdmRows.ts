/**
 * Host (cpu and wasm) implementations of the EFDM and EFDMix kernels in `../efdmRows.ts`
 * (contracts there), adapted to both backends by `../host.ts`.
 *
 * All four work on blocks of up to {@link BLOCK_CHANNELS} channels of one sample: the block's
 * rows are copied out of the user's layout into JS-heap scratch (for NHWC a tiled
 * transpose that reads each position's channels as one contiguous run; for NCHW one
 * block copy), processed row by row, and the result block is written back the same way.
 * This replaces the composite's two layout transposes per tensor and its separate
 * gather and scatter passes with one read and one write of each tensor.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, wasmKernel, type HostKernel } from '../host';
import { input } from './rows';
import { scratchFor } from './radixSort';

/** Channels per block: 16 float32 are one 64-byte cache line of an NHWC position. */
const BLOCK_CHANNELS = 16;
/** Most elements in one block array (blocks of long rows get fewer channels). */
const BLOCK_ELEMENTS = 1 << 16;

/** The layout attrs of both kernels. */
interface RowsLayout {
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

function layoutOf(attrs: tf.NamedAttrMap): RowsLayout {
  const batch = attrs['batch'] as number;
  const channels = attrs['channels'] as number;
  const positions = attrs['positions'] as number;
  const block = Math.max(1, Math.min(BLOCK_CHANNELS, channels, Math.floor(BLOCK_ELEMENTS / positions)));
  return { batch, channels, positions, channelsLast: attrs['dataFormat'] === 'NHWC', block, stride: positions + 16 };
}

/** Block scratch (four blocks, two orders of one row), reused while the sizes hold. */
let blocks: { size: number; a: Uint32Array; b: Uint32Array; c: Uint32Array; d: Uint32Array; rowOrder: Int32Array; otherOrder: Int32Array } | undefined;

function blockScratch(size: number, n: number): NonNullable<typeof blocks> {
  if (blocks === undefined || blocks.size !== size || blocks.rowOrder.length !== n) {
    const [a, b, c, d] = [new Uint32Array(size), new Uint32Array(size), new Uint32Array(size), new Uint32Array(size)];
    blocks = { size, a, b, c, d, rowOrder: new Int32Array(n), otherOrder: new Int32Array(n) };
  }
  return blocks;
}

/** The float32 values of a block of bits (the same memory). */
function floats(bits: Uint32Array): Float32Array {
  return new Float32Array(bits.buffer, bits.byteOffset, bits.length);
}

/**
 * Copies channels `c0 … c0 + count − 1` of sample `sample` from `src` (user layout) into
 * `dst` as rows `[count, L]`.
 */
function readBlock(src: Uint32Array, dst: Uint32Array, layout: RowsLayout, sample: number, c0: number, count: number): void {
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
    readSixteen(src, dst, base + c0, channels, positions, stride);
    return;
  }
  for (let i = 0; i < positions; i++) {
    const p = base + i * channels + c0;
    for (let b = 0; b < count; b++) dst[b * stride + i] = src[p + b] as number;
  }
}

// The transposes of a full block of 16 channels, written out: V8 does not unroll the
// loop over the block's channels, and with constant offsets the read takes a third of
// the time and the write half (3 and 5 ms per 4 M elements against 10 and 11 in scratch
// measurements on this VM), which is a quarter of EFDM's forward outside its sorts.

function readSixteen(src: Uint32Array, dst: Uint32Array, start: number, channels: number, positions: number, stride: number): void {
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

function writeSixteen(src: Uint32Array, dst: Uint32Array, start: number, channels: number, positions: number, stride: number): void {
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
function writeBlock(src: Uint32Array, dst: Uint32Array, layout: RowsLayout, sample: number, c0: number, count: number): void {
  const { channels, positions, stride } = layout;
  const base = sample * channels * positions;
  if (!layout.channelsLast) {
    for (let b = 0; b < count; b++) dst.set(src.subarray(b * stride, b * stride + positions), base + (c0 + b) * positions);
    return;
  }
  if (count === BLOCK_CHANNELS) {
    writeSixteen(src, dst, base + c0, channels, positions, stride);
    return;
  }
  for (let i = 0; i < positions; i++) {
    const p = base + i * channels + c0;
    for (let b = 0; b < count; b++) dst[p + b] = src[b * stride + i] as number;
  }
}

function bitsOf(values: Float32Array | Int32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

const efdmForward: HostKernel = {
  outputs: (inputs, attrs) => {
    const content = input(inputs, 'content');
    const rows = (attrs['batch'] as number) * (attrs['channels'] as number);
    const positions = attrs['positions'] as number;
    return [
      // Every element is written: the target through a permutation, the orders row by row.
      { shape: [...content.shape], dtype: 'float32', filled: true },
      { shape: [rows, positions], dtype: 'int32', filled: true },
      { shape: [rows, positions], dtype: 'int32', filled: true },
    ];
  },
  run: (inputs, [target, contentOrder, styleOrder], attrs) => {
    const layout = layoutOf(attrs);
    const { batch, channels, positions: n, block, stride } = layout;
    const content = bitsOf(input(inputs, 'content').values);
    const style = bitsOf(input(inputs, 'style').values);
    const out = bitsOf(target as Float32Array);
    const contentOut = contentOrder as Int32Array;
    const styleOut = styleOrder as Int32Array;
    const s = scratchFor(n);
    const { a: contentBlock, b: styleBlock, c: targetBlock, rowOrder: contentRow } = blockScratch(block * stride, n);
    const sortedOrder = s.rowOrder;
    for (let sample = 0; sample < batch; sample++) {
      for (let c0 = 0; c0 < channels; c0 += block) {
        const count = Math.min(block, channels - c0);
        readBlock(content, contentBlock, layout, sample, c0, count);
        readBlock(style, styleBlock, layout, sample, c0, count);
        for (let b = 0; b < count; b++) {
          const start = b * stride;
          const row = (sample * channels + c0 + b) * n;
          // Stable ascending argsort of the content row, then of the style row.
          s.rowBits.set(contentBlock.subarray(start, start + n));
          s.argsort(true, 0);
          contentRow.set(sortedOrder);
          contentOut.set(sortedOrder, row);
          s.rowBits.set(styleBlock.subarray(start, start + n));
          s.argsort(true, 0);
          s.gatherSorted();
          styleOut.set(sortedOrder, row);
          // The style row is done with: it takes the sorted style values (one block copy).
          styleBlock.set(s.rowSorted, start);
          // t[contentOrder[k]] = sortedStyle[k] = style[styleOrder[k]] (bits: exact).
          for (let k = 0; k < n; k++) targetBlock[start + (contentRow[k] as number)] = styleBlock[start + k] as number;
        }
        writeBlock(targetBlock, out, layout, sample, c0, count);
      }
    }
  },
};

const efdmBackward: HostKernel = {
  // Filled: styleOrder is a permutation of every row (the forward's own output).
  outputs: (inputs) => [{ shape: [...input(inputs, 'dy').shape], dtype: 'float32', filled: true }],
  run: (inputs, [dStyle], attrs) => {
    const layout = layoutOf(attrs);
    const { batch, channels, positions: n, block, stride } = layout;
    const alpha = attrs['alpha'] as number;
    const dy = bitsOf(input(inputs, 'dy').values);
    const contentOrder = input(inputs, 'contentOrder').values;
    const styleOrder = input(inputs, 'styleOrder').values;
    const out = bitsOf(dStyle as Float32Array);
    const { a: dyBits, c: dBits, rowOrder: contentRow, otherOrder: styleRow } = blockScratch(block * stride, n);
    const dyBlock = new Float32Array(dyBits.buffer, dyBits.byteOffset, dyBits.length);
    const dBlock = new Float32Array(dBits.buffer, dBits.byteOffset, dBits.length);
    // α as float32, and each product rounded once: the composite's float32 multiply.
    const weight = Math.fround(alpha);
    for (let sample = 0; sample < batch; sample++) {
      for (let c0 = 0; c0 < channels; c0 += block) {
        const count = Math.min(block, channels - c0);
        readBlock(dy, dyBits, layout, sample, c0, count);
        for (let b = 0; b < count; b++) {
          const start = b * stride;
          const row = (sample * channels + c0 + b) * n;
          // The orders copied in one block each (wasm heap reads are slower, see radixSort.ts).
          contentRow.set(contentOrder.subarray(row, row + n));
          styleRow.set(styleOrder.subarray(row, row + n));
          // dStyle[styleOrder[k]] = α·dy[contentOrder[k]]: a permutation, no sums.
          if (weight === 1) {
            for (let k = 0; k < n; k++) dBits[start + (styleRow[k] as number)] = dyBits[start + (contentRow[k] as number)] as number;
          } else {
            for (let k = 0; k < n; k++) {
              dBlock[start + (styleRow[k] as number)] = Math.fround(weight * (dyBlock[start + (contentRow[k] as number)] as number));
            }
          }
        }
        writeBlock(dBits, out, layout, sample, c0, count);
      }
    }
  },
};

/** A sample's per-call weights as float32, as the composite's weight tensors hold them. */
function sampleWeights(attrs: tf.NamedAttrMap, name: string): Float64Array {
  return Float64Array.from(attrs[name] as number[], Math.fround);
}

/** Copies row `row` of `orders` (`[R, n]`) into `dst`: one block read (wasm heap reads are slower, see radixSort.ts). */
function orderRow(orders: Int32Array | Float32Array, row: number, n: number, dst: Int32Array): Int32Array {
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

/**
 * Walks each cycle n → perm[n] → … of a permutation of the samples, one block of
 * channels at a time, calling `visit(sample, next, own, theirs, c0, count)` with the
 * blocks of `sample` and of next = perm[sample], which `load(sample, dst, c0, count)`
 * puts into block scratch a, b, c as rows `[count, L]`. Each block is loaded once:
 * `theirs` becomes the next sample's `own`, and the cycle's first block, loaded before
 * any visit, serves as the last sample's `theirs`. A block of channels touches only its
 * own channels' elements, so the cycles run block by block.
 */
function walkCycles(
  perm: readonly number[],
  layout: RowsLayout,
  load: (sample: number, dst: Uint32Array, c0: number, count: number) => void,
  visit: (sample: number, next: number, own: Uint32Array, theirs: Uint32Array, c0: number, count: number) => void,
): void {
  const { channels, block, positions, stride } = layout;
  const { a, b, c: first } = blockScratch(block * stride, positions);
  for (const cycle of cyclesOf(perm)) {
    for (let c0 = 0; c0 < channels; c0 += block) {
      const count = Math.min(block, channels - c0);
      load(cycle[0] as number, first, c0, count);
      let own = first;
      for (let j = 0; j < cycle.length; j++) {
        const next = cycle[(j + 1) % cycle.length] as number;
        let theirs = first;
        if (j + 1 < cycle.length) {
          theirs = own === a ? b : a;
          load(next, theirs, c0, count);
        }
        visit(cycle[j] as number, next, own, theirs, c0, count);
        own = theirs;
      }
    }
  }
}

/**
 * EFDMix forward in one pass over x: with m = partner[n] and i = order[n][k],
 * `out[n][i] = (1 − λₙ)·sorted[m][k] + λₙ·sorted[n][k]`, since x[n][i] = sorted[n][k].
 * Following each cycle of the partner permutation, n → partner[n] → …, a sample's
 * sorted block is made once (its rows sorted in place, their orders stored) and serves
 * as its own block and then as the previous sample's partner block; so x is read once,
 * each row sorted once, and the output written once, with no gather from x.
 */
const efdmixForward: HostKernel = {
  outputs: (inputs, attrs) => {
    const rows = (attrs['batch'] as number) * (attrs['channels'] as number);
    return [
      // Every element is written: the mix through a permutation, the orders row by row.
      { shape: [...input(inputs, 'x').shape], dtype: 'float32', filled: true },
      { shape: [rows, attrs['positions'] as number], dtype: 'int32', filled: true },
    ];
  },
  run: (inputs, [mixed, orderOut], attrs) => {
    const layout = layoutOf(attrs);
    const { channels, positions: n, block, stride } = layout;
    const partner = attrs['partner'] as number[];
    const partnerWeight = sampleWeights(attrs, 'partnerWeight');
    const selfWeight = sampleWeights(attrs, 'selfWeight');
    const x = bitsOf(input(inputs, 'x').values);
    const out = bitsOf(mixed as Float32Array);
    const order = orderOut as Int32Array;
    const s = scratchFor(n);
    const { d: mixBits } = blockScratch(block * stride, n);
    // A sample's block of x, each row replaced by its sorted values; its orders stored.
    const sortBlock = (sample: number, dst: Uint32Array, c0: number, count: number): void => {
      readBlock(x, dst, layout, sample, c0, count);
      for (let b = 0; b < count; b++) {
        const start = b * stride;
        s.rowBits.set(dst.subarray(start, start + n));
        s.argsort(true, 0);
        s.gatherSorted();
        order.set(s.rowOrder, (sample * channels + c0 + b) * n);
        dst.set(s.rowSorted, start);
      }
    };
    walkCycles(partner, layout, sortBlock, (sample, _partner, own, theirs, c0, count) => {
      const [wPartner, wSelf] = [partnerWeight[sample] as number, selfWeight[sample] as number];
      for (let b = 0; b < count; b++) {
        const start = b * stride;
        const row = (sample * channels + c0 + b) * n;
        // t·(1 − λ) + x·λ at i = order[k], as blendRows.
        s.mix(own.subarray(start, start + n), theirs.subarray(start, start + n), order.subarray(row, row + n), wPartner, wSelf, mixBits.subarray(start, start + n));
      }
      writeBlock(mixBits, out, layout, sample, c0, count);
    });
  },
};

/**
 * EFDMix backward in one pass: sample j gets its own dy plus (1 − λ)·dy of its sender
 * s = inverse[j] along the ranks, `dx[j][order[j][k]] = dy[j][order[j][k]] + (1 −
 * λₛ)·dy[s][order[s][k]]`. Following the cycles of `inverse`, each sample's dy block is
 * read once and serves as the next sample's own.
 */
const efdmixBackward: HostKernel = {
  // Filled: every row of the order is a permutation (the forward's own output).
  outputs: (inputs) => [{ shape: [...input(inputs, 'dy').shape], dtype: 'float32', filled: true }],
  run: (inputs, [dx], attrs) => {
    const layout = layoutOf(attrs);
    const { channels, positions: n, block, stride } = layout;
    const inverse = attrs['inverse'] as number[];
    const partnerWeight = sampleWeights(attrs, 'partnerWeight');
    const dy = bitsOf(input(inputs, 'dy').values);
    const order = input(inputs, 'order').values;
    const out = bitsOf(dx as Float32Array);
    const { d: sumBits, rowOrder: ownOrder, otherOrder: senderOrder } = blockScratch(block * stride, n);
    const sum = floats(sumBits);
    const readDy = (sample: number, dst: Uint32Array, c0: number, count: number): void => readBlock(dy, dst, layout, sample, c0, count);
    walkCycles(inverse, layout, readDy, (sample, sender, own, theirs, c0, count) => {
      const [ownValues, theirValues] = [floats(own), floats(theirs)];
      const weight = partnerWeight[sender] as number;
      for (let b = 0; b < count; b++) {
        const start = b * stride;
        orderRow(order, sample * channels + c0 + b, n, ownOrder);
        orderRow(order, sender * channels + c0 + b, n, senderOrder);
        // The scaled gradient rounded to float32, then the float32 sum, as scaleRows
        // and tf.add.
        for (let k = 0; k < n; k++) {
          const i = start + (ownOrder[k] as number);
          sum[i] = (ownValues[i] as number) + Math.fround(weight * (theirValues[start + (senderOrder[k] as number)] as number));
        }
      }
      writeBlock(sumBits, out, layout, sample, c0, count);
    });
  },
};

// Pure annotations: the adapters are top-level calls, which a bundler keeps unless told
// they have no side effects (scripts/check-treeshake.mjs bundles one op at a time).
export const efdmForwardCpu: tf.KernelFunc | undefined = /* @__PURE__ */ cpuKernel(efdmForward);
export const efdmForwardWasm: tf.KernelFunc | undefined = /* @__PURE__ */ wasmKernel(efdmForward);
export const efdmBackwardCpu: tf.KernelFunc | undefined = /* @__PURE__ */ cpuKernel(efdmBackward);
export const efdmBackwardWasm: tf.KernelFunc | undefined = /* @__PURE__ */ wasmKernel(efdmBackward);
export const efdmixForwardCpu: tf.KernelFunc | undefined = /* @__PURE__ */ cpuKernel(efdmixForward);
export const efdmixForwardWasm: tf.KernelFunc | undefined = /* @__PURE__ */ wasmKernel(efdmixForward);
export const efdmixBackwardCpu: tf.KernelFunc | undefined = /* @__PURE__ */ cpuKernel(efdmixBackward);
export const efdmixBackwardWasm: tf.KernelFunc | undefined = /* @__PURE__ */ wasmKernel(efdmixBackward);
