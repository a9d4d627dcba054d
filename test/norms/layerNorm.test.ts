import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { layerNorm, type LayerNormOptions } from '../../src';
import { makeValues, type FeatureCase, type ValueKind } from '../helpers/arbitraries';
import { expectThrowsWithoutLeak, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { normProperties } from '../helpers/normProperties';
import { layerPlan } from '../reference/norms';

type LayerCase = FeatureCase & { axes: number[]; negative: boolean };

/** Tensors of rank 2–4 with a non-empty set of normalised axes (trailing or not). */
function layerCases(constraints: { maxSize?: number; scales?: number[]; kinds?: ValueKind[] }): fc.Arbitrary<LayerCase> {
  const { maxSize = 2048, scales = [1e-3, 1, 1e4], kinds = ['spread', 'ties', 'constantChannels', 'offset'] } = constraints;
  return fc
    .record({
      shape: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 4 }),
      kind: fc.constantFrom(...kinds),
      scale: fc.constantFrom(...scales),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      mask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      negative: fc.boolean(),
    })
    .filter(({ shape, mask }) => shape.reduce((a, b) => a * b, 1) <= maxSize && shape.some((_, axis) => mask[axis]))
    .map(({ shape, kind, scale, seed, mask, negative }) => {
      const effectiveScale = kind === 'offset' ? 1 : scale;
      return {
        shape,
        dataFormat: 'NHWC' as const,
        kind,
        scale: effectiveScale,
        values: makeValues(shape, 'NHWC', kind, effectiveScale, seed),
        axes: shape.flatMap((_, axis) => (mask[axis] ? [axis] : [])),
        negative,
      };
    });
}

describeBackendsBothPaths('layerNorm', (backend) => {
  normProperties(backend, {
    cases: layerCases,
    run: (x, gamma, beta, c) =>
      layerNorm(x, {
        // Negative axes name the same dims from the end.
        axes: c.negative ? c.axes.map((axis) => axis - c.shape.length) : c.axes,
        ...(gamma ? { gamma } : {}),
        ...(beta ? { beta } : {}),
      }),
    plan: (c) => layerPlan(c.shape, c.axes),
    affineShape: (c) => c.axes.map((axis) => c.shape[axis] as number),
    layouts: false,
  });

  it('normalises the last axis by default, for any rank', async () => {
    const x = tf.tensor2d([[1, 3], [10, 30]]);
    const y = await readAndDispose(layerNorm(x, { epsilon: 1e-12 }));
    Array.from(y).forEach((v, i) => expect(v).toBeCloseTo([-1, 1, -1, 1][i] as number, 5));
    const vector = await readAndDispose(layerNorm(tf.tensor1d([2, 4, 6]), { epsilon: 1e-12 }));
    expect(vector[1]).toBeCloseTo(0, 6);
    x.dispose();
  });

  it('rejects bad input with a featstats.layerNorm message and leaks nothing', async () => {
    const [x, scalar] = [tf.zeros([2, 3, 4]), tf.scalar(1)];
    await expectThrowsWithoutLeak(() => layerNorm(scalar), /^featstats\.layerNorm: x must have rank >= 1 but got rank 0 \(shape \[\]\)$/);
    await expectThrowsWithoutLeak(() => layerNorm(x, { axes: [3] }), /^featstats\.layerNorm: axes must be distinct integers in \[-3, 3\) but got \[3\] \(x \[2,3,4\]\)$/);
    await expectThrowsWithoutLeak(() => layerNorm(x, { axes: [1, -2] }), /^featstats\.layerNorm: axes must be distinct integers .* but got \[1,-2\]/);
    await expectThrowsWithoutLeak(() => layerNorm(x, { axes: [] }), /^featstats\.layerNorm: axes must be distinct integers .* but got \[\]/);
    await expectThrowsWithoutLeak(() => layerNorm(x, { axes: [1, 2], gamma: [1, 2, 3, 4] }), /^featstats\.layerNorm: gamma must have shape \[3,4\] but got \[4\]$/);
    await expectThrowsWithoutLeak(() => layerNorm(x, { dataFormat: 'NCHW' } as LayerNormOptions), /^featstats\.layerNorm: options must only name axes, epsilon, gamma, beta but got 'dataFormat'$/);
    tf.dispose([x, scalar]);
  });
});
