/**
 * `FeatstatsEfdmixInputGradient` on cpu and wasm (contract in `../contract.ts`), in one
 * pass over dy along the cycles of the inverse permutation (`./blocks.ts`, `walkCycles`).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { cpuKernel, requiredInput, wasmKernel, type HostKernel } from '../../host/adapter';
import { bitsOf, blockScratch, floats, layoutOf, orderRow, readBlock, sampleWeights, walkCycles, writeBlock, type Block } from './blocks';

/**
 * EFDMix backward in one pass: sample j gets its own dy plus (1 − λ)·dy of its sender
 * s = inverse[j] along the ranks, `dx[j][order[j][k]] = dy[j][order[j][k]] + (1 −
 * λₛ)·dy[s][order[s][k]]`. Following the cycles of `inverse`, each sample's dy block is
 * read once and serves as the next sample's own.
 */
const EFDMIX_INPUT_GRADIENT: HostKernel = {
  // Filled: every row of the order is a permutation (the forward's own output).
  outputs: (inputs) => [{ shape: [...requiredInput(inputs, 'dy').shape], dtype: 'float32', filled: true }],
  run: (inputs, [dx], attrs) => {
    const layout = layoutOf(attrs);
    const { channels, positions: n, block, stride } = layout;
    const inverse = attrs['inverse'] as number[];
    const partnerWeight = sampleWeights(attrs, 'partnerWeight');
    const dy = bitsOf(requiredInput(inputs, 'dy').values);
    const order = requiredInput(inputs, 'order').values;
    const out = bitsOf(dx as Float32Array);
    const { d: sumBits, rowOrder: ownOrder, otherOrder: senderOrder } = blockScratch(block * stride, n);
    const sum = floats(sumBits);
    const readDy = (channelBlock: Block, dst: Uint32Array): void => readBlock(dy, dst, layout, channelBlock);
    walkCycles(inverse, layout, readDy, ({ block: channelBlock, next: sender, own, theirs }) => {
      const { sample, c0, count } = channelBlock;
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
      writeBlock(sumBits, out, layout, channelBlock);
    });
  },
};

// Pure annotations: see ./efdmTarget.ts.
export const efdmixInputGradientCpu: tf.KernelFunc = /* @__PURE__ */ cpuKernel(EFDMIX_INPUT_GRADIENT);
export const efdmixInputGradientWasm: tf.KernelFunc = /* @__PURE__ */ wasmKernel(EFDMIX_INPUT_GRADIENT);
