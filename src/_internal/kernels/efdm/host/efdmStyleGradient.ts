/**
 * `FeatstatsEfdmStyleGradient` on cpu and wasm (contract in `../contract.ts`):
 * `dStyle[styleOrder[k]] = α·dy[contentOrder[k]]` per row, block by block (`./blocks.ts`).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';
import { bitsOf, blocksOf, blockScratch, layoutOf, readBlock, writeBlock } from './blocks';

const EFDM_STYLE_GRADIENT: HostKernel = {
  // Filled: styleOrder is a permutation of every row (the forward's own output).
  outputs: (inputs) => [{ shape: [...requiredInput(inputs, 'dy').shape], dtype: 'float32', filled: true }],
  run: (inputs, [dStyle], attrs) => {
    const layout = layoutOf(attrs);
    const { batch, channels, positions: n, block, stride } = layout;
    const alpha = attrs['alpha'] as number;
    const dy = bitsOf(requiredInput(inputs, 'dy').values);
    const contentOrder = requiredInput(inputs, 'contentOrder').values;
    const styleOrder = requiredInput(inputs, 'styleOrder').values;
    const out = bitsOf(dStyle as Float32Array);
    const { a: dyBits, c: dBits, rowOrder: contentRow, otherOrder: styleRow } = blockScratch(block * stride, n);
    const dyBlock = new Float32Array(dyBits.buffer, dyBits.byteOffset, dyBits.length);
    const dBlock = new Float32Array(dBits.buffer, dBits.byteOffset, dBits.length);
    // α as float32, and each product rounded once: the composite's float32 multiply.
    const weight = Math.fround(alpha);
    for (let sample = 0; sample < batch; sample++) {
      for (const channelBlock of blocksOf(layout, sample)) {
        const { c0, count } = channelBlock;
        readBlock(dy, dyBits, layout, channelBlock);
        for (let b = 0; b < count; b++) {
          const start = b * stride;
          const row = (sample * channels + c0 + b) * n;
          // The orders copied in one block each (wasm heap reads are slower, see ../../sort/host/radixSort.ts).
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
        writeBlock(dBits, out, layout, channelBlock);
      }
    }
  },
};

// Pure annotations: see ./efdmTarget.ts.
export const efdmStyleGradientCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(EFDM_STYLE_GRADIENT);
export const efdmStyleGradientWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(EFDM_STYLE_GRADIENT);
