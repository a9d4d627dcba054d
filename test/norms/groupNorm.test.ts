import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { groupNorm, layerNorm, type GroupNormOptions } from '../../src';
import { featureCase, type FeatureCase } from '../helpers/arbitraries';
import { expectClose, expectThrowsWithoutLeak, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { normProperties } from '../helpers/normProperties';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { channelsLast, dims } from '../reference/layout';
import { groupPlan, normReference } from '../reference/norms';

type GroupCase = FeatureCase & { groups: number; bySize: boolean };

/** Feature cases with a group count dividing C, given either as groups or as groupSize. */
function groupCases(constraints: { maxSize?: number; scales?: number[]; kinds?: FeatureCase['kind'][] }): fc.Arbitrary<GroupCase> {
  return featureCase({ minRank: 2, ...(constraints.maxSize === undefined ? {} : { maxSize: constraints.maxSize }) }, constraints.kinds, constraints.scales).chain((c) => {
    const channels = dims(c.shape, c.dataFormat).channels;
    const divisors = Array.from({ length: channels }, (_, i) => i + 1).filter((g) => channels % g === 0);
    return fc.record({ groups: fc.constantFrom(...divisors), bySize: fc.boolean() }).map((extra) => ({ ...c, ...extra }));
  });
}

function groupOptions(c: GroupCase): GroupNormOptions {
  const channels = dims(c.shape, c.dataFormat).channels;
  return c.bySize ? { groupSize: channels / c.groups, dataFormat: c.dataFormat } : { groups: c.groups, dataFormat: c.dataFormat };
}

describeBackendsBothPaths('groupNorm', (backend) => {
  normProperties(backend, {
    cases: groupCases,
    run: (x, gamma, beta, c) => groupNorm(x, { ...groupOptions(c), ...(gamma ? { gamma } : {}), ...(beta ? { beta } : {}) }),
    plan: (c) => groupPlan(c.shape, c.dataFormat, c.groups),
    affineShape: (c) => [dims(c.shape, c.dataFormat).channels],
    layouts: true,
  });

  it('with one group equals layerNorm over (C, spatial) with per-channel affine', async () => {
    await fc.assert(
      fc.asyncProperty(featureCase({}, ['spread', 'constantChannels']), async (c) => {
        const channels = dims(c.shape, c.dataFormat).channels;
        const rank = c.shape.length;
        const x = tf.tensor(c.values, c.shape);
        // Made on the host: tfjs-backend-webgpu 4.22's LinSpace gives NaN for one point (step 1.5/0).
        const spaced = (low: number, high: number) => tf.tensor1d(Array.from({ length: channels }, (_, i) => (channels === 1 ? low : low + ((high - low) * i) / (channels - 1))));
        const gamma = spaced(0.5, 2);
        const beta = spaced(-1, 1);
        const channelShape = c.shape.map((d, axis) => (axis === (channelsLast(c.dataFormat) ? rank - 1 : 1) ? d : 1));
        const elementwise = (t: tf.Tensor) => tf.broadcastTo(tf.reshape(t, channelShape.slice(1)), c.shape.slice(1));
        const grouped = groupNorm(x, { groups: 1, dataFormat: c.dataFormat, gamma, beta });
        const layered = layerNorm(x, { axes: c.shape.slice(1).map((_, i) => i + 1), gamma: elementwise(gamma), beta: elementwise(beta) });
        const scale = normReference(c.values, groupPlan(c.shape, c.dataFormat, 1), 1e-5, { gamma: await gamma.data(), beta: await beta.data() }, undefined, true);
        expectClose(await readAndDispose(grouped), await readAndDispose(layered), TOLERANCE[backend].value, scale);
        tf.dispose([x, gamma, beta]);
      }),
      runs(20),
    );
  });

  it('rejects bad input with a featstats.groupNorm message and leaks nothing', async () => {
    const x = tf.zeros([2, 4, 4, 6]);
    await expectThrowsWithoutLeak(() => groupNorm(x, { groups: 4 }), /^featstats\.groupNorm: groups must be a positive integer dividing C = 6 but got 4 \(x \[2,4,4,6\]\)$/);
    await expectThrowsWithoutLeak(() => groupNorm(x, { groupSize: 0 }), /^featstats\.groupNorm: groupSize must be a positive integer dividing C = 6 but got 0/);
    await expectThrowsWithoutLeak(() => groupNorm(x, { groups: 1.5 }), /^featstats\.groupNorm: groups must be a positive integer/);
    await expectThrowsWithoutLeak(() => groupNorm(x, { groups: 2, groupSize: 3 } as unknown as GroupNormOptions), /^featstats\.groupNorm: options must give exactly one of groups and groupSize but got both$/);
    await expectThrowsWithoutLeak(() => groupNorm(x, {} as GroupNormOptions), /^featstats\.groupNorm: options must give exactly one of groups and groupSize but got neither$/);
    await expectThrowsWithoutLeak(() => groupNorm(x, { groups: 2, gamma: [1, 2] }), /^featstats\.groupNorm: gamma must have shape \[6\] but got \[2\]$/);
    await expectThrowsWithoutLeak(() => groupNorm(x, { groups: 3, dataFormat: 'NCHW' }), /^featstats\.groupNorm: groups must be a positive integer dividing C = 4 but got 3 \(x \[2,4,4,6\]\)$/);
    x.dispose();
  });

  it('splits NCHW channels into consecutive groups', async () => {
    // Channels 0–1 hold 0 and 2 (group 0), channels 2–3 hold 10 and 30 (group 1).
    const x = tf.tensor4d([[[[0, 0]], [[2, 2]], [[10, 10]], [[30, 30]]]]); // [1, 4, 1, 2]
    const y = await readAndDispose(groupNorm(x, { groups: 2, dataFormat: 'NCHW', epsilon: 1e-12 }));
    Array.from(y).forEach((v, i) => expect(v).toBeCloseTo([-1, -1, 1, 1, -1, -1, 1, 1][i] as number, 5));
    x.dispose();
  });
});
