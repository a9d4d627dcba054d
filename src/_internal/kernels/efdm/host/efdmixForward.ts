/**
 * `FeatstatsEfdmixForward` on cpu and wasm (contract in `../contract.ts`), in one pass
 * over x along the cycles of the partner permutation (`./blocks.ts`, `walkCycles`).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';
import { scratchFor } from '../../sort/host/radixSort';
import { bitsOf, blockScratch, layoutOf, readBlock, sampleWeights, walkCycles, writeBlock, type Block } from './blocks';
import { mixRow } from './mixRow';

/**
 * EFDMix forward in one pass over x: with m = partner[n] and i = order[n][k],
 * `out[n][i] = (1 − λₙ)·sorted[m][k] + λₙ·sorted[n][k]`, since x[n][i] = sorted[n][k].
 * Following each cycle of the partner permutation, n → partner[n] → …, a sample's
 * sorted block is made once (its rows sorted in place, their orders stored) and serves
 * as its own block and then as the previous sample's partner block; so x is read once,
 * each row sorted once, and the output written once, with no gather from x.
 */
const EFDMIX_FORWARD: HostKernel = {
  outputs: (inputs, attrs) => {
    const rows = (attrs['batch'] as number) * (attrs['channels'] as number);
    return [
      // Every element is written: the mix through a permutation, the orders row by row.
      { shape: [...requiredInput(inputs, 'x').shape], dtype: 'float32', filled: true },
      { shape: [rows, attrs['positions'] as number], dtype: 'int32', filled: true },
    ];
  },
  run: (inputs, [mixed, orderOut], attrs, { options }) => {
    const layout = layoutOf(attrs);
    const { channels, positions: n, block, stride } = layout;
    const partner = attrs['partner'] as number[];
    const partnerWeight = sampleWeights(attrs, 'partnerWeight');
    const selfWeight = sampleWeights(attrs, 'selfWeight');
    const x = bitsOf(requiredInput(inputs, 'x').values);
    const out = bitsOf(mixed as Float32Array);
    const order = orderOut as Int32Array;
    const s = scratchFor(n, options);
    const { d: mixBits } = blockScratch(block * stride, n);
    // A sample's block of x, each row replaced by its sorted values; its orders stored.
    const sortBlock = (channelBlock: Block, dst: Uint32Array): void => {
      const { sample, c0, count } = channelBlock;
      readBlock(x, dst, layout, channelBlock);
      for (let b = 0; b < count; b++) {
        const start = b * stride;
        s.rowBits.set(dst.subarray(start, start + n));
        s.argsort(true, 0);
        s.gatherSorted();
        order.set(s.rowOrder, (sample * channels + c0 + b) * n);
        dst.set(s.rowSorted, start);
      }
    };
    walkCycles(partner, layout, sortBlock, ({ block: channelBlock, own, theirs }) => {
      const { sample, c0, count } = channelBlock;
      const [wPartner, wSelf] = [partnerWeight[sample] as number, selfWeight[sample] as number];
      for (let b = 0; b < count; b++) {
        const start = b * stride;
        const row = (sample * channels + c0 + b) * n;
        // t·(1 − λ) + x·λ at i = order[k], as blendRows.
        mixRow(
          s,
          { own: own.subarray(start, start + n), theirs: theirs.subarray(start, start + n), order: order.subarray(row, row + n), out: mixBits.subarray(start, start + n) },
          { partner: wPartner, self: wSelf },
        );
      }
      writeBlock(mixBits, out, layout, channelBlock);
    });
  },
};

// Pure annotations: see ./efdmTarget.ts.
export const efdmixForwardCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(EFDMIX_FORWARD);
export const efdmixForwardWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(EFDMIX_FORWARD);
