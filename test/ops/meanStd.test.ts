import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { meanStd, type MeanStdOptions } from '../../src';
import { featureCase, makeValues } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, maxAbs, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { vjpByFiniteDifferences } from '../reference/finiteDifference';
import { channelsLast, channelRows, formatForRank } from '../reference/layout';
import { meanStdReference } from '../reference/meanStd';

describeBackendsBothPaths('meanStd', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('returns statistics shaped to broadcast against x in both layouts', async () => {
    const [a, b] = [tf.zeros([2, 5, 4, 3]), tf.zeros([2, 3, 4, 2, 2])];
    await expectNoLeak(() => {
      const nhwc = meanStd(a);
      expect(nhwc.mean.shape).toEqual([2, 1, 1, 3]);
      expect(nhwc.std.shape).toEqual([2, 1, 1, 3]);
      const ncdhw = meanStd(b, { dataFormat: 'NCHW' });
      expect(ncdhw.mean.shape).toEqual([2, 3, 1, 1, 1]);
      expect(ncdhw.std.shape).toEqual([2, 3, 1, 1, 1]);
      tf.dispose([nhwc.mean, nhwc.std, ncdhw.mean, ncdhw.std]);
    });
    tf.dispose([a, b]);
  });

  it('rejects bad input with a featstats.meanStd message and leaks nothing', async () => {
    const x = tf.zeros([2, 4, 4, 3]);
    const [matrix, integers, empty, single] = [tf.zeros([4, 3]), tf.zeros([2, 4, 4, 3], 'bool'), tf.zeros([2, 0, 2, 3]), tf.zeros([2, 1, 1, 3])];
    await expectThrowsWithoutLeak(() => meanStd(matrix), /^featstats\.meanStd: x must have rank >= 4 .* for dataFormat 'NHWC' but got rank 2 \(shape \[4,3\]\)$/);
    await expectThrowsWithoutLeak(() => meanStd(integers), /^featstats\.meanStd: x must be a float32 or int32 tensor but got bool \(shape \[2,4,4,3\]\)$/);
    await expectThrowsWithoutLeak(() => meanStd(empty), /featstats\.meanStd: x must not be empty but got shape \[2,0,2,3\]/);
    await expectThrowsWithoutLeak(() => meanStd(single), /featstats\.meanStd: x must have at least 2 spatial positions for the unbiased variance .* but got shape \[2,1,1,3\]/);
    await expectThrowsWithoutLeak(() => meanStd(x, { epsilon: -1 }), /featstats\.meanStd: epsilon must be a finite number >= 0 but got -1/);
    await expectThrowsWithoutLeak(() => meanStd(x, { dataFormat: 'HWC' as 'NHWC' }), /featstats\.meanStd: dataFormat must be 'NHWC', 'NCHW', 'NWC' or 'NCW' but got "HWC"/);
    await expectThrowsWithoutLeak(() => meanStd(x, { dataformat: 'NCHW' } as MeanStdOptions), /featstats\.meanStd: options must only name dataFormat, epsilon, unbiased but got 'dataformat'/);
    await expectThrowsWithoutLeak(() => meanStd([[1, 2]]), /featstats\.meanStd: x must have rank >= 4/);
    tf.dispose([x, matrix, integers, empty, single]);
  });

  it('accepts a single spatial position with the biased variance', async () => {
    const { mean, std } = meanStd(tf.tensor([[[1, 2]], [[3, 4]]]), { unbiased: false, epsilon: 0, dataFormat: 'NWC' });
    expect(Array.from(await readAndDispose(mean))).toEqual([1, 2, 3, 4]);
    expect(Array.from(await readAndDispose(std))).toEqual([0, 0, 0, 0]);
  });

  it('matches the float64 reference for every layout, rank and value kind', async () => {
    await fc.assert(
      fc.asyncProperty(featureCase({ minPositions: 2 }), fc.boolean(), fc.constantFrom(0, 1e-5, 1e-2), async (data, unbiased, epsilon) => {
        const options = { dataFormat: data.dataFormat, unbiased, epsilon };
        const expected = meanStdReference(data.values, data.shape, options);
        const { mean, std } = meanStd(tf.tensor(data.values, data.shape), options);
        // The mean's error scales with the values summed; the std's with itself
        // (two-pass: the mean's rounding does not reach the variance).
        expectClose(await readAndDispose(mean), expected.mean, tolerance.value, maxAbs(data.values));
        expectClose(await readAndDispose(std), expected.std, tolerance.value, expected.std);
      }),
      runs(40),
    );
  });

  it('keeps the variance of values near 1e4 with a spread of 1e-2', async () => {
    const shape = [2, 16, 16, 4];
    const values = makeValues(shape, 'NHWC', 'offset', 1, 7);
    const expected = meanStdReference(values, shape, { dataFormat: 'NHWC', unbiased: true, epsilon: 0 });
    const { mean, std } = meanStd(tf.tensor(values, shape), { epsilon: 0 });
    mean.dispose();
    // One-pass E[x²] − E[x]² in float32 would return 0 or garbage here (σ ≈ 6e-3 ≪ ulp(1e8)).
    expectClose(await readAndDispose(std), expected.std, { rtol: 1e-3, atol: 0 });
  });

  it('gives the same statistics in NHWC and NCHW', async () => {
    await fc.assert(
      fc.asyncProperty(featureCase({ minPositions: 2, maxRank: 4 }).filter((data) => channelsLast(data.dataFormat)), async (data) => {
        const nhwc = tf.tensor(data.values, data.shape);
        const nchw = tf.transpose(nhwc, [0, data.shape.length - 1, ...data.shape.slice(1, -1).map((_, i) => i + 1)]);
        const a = meanStd(nhwc, { dataFormat: data.dataFormat });
        const b = meanStd(nchw, { dataFormat: formatForRank('NCHW', data.shape.length) });
        expectClose(await readAndDispose(a.mean), await readAndDispose(b.mean), tolerance.value, maxAbs(data.values));
        expectClose(await readAndDispose(a.std), await readAndDispose(b.std), tolerance.value, maxAbs(data.values));
        tf.dispose([nhwc, nchw]);
      }),
      runs(15),
    );
  });

  it('has gradients equal to finite differences of the reference, for mean and std', async () => {
    await fc.assert(
      fc.asyncProperty(
        featureCase({ minPositions: 2, maxDim: 4, maxSize: 96 }, ['spread', 'constantChannels', 'ties']),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        async (data, unbiased, seed) => {
          const options = { dataFormat: data.dataFormat, unbiased, epsilon: 1e-5 };
          const statsCount = meanStdReference(data.values, data.shape, options).mean.length;
          const dy = makeValues([statsCount], 'NHWC', 'spread', 1, seed);
          const x = tf.tensor(data.values, data.shape);
          const statsShape = data.shape.map((d, axis) => (axis === 0 || axis === (channelsLast(data.dataFormat) ? data.shape.length - 1 : 1) ? d : 1));
          const dyTensor = tf.tensor(dy, statsShape);
          // dσ/dx = (x − μ)/((L − ddof)·σ): the mean's rounding, u·(|x| + |μ|), is divided
          // by σ too, which dominates when the deviations are a few ulps of the mean.
          const stats = meanStdReference(data.values, data.shape, options);
          const positions = data.values.length / statsCount;
          const stdScale = channelRows(data.shape, data.dataFormat).reduce((worst, row, r) => {
            const terms = row.map((i) => Math.abs(data.values[i] as number) + Math.abs(stats.mean[r] as number));
            return Math.max(worst, (Math.max(...terms) * Math.abs(dy[r] as number)) / ((positions - (unbiased ? 1 : 0)) * (stats.std[r] as number)));
          }, 0);
          for (const output of ['mean', 'std'] as const) {
            const reference = vjpByFiniteDifferences((v) => meanStdReference(v, data.shape, options)[output], data.values, dy);
            await expectNoLeak(async () => {
              const gradient = tf.grad((input: tf.Tensor) => meanStd(input, options)[output])(x, dyTensor);
              expect(gradient.shape).toEqual(data.shape);
              expectClose(await readAndDispose(gradient), reference, tolerance.gradient, output === 'mean' ? maxAbs(reference) : stdScale + maxAbs(reference));
            }).catch((error: unknown) => {
              throw new Error(`${output}: ${String(error)}`);
            });
          }
          tf.dispose([x, dyTensor]);
        },
      ),
      runs(25),
    );
  });

  it('leaks no tensor through forward and backward', async () => {
    const x = tf.randomNormal([2, 4, 4, 3]);
    await expectNoLeak(() => {
      const { mean, std } = meanStd(x);
      const gradient = tf.grad((input: tf.Tensor) => meanStd(input).std)(x);
      tf.dispose([mean, std, gradient]);
    });
    x.dispose();
  });
});
