/**
 * Host (cpu and wasm) implementations of the EFDM kernels in `../efdmRows.ts` (contracts
 * there), adapted to both backends by `../host.ts`.
 *
 * Both work on blocks of up to {@link BLOCK_CHANNELS} channels of one sample: the block's
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

/** Block scratch (three blocks, two orders of one row), reused while the sizes hold. */
let blocks: { size: number; a: Uint32Array; b: Uint32Array; c: Uint32Array; rowOrder: Int32Array; otherOrder: Int32Array } | undefined;

function blockScratch(size: number, n: number): NonNullable<typeof blocks> {
  if (blocks === undefined || blocks.size !== size || blocks.rowOrder.length !== n) {
    const [a, b, c] = [new Uint32Array(size), new Uint32Array(size), new Uint32Array(size)];
    blocks = { size, a, b, c, rowOrder: new Int32Array(n), otherOrder: new Int32Array(n) };
  }
  return blocks;
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
  for (let i = 0; i < positions; i++) {
    const p = base + i * channels + c0;
    for (let b = 0; b < count; b++) dst[b * stride + i] = src[p + b] as number;
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
          styleOut.set(sortedOrder, row);
          // t[contentOrder[k]] = sortedStyle[k] = style[styleOrder[k]] (bits: exact).
          for (let k = 0; k < n; k++) {
            targetBlock[start + (contentRow[k] as number)] = styleBlock[start + (sortedOrder[k] as number)] as number;
          }
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

// Pure annotations: the adapters are top-level calls, which a bundler keeps unless told
// they have no side effects (scripts/check-treeshake.mjs bundles one op at a time).
export const efdmForwardCpu: tf.KernelFunc | undefined = /* @__PURE__ */ cpuKernel(efdmForward);
export const efdmForwardWasm: tf.KernelFunc | undefined = /* @__PURE__ */ wasmKernel(efdmForward);
export const efdmBackwardCpu: tf.KernelFunc | undefined = /* @__PURE__ */ cpuKernel(efdmBackward);
export const efdmBackwardWasm: tf.KernelFunc | undefined = /* @__PURE__ */ wasmKernel(efdmBackward);
