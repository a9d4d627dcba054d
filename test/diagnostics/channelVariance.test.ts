import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { channelVariance, type ChannelVarianceOptions } from '../../src';
import { featureCase } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, expectThrowsWithoutLeak, maxAbs, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { channelVarianceReference } from '../reference/diagnostics';
import { vjpByFiniteDifferences } from '../reference/finiteDifference';
import { dims, type DataFormat } from '../reference/layout';

const twoValuesPerChannel = (c: { shape: number[]; dataFormat: DataFormat }) => {
  const { batch, positions } = dims(c.shape, c.dataFormat);
  return batch * positions >= 2;
};

describeBackendsBothPaths('channelVariance', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('matches the float64 reference in both layouts', async () => {
    await fc.assert(
      fc.asyncProperty(featureCase().filter(twoValuesPerChannel), async (c) => {
        const expected = channelVarianceReference(c.values, c.shape, c.dataFormat);
        const got = await readAndDispose(channelVariance(tf.tensor(c.values, c.shape), { dataFormat: c.dataFormat }));
        expectClose(got, [expected], tolerance.value, expected);
      }),
      runs(40),
    );
  });

  it('has a gradient equal to finite differences of the reference', async () => {
    await fc.assert(
      fc.asyncProperty(featureCase({ maxSize: 96 }, ['spread', 'ties', 'constantChannels'], [1]).filter(twoValuesPerChannel), async (c) => {
        const expected = vjpByFiniteDifferences((v) => [channelVarianceReference(v, c.shape, c.dataFormat)], c.values, [1]);
        const x = tf.tensor(c.values, c.shape);
        await expectNoLeak(async () => {
          const gradient = tf.grad((v: tf.Tensor) => channelVariance(v, { dataFormat: c.dataFormat }))(x);
          // 2(x − μ)/((M − 1)·C): rounding of x − μ is relative to |x|, even where it cancels to 0.
          const { channels, batch, positions } = dims(c.shape, c.dataFormat);
          const scale = maxAbs(expected) + (2 * 2 * maxAbs(c.values)) / ((batch * positions - 1) * channels);
          expectClose(await readAndDispose(gradient), expected, tolerance.gradient, scale);
        });
        x.dispose();
      }),
      runs(25),
    );
  });

  it('treats rank-2 activations as [N, C]', async () => {
    expect((await readAndDispose(channelVariance(tf.tensor2d([[1, 10], [3, 14]]))))[0]).toBeCloseTo((2 + 8) / 2, 5);
  });

  it('rejects bad input with a featstats.channelVariance message and leaks nothing', async () => {
    const [vector, single] = [tf.zeros([3]), tf.zeros([1, 1, 1, 3])];
    await expectThrowsWithoutLeak(() => channelVariance(vector), /^featstats\.channelVariance: x must have rank 2 \(\[N, C\]\) or >= 4 \(\[N, \.\.\.S, C\]\) for dataFormat 'NHWC' but got rank 1 \(shape \[3\]\)$/);
    await expectThrowsWithoutLeak(() => channelVariance(single), /^featstats\.channelVariance: x must have at least 2 values per channel but got shape \[1,1,1,3\]$/);
    await expectThrowsWithoutLeak(() => channelVariance(single, { axis: 1 } as ChannelVarianceOptions), /^featstats\.channelVariance: options must only name dataFormat but got 'axis'$/);
    tf.dispose([vector, single]);
  });
});
