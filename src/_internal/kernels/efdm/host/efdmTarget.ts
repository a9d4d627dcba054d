/**
 * `FeatstatsEfdmTarget` on cpu and wasm (contract in `../contract.ts`): per block of
 * channels (`./blocks.ts`), both rows sorted and the sorted style placed at the content's
 * ranks, in the user's layout.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';
import { scratchFor } from '../../sort/host/radixSort';
import { bitsOf, blocksOf, blockScratch, layoutOf, readBlock, writeBlock } from './blocks';

const EFDM_TARGET: HostKernel = {
  outputs: (inputs, attrs) => {
    const content = requiredInput(inputs, 'content');
    const rows = (attrs['batch'] as number) * (attrs['channels'] as number);
    const positions = attrs['positions'] as number;
    return [
      // Every element is written: the target through a permutation, the orders row by row.
      { shape: [...content.shape], dtype: 'float32', filled: true },
      { shape: [rows, positions], dtype: 'int32', filled: true },
      { shape: [rows, positions], dtype: 'int32', filled: true },
    ];
  },
  run: (inputs, [target, contentOrder, styleOrder], attrs, { options }) => {
    const layout = layoutOf(attrs);
    const { batch, channels, positions: n, block, stride } = layout;
    const content = bitsOf(requiredInput(inputs, 'content').values);
    const style = bitsOf(requiredInput(inputs, 'style').values);
    const out = bitsOf(target as Float32Array);
    const contentOut = contentOrder as Int32Array;
    const styleOut = styleOrder as Int32Array;
    const s = scratchFor(n, options);
    const { a: contentBlock, b: styleBlock, c: targetBlock, rowOrder: contentRow } = blockScratch(block * stride, n);
    const sortedOrder = s.rowOrder;
    for (let sample = 0; sample < batch; sample++) {
      for (const channelBlock of blocksOf(layout, sample)) {
        const { c0, count } = channelBlock;
        readBlock(content, contentBlock, layout, channelBlock);
        readBlock(style, styleBlock, layout, channelBlock);
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
        writeBlock(targetBlock, out, layout, channelBlock);
      }
    }
  },
};

// Pure annotations: the adapters are top-level calls, which a bundler keeps unless told
// they have no side effects (scripts/check-treeshake.mjs bundles one op at a time).
export const efdmTargetCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(EFDM_TARGET);
export const efdmTargetWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(EFDM_TARGET);
