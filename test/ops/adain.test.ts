import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { adain } from '../../src';
import { contentStylePair, makeValues } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, maxAbs, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { adainReference } from '../reference/adain';
import { vjpByFiniteDifferences } from '../reference/finiteDifference';
import { dims, pairedRows, type DataFormat } from '../reference/layout';
import { meanStdReference, rowMoments } from '../reference/meanStd';

/**
 * First-order float32 error scale of adain at each element: the mean's rounding
 * (≈ u·(|c| + |μ_c|)) is amplified by σ_s/σ_c, and μ_s adds its own magnitude; the
 * blend adds (1 − α)·|c|.
 */
function adainErrorScale(
  content: Float32Array,
  contentShape: number[],
  style: Float32Array,
  styleShape: number[],
  options: { dataFormat: DataFormat; epsilon: number; unbiased: boolean; alpha: number },
): Float64Array {
  const scale = new Float64Array(content.length);
  const styleStats = meanStdReference(style, styleShape, options);
  for (const { row, styleIndex } of pairedRows(contentShape, styleShape, options.dataFormat)) {
    const values = row.map((i) => content[i] as number);
    const [mu, variance] = rowMoments(values, options.unbiased);
    const sigma = Math.sqrt(variance + options.epsilon);
    const [muS, sigmaS] = [styleStats.mean[styleIndex] as number, styleStats.std[styleIndex] as number];
    for (const i of row) {
      const c = Math.abs(content[i] as number);
      scale[i] = options.alpha * ((sigma === 0 ? 0 : (sigmaS * (c + Math.abs(mu))) / sigma) + Math.abs(muS) + sigmaS) + (1 - options.alpha) * c;
    }
  }
  return scale;
}

/**
 * Error scales of the two gradients: the closed form subtracts terms of magnitude
 * (σ_s/σ_c)·|g| (content) and Σ|g|/L' + Σ|g·x̂|·|s − μ_s|/(σ_s·k') (style), so float32
 * rounding is relative to those, not to the (possibly cancelled-to-zero) result.
 */
function adainGradientScales(
  content: Float32Array,
  contentShape: number[],
  style: Float32Array,
  styleShape: number[],
  dy: Float32Array,
  options: { dataFormat: DataFormat; epsilon: number; unbiased: boolean; alpha: number },
): { content: number; style: number } {
  const styleStats = meanStdReference(style, styleShape, options);
  const contentStats = meanStdReference(content, contentShape, options);
  const { batch } = dims(contentShape, options.dataFormat);
  const styleBatch = dims(styleShape, options.dataFormat).batch;
  let contentScale = 0;
  let styleScale = 0;
  for (const { row, r, styleRow, styleIndex: s } of pairedRows(contentShape, styleShape, options.dataFormat)) {
    const [sigmaC, sigmaS, muS] = [contentStats.std[r] as number, styleStats.std[s] as number, styleStats.mean[s] as number];
    const g = row.map((i) => options.alpha * Math.abs(dy[i] as number));
    const sumG = g.reduce((a, b) => a + b, 0);
    contentScale = Math.max(contentScale, ((sigmaS / sigmaC) * sumG) + Math.max(...g));
    const spread = Math.max(...styleRow.map((i) => Math.abs((style[i] as number) - muS)));
    const sumGNormalized = row.reduce((a, i, l) => a + (g[l] as number) * Math.abs(((content[i] as number) - (contentStats.mean[r] as number)) / sigmaC), 0);
    styleScale = Math.max(styleScale, (sumG / styleRow.length) * (styleBatch === 1 ? batch : 1) + (sumGNormalized * spread) / sigmaS);
  }
  return { content: contentScale, style: styleScale };
}

describeBackendsBothPaths('adain', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('returns the content shape for a broadcast style of another spatial size', async () => {
    const [content, style] = [tf.randomNormal([2, 6, 5, 3]), tf.randomNormal([1, 4, 4, 3])];
    await expectNoLeak(() => {
      const out = adain(content, style);
      expect(out.shape).toEqual([2, 6, 5, 3]);
      out.dispose();
    });
    tf.dispose([content, style]);
  });

  it('rejects bad input with a featstats.adain message and leaks nothing', async () => {
    const content = tf.zeros([2, 4, 4, 3]);
    const bad = {
      channels: tf.zeros([2, 4, 4, 2]),
      batch: tf.zeros([3, 4, 4, 3]),
      rank: tf.zeros([2, 4, 4, 1, 3]),
      single: tf.zeros([2, 1, 1, 3]),
    };
    await expectThrowsWithoutLeak(() => adain(content, bad.channels), /^featstats\.adain: style must have rank 4, 3 channels and batch 2 or 1 \(content \[2,4,4,3\]\) but got shape \[2,4,4,2\]$/);
    await expectThrowsWithoutLeak(() => adain(content, bad.batch), /featstats\.adain: style must have .* but got shape \[3,4,4,3\]/);
    await expectThrowsWithoutLeak(() => adain(content, bad.rank), /featstats\.adain: style must have rank 4, .* but got shape \[2,4,4,1,3\]/);
    await expectThrowsWithoutLeak(() => adain(content, bad.single), /featstats\.adain: style must have at least 2 spatial positions .* but got shape \[2,1,1,3\]/);
    await expectThrowsWithoutLeak(() => adain(content, content, { alpha: 1.5 }), /featstats\.adain: alpha must be a finite number >= 0 and <= 1 but got 1\.5/);
    await expectThrowsWithoutLeak(() => adain(content, content, { alpha: Number.NaN }), /featstats\.adain: alpha must be a finite number/);
    tf.dispose([content, ...Object.values(bad)]);
  });

  it('matches the float64 reference (layouts, ranks, broadcast and resized styles, alpha, variance)', async () => {
    await fc.assert(
      fc.asyncProperty(
        contentStylePair({ minPositions: 2 }),
        fc.boolean(),
        fc.constantFrom(0, 1e-5, 1e-2),
        fc.constantFrom(1, 0.5, 0.25, 0),
        async ({ content, style }, unbiased, epsilon, alpha) => {
          const options = { dataFormat: content.dataFormat, unbiased, epsilon, alpha };
          const expected = adainReference(content.values, content.shape, style.values, style.shape, options);
          const out = adain(tf.tensor(content.values, content.shape), tf.tensor(style.values, style.shape), options);
          const scale = adainErrorScale(content.values, content.shape, style.values, style.shape, options);
          expectClose(await readAndDispose(out), expected, tolerance.value, scale);
        },
      ),
      runs(40),
    );
  });

  it('gives every output channel the style channel mean and std', async () => {
    await fc.assert(
      fc.asyncProperty(contentStylePair({ minPositions: 2 }, ['spread'], ['spread', 'ties']), async ({ content, style }) => {
        const options = { dataFormat: content.dataFormat, unbiased: true, epsilon: 0 };
        const out = await readAndDispose(adain(tf.tensor(content.values, content.shape), tf.tensor(style.values, style.shape), options));
        const achieved = meanStdReference(out, content.shape, options);
        const target = meanStdReference(style.values, style.shape, options);
        const { batch, channels } = dims(content.shape, content.dataFormat);
        const broadcastTarget = (stats: Float64Array) =>
          Float64Array.from({ length: batch * channels }, (_, r) => stats[style.shape[0] === 1 ? r % channels : r] as number);
        // The content's mean is a float32 statistic: its rounding, up to half an ulp of
        // |μ_c|, shifts every centred value alike and comes out scaled by k = σ_s/σ_c.
        // A nearly constant content channel (σ_c ≪ |μ_c|) amplifies it far past the
        // style's scale, on every path (the composite's float32 mean too), so each
        // channel's scale adds k·|μ_c| (an ulp is 6e-8 of it, inside atol·k·|μ_c|).
        const contentStats = meanStdReference(content.values, content.shape, options);
        const styleScale = maxAbs(style.values);
        const scales = broadcastTarget(target.std).map((sigma, r) => {
          const amplification = (contentStats.std[r] as number) > 0 ? (sigma / (contentStats.std[r] as number)) * Math.abs(contentStats.mean[r] as number) : 0;
          return 10 * styleScale + amplification;
        });
        expectClose(achieved.mean, broadcastTarget(target.mean), tolerance.value, scales);
        expectClose(achieved.std, broadcastTarget(target.std), tolerance.value, scales);
      }),
      runs(30),
    );
  });

  it('returns the content exactly when alpha is 0', async () => {
    await fc.assert(
      fc.asyncProperty(contentStylePair({ minPositions: 2 }), async ({ content, style }) => {
        const out = adain(tf.tensor(content.values, content.shape), tf.tensor(style.values, style.shape), { alpha: 0, dataFormat: content.dataFormat });
        expect(Array.from(await readAndDispose(out))).toEqual(Array.from(content.values));
      }),
      runs(15),
    );
  });

  it('has content and style gradients equal to finite differences of the reference', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Scale 1: central differences need a step far below the curvature scale √ε of a
        // constant channel, which a 1e4-scale step (h ∝ |x|) would not be.
        contentStylePair({ minPositions: 2, maxDim: 4, maxSize: 64 }, ['spread', 'constantChannels'], ['spread', 'ties'], [1]),
        fc.boolean(),
        fc.constantFrom(1, 0.7),
        fc.integer({ min: 0, max: 1e6 }),
        async ({ content, style }, unbiased, alpha, seed) => {
          const options = { dataFormat: content.dataFormat, unbiased, epsilon: 1e-5, alpha };
          const dy = makeValues(content.shape, 'NHWC', 'spread', 1, seed);
          const expectedContent = vjpByFiniteDifferences((c) => adainReference(c, content.shape, style.values, style.shape, options), content.values, dy);
          const expectedStyle = vjpByFiniteDifferences((s) => adainReference(content.values, content.shape, s, style.shape, options), style.values, dy);
          const inputs = [tf.tensor(content.values, content.shape), tf.tensor(style.values, style.shape)];
          const dyTensor = tf.tensor(dy, content.shape);
          await expectNoLeak(async () => {
            const [dContent, dStyle] = tf.grads((c: tf.Tensor, s: tf.Tensor) => adain(c, s, options))(inputs, dyTensor) as [tf.Tensor, tf.Tensor];
            expect(dContent.shape).toEqual(content.shape);
            expect(dStyle.shape).toEqual(style.shape);
            const scales = adainGradientScales(content.values, content.shape, style.values, style.shape, dy, options);
            expectClose(await readAndDispose(dContent), expectedContent, tolerance.gradient, scales.content);
            expectClose(await readAndDispose(dStyle), expectedStyle, tolerance.gradient, scales.style);
          });
          // The gradients may take over the engine's private copies of the saved inputs
          // (wasm), never the inputs themselves.
          expect(Array.from(await (inputs[0] as tf.Tensor).data())).toEqual(Array.from(Float32Array.from(content.values)));
          expect(Array.from(await (inputs[1] as tf.Tensor).data())).toEqual(Array.from(Float32Array.from(style.values)));
          tf.dispose([...inputs, dyTensor]);
        },
      ),
      runs(30),
    );
  });

  it('leaks no tensor through forward, backward and array inputs', async () => {
    const [content, style] = [tf.randomNormal([2, 4, 4, 3]), tf.randomNormal([1, 3, 3, 3])];
    await expectNoLeak(() => {
      const out = adain(content, style, { alpha: 0.5 });
      const grads = tf.grads((c: tf.Tensor, s: tf.Tensor) => adain(c, s))([content, style]);
      const fromArrays = adain([[[1], [2]]], [[[3], [5]]], { dataFormat: 'NWC' });
      tf.dispose([out, ...grads, fromArrays]);
    });
    tf.dispose([content, style]);
  });
});

