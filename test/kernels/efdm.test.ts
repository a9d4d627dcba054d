/**
 * The EFDM and EFDMix kernels (`src/_internal/kernels/efdm/contract.ts`) against their
 * composites, bit for bit: both layouts, rows of length 1, short (insertion sort) and
 * long (radix sort), channel counts that leave a partial block, a style of another
 * spatial shape with the same L, values full of ties and signed zeros or widely spread,
 * α = 1 and α ≠ 1 (EFDMix: weights 0, 1 and in between, partners that are a sample
 * itself or another), and no leaks. On a backend without a fused kernel both sides run
 * the composite.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { channelsLast } from '../reference/layout';

import { setFastPaths } from '../../src';
import {
  EFDM_STYLE_GRADIENT,
  EFDM_TARGET,
  EFDMIX_FORWARD,
  EFDMIX_INPUT_GRADIENT,
  efdmixForward as efdmixForwardKernel,
  efdmixInputGradient,
  efdmStyleGradient,
  efdmTarget,
  type EfdmixPairing,
  type EfdmLayouts,
} from '../../src/_internal/kernels/efdm/contract';
import { channelLayout, type ChannelLayout } from '../../src/_internal/layout';
import type { DataFormat } from '../../src/_internal/validate';
import { uniformFrom } from '../helpers/arbitraries';
import { expectNoLeak } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';
import { runs } from '../helpers/properties';

interface EfdmCase {
  readonly batch: number;
  readonly channels: number;
  /** Spatial dims of the content; the style's are the same reversed (same L). */
  readonly spatial: number[];
  readonly dataFormat: DataFormat;
  readonly ties: boolean;
  readonly alpha: number;
  readonly seed: number;
}

/** L = 1, short odd rows (insertion sort) and long rows (radix sort), rank 3 to 5. */
const efdmCase: fc.Arbitrary<EfdmCase> = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  channels: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 15, max: 19 })),
  spatial: fc.oneof(
    fc.constant<number[]>([1]),
    fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
    fc.tuple(fc.integer({ min: 6, max: 17 }), fc.integer({ min: 6, max: 17 })).map(([h, w]) => [h, w]),
  ),
  dataFormat: fc.constantFrom<DataFormat>('NHWC', 'NCHW'),
  ties: fc.boolean(),
  alpha: fc.constantFrom(1, 0.3, 0.7071),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

function shapeOf(batch: number, channels: number, spatial: number[], dataFormat: DataFormat): number[] {
  return channelsLast(dataFormat) ? [batch, ...spatial, channels] : [batch, channels, ...spatial];
}

/** Values with many ties and signed zeros, or a wide float spread. */
function makeFeatures(shape: number[], ties: boolean, uniform: () => number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: size }, () => {
    if (!ties) return (uniform() - 0.5) * 10 ** Math.floor(uniform() * 12 - 6);
    const tie = Math.floor(uniform() * 7) - 3;
    return tie === 0 && uniform() < 0.5 ? -0 : tie;
  });
  return tf.tensor(values, shape);
}

/** The target and both orders, as a list. */
function efdmForward(content: tf.Tensor, style: tf.Tensor, layouts: EfdmLayouts): [tf.Tensor, tf.Tensor2D, tf.Tensor2D] {
  const { target, contentOrder, styleOrder } = efdmTarget(content, style, layouts);
  return [target, contentOrder, styleOrder];
}

/** The style's gradient times α. */
function efdmBackward(dy: tf.Tensor, contentOrder: tf.Tensor2D, styleOrder: tf.Tensor2D, layouts: EfdmLayouts, alpha: number): tf.Tensor {
  return efdmStyleGradient(dy, { contentOrder, styleOrder, layouts, alpha });
}

/** The mixed features and x's order, as a list. */
function efdmixForward(x: tf.Tensor, layout: ChannelLayout, pairing: EfdmixPairing): [tf.Tensor, tf.Tensor2D] {
  const { mixed, order } = efdmixForwardKernel(x, { layout, pairing });
  return [mixed, order];
}

function efdmixBackward(dy: tf.Tensor, order: tf.Tensor2D, layout: ChannelLayout, pairing: EfdmixPairing): tf.Tensor {
  return efdmixInputGradient(dy, { order, layout, pairing });
}

function bits(values: Float32Array | Int32Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

/** Bits of every output of `f()` with fast paths on and with the composite. */
async function fusedAndComposite(f: () => tf.Tensor | tf.Tensor[]): Promise<[number[][], number[][]]> {
  const run = async (fast: boolean) => {
    setFastPaths(fast);
    try {
      const result = f();
      const outputs = Array.isArray(result) ? result : [result];
      const values = await Promise.all(outputs.map(async (t) => bits((await t.data()) as Float32Array | Int32Array)));
      const shapes = outputs.map((t) => t.shape);
      tf.dispose(outputs);
      return [...values, ...shapes];
    } finally {
      setFastPaths(true);
    }
  };
  return [await run(true), await run(false)];
}

async function expectSameAsComposite(f: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const [fused, composite] = await fusedAndComposite(f);
  expect(fused).toEqual(composite);
}

describeBackends('efdm kernels', () => {
  it('forward and backward match the composite bit for bit, in both layouts', async () => {
    await fc.assert(
      fc.asyncProperty(efdmCase, async ({ batch, channels, spatial, dataFormat, ties, alpha, seed }) => {
        const uniform = uniformFrom(seed);
        const contentShape = shapeOf(batch, channels, spatial, dataFormat);
        const styleShape = shapeOf(batch, channels, [...spatial].reverse(), dataFormat);
        const content = makeFeatures(contentShape, ties, uniform);
        const style = makeFeatures(styleShape, ties, uniform);
        const dy = makeFeatures(contentShape, false, uniform);
        const layout = { content: channelLayout(contentShape, dataFormat), style: channelLayout(styleShape, dataFormat) };
        await expectSameAsComposite(() => efdmForward(content, style, layout));
        const [target, contentOrder, styleOrder] = tf.tidy(() => {
          setFastPaths(false);
          try {
            return efdmForward(content, style, layout);
          } finally {
            setFastPaths(true);
          }
        });
        await expectSameAsComposite(() => efdmBackward(dy, contentOrder, styleOrder, layout, alpha));
        tf.dispose([content, style, dy, target, contentOrder, styleOrder]);
      }),
      runs(40),
    );
  });

  it('places the sorted style at the content ranks (a small NHWC case by hand)', async () => {
    // One sample, two channels, three positions: channel 0 content [3, 1, 2], style [10, 30, 20];
    // channel 1 content [0, 0, -1] (a tie), style [5, 4, 6].
    const content = tf.tensor3d([3, 0, 1, 0, 2, -1], [1, 3, 2]);
    const style = tf.tensor3d([10, 5, 30, 4, 20, 6], [1, 3, 2]);
    const layout = { content: channelLayout([1, 3, 2], 'NHWC'), style: channelLayout([1, 3, 2], 'NHWC') };
    const [target, contentOrder, styleOrder] = efdmForward(content, style, layout);
    expect(Array.from(await target.data())).toEqual([30, 5, 10, 6, 20, 4]);
    expect(Array.from(await contentOrder.data())).toEqual([1, 2, 0, 2, 0, 1]);
    expect(Array.from(await styleOrder.data())).toEqual([0, 2, 1, 1, 0, 2]);
    tf.dispose([content, style, target, contentOrder, styleOrder]);
  });

  it('leaks no tensors', async () => {
    const shape = [2, 5, 7, 3];
    const uniform = uniformFrom(7);
    const content = makeFeatures(shape, true, uniform);
    const style = makeFeatures(shape, false, uniform);
    const layout = { content: channelLayout(shape, 'NHWC'), style: channelLayout(shape, 'NHWC') };
    // Each kernel's output is disposed by the tidy; anything a kernel left behind would not be.
    await expectNoLeak(() =>
      tf.tidy(() => {
        const [, contentOrder, styleOrder] = efdmForward(content, style, layout);
        efdmBackward(content, contentOrder, styleOrder, layout, 1);
        efdmBackward(content, contentOrder, styleOrder, layout, 0.5);
      }),
    );
    tf.dispose([content, style]);
  });

  it('efdmix forward and backward match the composite bit for bit, in both layouts', async () => {
    await fc.assert(
      fc.asyncProperty(efdmCase, async ({ batch, channels, spatial, dataFormat, ties, seed }) => {
        const uniform = uniformFrom(seed);
        const shape = shapeOf(batch, channels, spatial, dataFormat);
        const x = makeFeatures(shape, ties, uniform);
        const dy = makeFeatures(shape, false, uniform);
        const layout = channelLayout(shape, dataFormat);
        const pairing = randomPairing(batch, uniform);
        await expectSameAsComposite(() => efdmixForward(x, layout, pairing));
        const [mixed, order] = tf.tidy(() => {
          setFastPaths(false);
          try {
            return efdmixForward(x, layout, pairing);
          } finally {
            setFastPaths(true);
          }
        });
        await expectSameAsComposite(() => efdmixBackward(dy, order, layout, pairing));
        tf.dispose([x, dy, mixed, order]);
      }),
      runs(40),
    );
  });

  it('efdmix takes the partner\'s sorted values at its own ranks (a small NCHW case by hand)', async () => {
    // Two samples, one channel, three positions, each the other's partner: sample 0 [3, 1, 2]
    // (order [1, 2, 0]), sample 1 [10, 30, 20] (order [0, 2, 1]). With λ = [0, 0.5]:
    // sample 0 is sample 1's values at its ranks, [30, 10, 20]; sample 1 is the mean of
    // itself and sample 0's values at its ranks [1, 3, 2], [5.5, 16.5, 11].
    const x = tf.tensor3d([3, 1, 2, 10, 30, 20], [2, 1, 3]);
    const layout = channelLayout([2, 1, 3], 'NCHW');
    const pairing: EfdmixPairing = { partner: [1, 0], inverse: [1, 0], partnerWeight: [1, 0.5], selfWeight: [0, 0.5] };
    const [mixed, order] = efdmixForward(x, layout, pairing);
    expect(Array.from(await mixed.data())).toEqual([30, 10, 20, 5.5, 16.5, 11]);
    expect(Array.from(await order.data())).toEqual([1, 2, 0, 0, 2, 1]);
    // dy = 1 everywhere: each sample gets its own 1 plus its sender's (1 − λ) = 1 or 0.5.
    const ones = tf.onesLike(x);
    const dx = efdmixBackward(ones, order, layout, pairing);
    expect(Array.from(await dx.data())).toEqual([1.5, 1.5, 1.5, 2, 2, 2]);
    tf.dispose([x, mixed, order, ones, dx]);
  });

  it('efdmix leaks no tensors', async () => {
    const shape = [2, 5, 7, 3];
    const uniform = uniformFrom(8);
    const x = makeFeatures(shape, true, uniform);
    const layout = channelLayout(shape, 'NHWC');
    const pairing = randomPairing(2, uniform);
    await expectNoLeak(() =>
      tf.tidy(() => {
        const [, order] = efdmixForward(x, layout, pairing);
        efdmixBackward(x, order, layout, pairing);
      }),
    );
    tf.dispose(x);
  });

  it('ran the fused kernels this backend has', () => {
    const backend = tf.getBackend();
    for (const kernel of [EFDM_TARGET, EFDM_STYLE_GRADIENT, EFDMIX_FORWARD, EFDMIX_INPUT_GRADIENT]) {
      if (kernel.backends[backend] !== undefined) expect(tf.getKernel(kernel.name, backend), kernel.name).toBeDefined();
    }
  });
});

/** A random partner permutation (samples may be their own partner) and weights with 0 and 1 among them. */
function randomPairing(batch: number, uniform: () => number): EfdmixPairing {
  const partner = Array.from({ length: batch }, (_, i) => i);
  for (let i = batch - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [partner[i], partner[j]] = [partner[j] as number, partner[i] as number];
  }
  const inverse = new Array<number>(batch);
  partner.forEach((m, n) => (inverse[m] = n));
  const selfWeight = partner.map(() => [0, 1, uniform()][Math.floor(uniform() * 3)] as number);
  return { partner, inverse, partnerWeight: selfWeight.map((lambda) => 1 - lambda), selfWeight };
}
