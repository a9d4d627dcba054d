import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { efdm, type EfdmOptions } from '../../src';
import { contentStylePair, makeValues } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, maxAbs, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { efdmGradientReference, efdmReference } from '../reference/efdm';
import { vjpByFiniteDifferences } from '../reference/finiteDifference';
import { channelRows, dims } from '../reference/layout';

describeBackendsBothPaths('efdm', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('returns the content shape for broadcast and resized styles', async () => {
    const [content, style] = [tf.randomNormal([2, 6, 5, 3]), tf.randomNormal([1, 3, 4, 3])];
    await expectNoLeak(() => {
      const out = efdm(content, style);
      expect(out.shape).toEqual([2, 6, 5, 3]);
      out.dispose();
    });
    tf.dispose([content, style]);
  });

  it('rejects bad input with a featstats.efdm message and leaks nothing', async () => {
    const content = tf.zeros([2, 4, 4, 3]);
    const [channels, batch, integers] = [tf.zeros([2, 3, 4, 4]), tf.zeros([3, 4, 4, 3]), tf.zeros([2, 4, 4, 3], 'bool')];
    await expectThrowsWithoutLeak(() => efdm(content, channels), /^featstats\.efdm: style must have rank 4, 3 channels and batch 2 or 1 \(content \[2,4,4,3\]\) but got shape \[2,3,4,4\]$/);
    await expectThrowsWithoutLeak(() => efdm(content, batch), /^featstats\.efdm: style must have .* but got shape \[3,4,4,3\]$/);
    await expectThrowsWithoutLeak(() => efdm(integers, content), /^featstats\.efdm: content must be a float32 or int32 tensor but got bool \(shape \[2,4,4,3\]\)$/);
    await expectThrowsWithoutLeak(() => efdm(content, content, { alpha: -0.1 }), /^featstats\.efdm: alpha must be a finite number >= 0 and <= 1 but got -0\.1$/);
    await expectThrowsWithoutLeak(() => efdm(content, content, { unbiased: true } as EfdmOptions), /^featstats\.efdm: options must only name dataFormat, alpha, ties, seed but got 'unbiased'$/);
    await expectThrowsWithoutLeak(() => efdm([1, 2], content), /^featstats\.efdm: content must have rank >= 4 .*but got rank 1/);
    tf.dispose([content, channels, batch, integers]);
  });

  it('matches the float64 reference (layouts, ranks, ties, broadcast and resized styles, alpha)', async () => {
    await fc.assert(
      fc.asyncProperty(contentStylePair(), fc.constantFrom(1, 0.5, 0.1), async ({ content, style }, alpha) => {
        const options = { dataFormat: content.dataFormat, alpha };
        const expected = efdmReference(content.values, content.shape, style.values, style.shape, options);
        const out = await readAndDispose(efdm(tf.tensor(content.values, content.shape), tf.tensor(style.values, style.shape), options));
        const sameSize = dims(content.shape, content.dataFormat).positions === dims(style.shape, style.dataFormat).positions;
        if (alpha === 1 && sameSize) {
          // Exact: every output value is a style value, placed by exactly computed ranks.
          expect(Array.from(out)).toEqual(Array.from(expected, Math.fround));
        } else {
          // Float32 rounding of the interpolation and blend is relative to the magnitudes
          // summed, which cancel when neighbours straddle zero.
          const scale = efdmReference(content.values, content.shape, style.values, style.shape, options, true);
          expectClose(out, expected, tolerance.value, scale);
        }
      }),
      runs(50),
    );
  });

  it('makes each output channel a permutation of the style channel that keeps the content order', async () => {
    await fc.assert(
      fc.asyncProperty(contentStylePair(), async ({ content, style }) => {
        const styleShape = [...style.shape];
        // Same spatial size as the content: only then is the match exact.
        const shape = [...content.shape];
        shape[0] = styleShape[0] as number;
        const styleValues = makeValues(shape, content.dataFormat, style.kind, style.scale, 11);
        const out = await readAndDispose(efdm(tf.tensor(content.values, content.shape), tf.tensor(styleValues, shape), { dataFormat: content.dataFormat }));
        const styleRows = channelRows(shape, content.dataFormat);
        const { channels } = dims(content.shape, content.dataFormat);
        channelRows(content.shape, content.dataFormat).forEach((row, r) => {
          const styleRow = styleRows[shape[0] === 1 ? r % channels : r] as number[];
          const sortedOut = row.map((i) => out[i] as number).sort((a, b) => a - b);
          expect(sortedOut).toEqual(styleRow.map((i) => styleValues[i] as number).sort((a, b) => a - b));
          const byContent = [...row].sort((a, b) => (content.values[a] as number) - (content.values[b] as number) || a - b);
          for (let k = 1; k < byContent.length; k++) {
            expect(out[byContent[k] as number] as number).toBeGreaterThanOrEqual(out[byContent[k - 1] as number] as number);
          }
        });
      }),
      runs(30),
    );
  });

  it('returns the content exactly when alpha is 0', async () => {
    await fc.assert(
      fc.asyncProperty(contentStylePair(), async ({ content, style }) => {
        const out = efdm(tf.tensor(content.values, content.shape), tf.tensor(style.values, style.shape), { alpha: 0, dataFormat: content.dataFormat });
        expect(Array.from(await readAndDispose(out))).toEqual(Array.from(content.values));
      }),
      runs(15),
    );
  });

  it('passes dy straight through to the content and routes α·dy to the style elements that supplied each target', async () => {
    await fc.assert(
      fc.asyncProperty(contentStylePair({ maxSize: 512 }), fc.constantFrom(1, 0.3), fc.integer({ min: 0, max: 1e6 }), async ({ content, style }, alpha, seed) => {
        const options = { dataFormat: content.dataFormat, alpha };
        const dy = makeValues(content.shape, 'NHWC', 'spread', 1, seed);
        const expected = efdmGradientReference(content.values, content.shape, style.values, style.shape, dy, options);
        const inputs = [tf.tensor(content.values, content.shape), tf.tensor(style.values, style.shape)];
        const dyTensor = tf.tensor(dy, content.shape);
        await expectNoLeak(async () => {
          const [dContent, dStyle] = tf.grads((c: tf.Tensor, s: tf.Tensor) => efdm(c, s, options))(inputs, dyTensor) as [tf.Tensor, tf.Tensor];
          expect(dStyle.shape).toEqual(style.shape);
          expect(Array.from(await readAndDispose(dContent))).toEqual(Array.from(dy));
          // Sums of routed α·dy: exact when nothing is resampled or broadcast, else float32 sums.
          expectClose(await readAndDispose(dStyle), expected.style, tolerance.gradient, maxAbs(expected.style));
        });
        tf.dispose([...inputs, dyTensor]);
      }),
      runs(40),
    );
  });

  it('has a style gradient equal to finite differences of the reference away from ties', async () => {
    await fc.assert(
      fc.asyncProperty(contentStylePair({ maxDim: 4, maxSize: 128 }, ['spread'], ['spread'], [1]), fc.integer({ min: 0, max: 1e6 }), async ({ content, style }, seed) => {
        const options = { dataFormat: content.dataFormat, alpha: 0.8 };
        const dy = makeValues(content.shape, 'NHWC', 'spread', 1, seed);
        const reference = vjpByFiniteDifferences((s) => efdmReference(content.values, content.shape, s, style.shape, options), style.values, dy, 1e-9);
        const inputs = [tf.tensor(content.values, content.shape), tf.tensor(style.values, style.shape)];
        const dyTensor = tf.tensor(dy, content.shape);
        const [dContent, dStyle] = tf.grads((c: tf.Tensor, s: tf.Tensor) => efdm(c, s, options))(inputs, dyTensor) as [tf.Tensor, tf.Tensor];
        dContent.dispose();
        expectClose(await readAndDispose(dStyle), reference, tolerance.gradient, maxAbs(reference));
        tf.dispose([...inputs, dyTensor]);
      }),
      runs(20),
    );
  });

  it('leaks no tensor through forward, backward and array inputs', async () => {
    const [content, style] = [tf.randomNormal([2, 4, 4, 3]), tf.randomNormal([1, 3, 3, 3])];
    await expectNoLeak(() => {
      const outputs = [
        efdm(content, style, { alpha: 0.5 }),
        ...tf.grads((c: tf.Tensor, s: tf.Tensor) => efdm(c, s))([content, style]),
        efdm([[[1], [2]]], [[[3], [5]]], { dataFormat: 'NWC' }),
      ];
      tf.dispose(outputs);
    });
    tf.dispose([content, style]);
  });
});
