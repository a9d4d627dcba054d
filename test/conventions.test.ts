/**
 * The input conventions every op shares (README, "Conventions"):
 *
 * - int32 features (what `tf.browser.fromPixels` and `tf.node.decodeImage` return) are
 *   cast to float32 wherever the math is defined on real numbers; bool, string and
 *   complex64 stay errors. Integers below 2²⁴ are exact in float32, so an int32 input
 *   must give the float64 reference of its values, and exactly what the same values as
 *   float32 give.
 * - A rank-3 tensor under 'NHWC'/'NCHW' is ambiguous (one image [H, W, C], as tfjs's image
 *   ops read rank 3, or sequences [N, L, C]): an error naming both one-line fixes. 'NWC' and
 *   'NCW' (tfjs's conv1d names) take sequences.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import {
  adain,
  batchNorm,
  channelVariance,
  efdm,
  efdmix,
  gaussianBlur,
  gaussianNoise,
  groupNorm,
  instanceNorm,
  layerNorm,
  meanStd,
  perturbMeanStd,
  randomMask,
  sort,
} from '../src';
import { expectClose, expectThrowsWithoutLeak, readAndDispose } from './helpers/assert';
import { describeBackends } from './helpers/backends';
import { runs } from './helpers/properties';
import { TOLERANCE } from './helpers/tolerance';
import { adainReference } from './reference/adain';
import { efdmReference } from './reference/efdm';
import { pairedRows } from './reference/layout';
import { rowMoments } from './reference/meanStd';
import { instancePlan, normReference } from './reference/norms';

/** Pixel values as the image decoders give them: integers in [0, 255]. */
const pixels = (size: number, seed: number) => {
  let state = seed >>> 0;
  return Int32Array.from({ length: size }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % 256;
  });
};

/** One decoded image `[H, W, 3]` of pixels, with a seed. */
const image = fc.record({ height: fc.integer({ min: 1, max: 6 }), width: fc.integer({ min: 2, max: 6 }), seed: fc.nat() });

/** Every op of one features argument that computes in float32, called with its defaults. */
const FLOAT_OPS: Record<string, (x: tf.Tensor) => tf.Tensor | tf.Tensor[]> = {
  instanceNorm: (x) => instanceNorm(x),
  batchNorm: (x) => batchNorm(x),
  groupNorm: (x) => groupNorm(x, { groups: 3 }),
  layerNorm: (x) => layerNorm(x),
  meanStd: (x) => Object.values(meanStd(x, { unbiased: false })),
  adain: (x) => adain(x, tf.tidy(() => tf.reverse(x, 1))),
  efdm: (x) => efdm(x, tf.tidy(() => tf.reverse(x, 1))),
  efdmix: (x) => efdmix(x, { seed: 3, p: 1 }),
  perturbMeanStd: (x) => perturbMeanStd(x, tf.fill([3], 1.5), tf.fill([3], 0.5)),
  gaussianNoise: (x) => gaussianNoise(x, { std: 2, seed: 3 }),
  randomMask: (x) => randomMask(x, { fraction: 0.5, seed: 3 }),
  gaussianBlur: (x) => gaussianBlur(x, { kernelSize: 3, sigma: 1 }),
  channelVariance: (x) => channelVariance(x),
};

describeBackends('input conventions', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('accepts int32 features in every float op, giving exactly what the same values as float32 give', async () => {
    await fc.assert(
      fc.asyncProperty(image, fc.constantFrom(...Object.keys(FLOAT_OPS)), async ({ height, width, seed }, name) => {
        const op = FLOAT_OPS[name] as (x: tf.Tensor) => tf.Tensor | tf.Tensor[];
        const values = pixels(2 * height * width * 3, seed);
        const asInt = tf.tensor4d(values, [2, height, width, 3], 'int32');
        const asFloat = tf.tensor4d(Float32Array.from(values), [2, height, width, 3], 'float32');
        const fromInt = [op(asInt)].flat();
        const fromFloat = [op(asFloat)].flat();
        for (const [k, out] of fromInt.entries()) {
          expect(out.dtype).toBe('float32');
          expect(Array.from(await readAndDispose(out))).toEqual(Array.from(await readAndDispose(fromFloat[k] as tf.Tensor)));
        }
        tf.dispose([asInt, asFloat]);
      }),
      runs(30),
    );
  });

  it('gives the float64 reference for an int32 image: adain, efdm and instanceNorm after expandDims', async () => {
    await fc.assert(
      fc.asyncProperty(image, image, async (content, style) => {
        const contentShape = [1, content.height, content.width, 3];
        const styleShape = [1, style.height, style.width, 3];
        const contentValues = pixels(content.height * content.width * 3, content.seed);
        const styleValues = pixels(style.height * style.width * 3, style.seed + 1);
        // What tf.browser.fromPixels returns: int32 [H, W, 3]; one image takes its batch axis.
        const decoded = tf.tensor3d(contentValues, [content.height, content.width, 3], 'int32');
        const decodedStyle = tf.tensor3d(styleValues, [style.height, style.width, 3], 'int32');
        const batch = tf.expandDims(decoded, 0) as tf.Tensor4D;
        const styleBatch = tf.expandDims(decodedStyle, 0) as tf.Tensor4D;

        const options = { dataFormat: 'NHWC' as const, epsilon: 1e-5, unbiased: false, alpha: 1 };
        const expected = adainReference(contentValues, contentShape, styleValues, styleShape, options);
        // First-order float32 error of (c − μ_c)·σ_s/σ_c + μ_s: u·(|c| + |μ_c|) amplified by
        // σ_s/σ_c, plus u·|μ_s|; pixels are ≤ 255.
        // instanceNorm is the same with σ_s = 1, μ_s = 0 and ε = 1e-5 (its default).
        let scale = 0;
        let normScale = 0;
        for (const { row, styleRow } of pairedRows(contentShape, styleShape, 'NHWC')) {
          const sigmaC = Math.sqrt(rowMoments(row.map((i) => contentValues[i] as number), false)[1] + options.epsilon);
          const sigmaS = Math.sqrt(rowMoments(styleRow.map((i) => styleValues[i] as number), false)[1] + options.epsilon);
          scale = Math.max(scale, (2 * 255 * sigmaS) / sigmaC + 255);
          normScale = Math.max(normScale, (2 * 255) / sigmaC);
        }
        expectClose(await readAndDispose(adain(batch, styleBatch, { unbiased: false })), expected, tolerance.value, scale);

        // EFDM's output is style values placed by content rank: exact, whatever the dtype.
        const matched = await readAndDispose(efdm(batch, styleBatch));
        expectClose(matched, efdmReference(contentValues, contentShape, styleValues, styleShape, { dataFormat: 'NHWC', alpha: 1 }), tolerance.value, 255);

        const normalized = await readAndDispose(instanceNorm(batch));
        expectClose(normalized, normReference(contentValues, instancePlan(contentShape, 'NHWC'), 1e-5), tolerance.value, normScale);
        tf.dispose([decoded, decodedStyle, batch, styleBatch]);
      }),
      runs(20),
    );
  });

  it('keeps int32 as int32 in sort, and rejects bool, string and complex64 features naming the dtype', async () => {
    const ints = tf.tensor2d([3, 1, 2, 1], [2, 2], 'int32');
    const sorted = sort(ints);
    expect(sorted.dtype).toBe('int32');
    expect(Array.from(await readAndDispose(sorted))).toEqual([1, 3, 1, 2]);
    ints.dispose();
    const bad: Record<string, tf.Tensor> = { bool: tf.zeros([1, 2, 2, 3], 'bool'), string: tf.tensor(['a', 'b', 'c'], [1, 1, 1, 3], 'string') };
    // tfjs-backend-wasm has no Complex kernel: complex64 tensors exist on cpu and webgl only.
    if (tf.getKernel('Complex', tf.getBackend()) !== undefined) bad['complex64'] = tf.tidy(() => tf.complex(tf.zeros([1, 2, 2, 3]), tf.zeros([1, 2, 2, 3])));
    for (const [dtype, x] of Object.entries(bad)) {
      const shape = `\\[${x.shape.join(',')}\\]`;
      await expectThrowsWithoutLeak(() => instanceNorm(x), new RegExp(`^featstats\\.instanceNorm: x must be a float32 or int32 tensor but got ${dtype} \\(shape ${shape}\\)$`));
      await expectThrowsWithoutLeak(() => adain(x, x), new RegExp(`^featstats\\.adain: content must be a float32 or int32 tensor but got ${dtype} \\(shape ${shape}\\)$`));
    }
    tf.dispose(Object.values(bad));
  });

  it('rejects a rank-3 image under NHWC and NCHW, naming both one-line fixes, and leaks nothing', async () => {
    const decoded = tf.tensor3d(pixels(4 * 5 * 3, 7), [4, 5, 3], 'int32');
    const scales = tf.ones([3]);
    const ambiguous = (op: string, arg: string, format: 'NHWC' | 'NCHW') => {
      const [shapes, image, sequences, fix] = format === 'NHWC' ? ['\\[N, \\.\\.\\.S, C\\]', '\\[H, W, C\\]', '\\[N, L, C\\]', 'NWC'] : ['\\[N, C, \\.\\.\\.S\\]', '\\[C, H, W\\]', '\\[N, C, L\\]', 'NCW'];
      return new RegExp(
        `^featstats\\.${op}: ${arg} must have rank (2 \\(\\[N, C\\]\\) or )?>= 4 \\(${shapes}\\) for dataFormat '${format}' but got rank 3 \\(shape \\[4,5,3\\]\\), ` +
          `which is ambiguous: for one image ${image} add the batch axis, tf\\.expandDims\\(${arg}, 0\\); for sequences ${sequences} pass dataFormat: '${fix}'$`,
      );
    };
    // The case: adain(content, style) with a decoded image, under the default layout.
    await expectThrowsWithoutLeak(() => adain(decoded, decoded), ambiguous('adain', 'content', 'NHWC'));
    for (const format of ['NHWC', 'NCHW'] as const) {
      await expectThrowsWithoutLeak(() => adain(decoded, decoded, { dataFormat: format }), ambiguous('adain', 'content', format));
      await expectThrowsWithoutLeak(() => efdm(decoded, decoded, { dataFormat: format }), ambiguous('efdm', 'content', format));
      await expectThrowsWithoutLeak(() => efdmix(decoded, { dataFormat: format }), ambiguous('efdmix', 'x', format));
      await expectThrowsWithoutLeak(() => instanceNorm(decoded, { dataFormat: format }), ambiguous('instanceNorm', 'x', format));
      await expectThrowsWithoutLeak(() => batchNorm(decoded, { dataFormat: format }), ambiguous('batchNorm', 'x', format));
      await expectThrowsWithoutLeak(() => groupNorm(decoded, { groups: 1, dataFormat: format }), ambiguous('groupNorm', 'x', format));
      await expectThrowsWithoutLeak(() => meanStd(decoded, { dataFormat: format }), ambiguous('meanStd', 'x', format));
      await expectThrowsWithoutLeak(() => perturbMeanStd(decoded, scales, scales, { dataFormat: format }), ambiguous('perturbMeanStd', 'x', format));
      await expectThrowsWithoutLeak(() => gaussianBlur(decoded, { kernelSize: 3, sigma: 1, dataFormat: format }), ambiguous('gaussianBlur', 'images', format));
      await expectThrowsWithoutLeak(() => gaussianNoise(decoded, { std: 1, dataFormat: format }), ambiguous('gaussianNoise', 'images', format));
      await expectThrowsWithoutLeak(() => randomMask(decoded, { fraction: 0.5, dataFormat: format }), ambiguous('randomMask', 'images', format));
      await expectThrowsWithoutLeak(() => channelVariance(decoded, { dataFormat: format }), ambiguous('channelVariance', 'x', format));
    }
    // A sequence format takes rank 3 only.
    const image4d = tf.expandDims(decoded, 0);
    await expectThrowsWithoutLeak(() => instanceNorm(image4d, { dataFormat: 'NWC' }), /^featstats\.instanceNorm: x must have rank 3 \(\[N, L, C\]\) for dataFormat 'NWC' but got rank 4 \(shape \[1,4,5,3\]\)$/);
    tf.dispose([decoded, image4d, scales]);
  });

  it('reads rank 3 as sequences under NWC and NCW: per (n, c) statistics over L', async () => {
    const values = pixels(4 * 5 * 3, 11);
    const x = tf.tensor3d(values, [4, 5, 3], 'int32');
    // The same numbers as 4 images of 1×5 positions: what 'NWC' means.
    const expected = await readAndDispose(instanceNorm(tf.reshape(x, [4, 1, 5, 3])));
    expect(Array.from(await readAndDispose(instanceNorm(x, { dataFormat: 'NWC' })))).toEqual(Array.from(expected));
    // Transposed on the host: tfjs-backend-webgpu 4.22's Transpose does not compile for int32.
    const channelsFirst = tf.tensor3d(
      Array.from({ length: values.length }, (_, i) => values[Math.floor(i / 15) * 15 + (i % 5) * 3 + Math.floor((i % 15) / 5)] as number),
      [4, 3, 5],
      'int32',
    );
    const fromNcw = tf.transpose(instanceNorm(channelsFirst, { dataFormat: 'NCW' }), [0, 2, 1]);
    expectClose(await readAndDispose(fromNcw), expected, tolerance.value, 10);
    tf.dispose([x, channelsFirst]);
  });
});
