import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';

import { groupNorm, instanceNorm, type InstanceNormOptions } from '../../src';
import { featureCase } from '../helpers/arbitraries';
import { expectThrowsWithoutLeak, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { normProperties } from '../helpers/normProperties';
import { dims } from '../reference/layout';
import { instancePlan } from '../reference/norms';

describeBackendsBothPaths('instanceNorm', (backend) => {
  normProperties(backend, {
    cases: ({ maxSize, scales, kinds }) => featureCase({ ...(maxSize === undefined ? {} : { maxSize }) }, kinds, scales),
    run: (x, gamma, beta, c) => instanceNorm(x, { dataFormat: c.dataFormat, ...(gamma ? { gamma } : {}), ...(beta ? { beta } : {}) }),
    plan: (c) => instancePlan(c.shape, c.dataFormat),
    affineShape: (c) => [dims(c.shape, c.dataFormat).channels],
    layouts: true,
  });

  it('equals groupNorm with one group per channel', async () => {
    const x = tf.randomNormal([2, 5, 4, 6]);
    const a = await readAndDispose(instanceNorm(x));
    const b = await readAndDispose(groupNorm(x, { groups: 6 }));
    expect(Array.from(a)).toEqual(Array.from(b));
    x.dispose();
  });

  it('rejects bad input with a featstats.instanceNorm message and leaks nothing', async () => {
    const [x, vector, wrongGamma] = [tf.zeros([2, 4, 4, 3]), tf.zeros([4]), tf.ones([4])];
    await expectThrowsWithoutLeak(() => instanceNorm(vector), /^featstats\.instanceNorm: x must have rank >= 4 .* for dataFormat 'NHWC' but got rank 1 \(shape \[4\]\)$/);
    await expectThrowsWithoutLeak(() => instanceNorm(x, { gamma: wrongGamma }), /^featstats\.instanceNorm: gamma must have shape \[3\] but got \[4\]$/);
    await expectThrowsWithoutLeak(() => instanceNorm(x, { beta: [1, 2] }), /^featstats\.instanceNorm: beta must have shape \[3\] but got \[2\]$/);
    await expectThrowsWithoutLeak(() => instanceNorm(x, { epsilon: 0 }), /^featstats\.instanceNorm: epsilon must be a finite number > 0 but got 0$/);
    await expectThrowsWithoutLeak(() => instanceNorm(x, { groups: 3 } as InstanceNormOptions), /^featstats\.instanceNorm: options must only name epsilon, dataFormat, gamma, beta but got 'groups'$/);
    tf.dispose([x, vector, wrongGamma]);
  });
});
