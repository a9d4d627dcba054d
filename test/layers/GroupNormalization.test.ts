import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { groupNorm } from '../../src';
import { GroupNormalization, type GroupNormalizationArgs } from '../../src/layers';
import { expectClose, readAndDispose } from '../helpers/assert';
import { describeBackendsBothPaths } from '../helpers/backends';
import { expectFitTrains, expectNoLayerLeak, expectRoundTrip } from '../helpers/layerChecks';
import { disposeWeights, seededTensor, seededValues } from '../helpers/layers';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';
import { channelAxisPlan } from '../reference/kerasLayers';
import { normReference } from '../reference/norms';

/** A shape of rank 2–5, a channel axis (given positive or negative) and a group count dividing C (or −1). */
const groupCase = fc
  .integer({ min: 2, max: 5 })
  .chain((rank) => fc.tuple(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: rank, maxLength: rank }), fc.integer({ min: 1, max: rank - 1 }), fc.boolean()))
  .chain(([shape, axis, negative]) => {
    const channels = shape[axis] as number;
    const divisors = Array.from({ length: channels }, (_, i) => i + 1).filter((g) => channels % g === 0);
    return fc.record({
      shape: fc.constant(shape),
      axis: fc.constant(negative ? axis - shape.length : axis),
      groups: fc.constantFrom(-1, ...divisors),
      center: fc.boolean(),
      scale: fc.boolean(),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    });
  });

describeBackendsBothPaths('GroupNormalization layer', (backend) => {
  it("computes Keras's formula for any rank (2–5), channel axis and group count (−1 included)", async () => {
    await fc.assert(
      fc.asyncProperty(groupCase, async ({ shape, axis, groups, center, scale, seed }) => {
        const layer = new GroupNormalization({ axis, groups, center, scale, epsilon: 1e-3 });
        const size = shape.reduce((a, b) => a * b, 1);
        const xValues = seededValues(size, seed, 3, 1);
        const x = tf.tensor(xValues, shape);
        layer.build(shape);
        const channels = shape[(axis + shape.length) % shape.length] as number;
        const gamma = seededValues(channels, seed + 1, 1, 1);
        const beta = seededValues(channels, seed + 2);
        layer.setWeights([...(scale ? [tf.tensor(gamma)] : []), ...(center ? [tf.tensor(beta)] : [])]);
        const y = await readAndDispose(layer.apply(x) as tf.Tensor);
        const plan = channelAxisPlan(shape, (axis + shape.length) % shape.length, { kind: 'group', groups: groups === -1 ? channels : groups });
        const affine = { ...(scale ? { gamma } : {}), ...(center ? { beta } : {}) };
        const expected = normReference(xValues, plan, 1e-3, affine);
        expectClose(y, expected, TOLERANCE[backend].value, normReference(xValues, plan, 1e-3, affine, undefined, true));
        x.dispose();
        disposeWeights(layer);
      }),
      runs(12),
    );
  });

  it('gives exactly the groupNorm op: axis −1 is NHWC, axis 1 is NCHW', async () => {
    for (const [axis, dataFormat] of [[-1, 'NHWC'], [1, 'NCHW']] as const) {
      const x = seededTensor([2, 3, 4, 6], 11, 2, 1);
      const layer = new GroupNormalization({ axis, groups: 3, epsilon: 1e-3 });
      layer.build(x.shape);
      const channels = x.shape[axis === -1 ? 3 : 1] as number;
      const [gamma, beta] = [seededTensor([channels], 12, 1, 1), seededTensor([channels], 13)];
      layer.setWeights([gamma, beta]);
      const fromLayer = await readAndDispose(layer.apply(x) as tf.Tensor);
      const fromOp = await readAndDispose(groupNorm(x, { groups: 3, epsilon: 1e-3, dataFormat, gamma, beta }));
      expect(Array.from(fromLayer)).toEqual(Array.from(fromOp));
      tf.dispose([x, gamma, beta]);
      disposeWeights(layer);
    }
  });

  it('trains in model.fit: the loss falls and γ, β move', async () => {
    await expectFitTrains(new GroupNormalization({ groups: 2 }), [4, 4, 4], 21);
  });

  it('round-trips through save and load: same config, identical predictions (groups −1 resolved, center off)', async () => {
    const layer = new GroupNormalization({ groups: -1, center: false, gammaInitializer: tfl.initializers.randomUniform({ minval: 0.5, maxval: 2, seed: 3 }), gammaRegularizer: 'l1l2' });
    await expectRoundTrip(layer, [3, 3, 4], 31);
    expect(layer.getConfig()).toMatchObject({ groups: 4, center: false, gammaRegularizer: { className: 'L1L2' } });
    expect(layer.weights.map((w) => w.originalName.split('/').pop())).toEqual(['gamma']);
  });

  it('works in the functional API on a rank-3 sequence [N, L, C] and a rank-2 [N, C] input', async () => {
    const sequence = tfl.input({ shape: [5, 6] });
    const dense = tfl.input({ shape: [6] });
    const model = tfl.model({
      inputs: [sequence, dense],
      outputs: [new GroupNormalization({ groups: 3 }).apply(sequence), new GroupNormalization({ groups: 2 }).apply(dense)] as tfl.SymbolicTensor[],
    });
    const [a, b] = model.predict([seededTensor([2, 5, 6], 41), seededTensor([2, 6], 42)]) as tf.Tensor[];
    expect(a?.shape).toEqual([2, 5, 6]);
    expect(b?.shape).toEqual([2, 6]);
    tf.dispose([a as tf.Tensor, b as tf.Tensor]);
    model.dispose();
  });

  it('leaks no tensor in predict and fit', async () => {
    await expectNoLayerLeak(new GroupNormalization({ groups: 2 }), [3, 3, 4], 51);
  });

  it('rejects bad configs with a featstats.GroupNormalization error', () => {
    const bad: [GroupNormalizationArgs | Record<string, unknown>, RegExp][] = [
      [{ groups: 0 }, /groups must be a positive integer or -1/],
      [{ groups: 2.5 }, /groups must be a positive integer or -1/],
      [{ epsilon: 0 }, /epsilon must be a finite number > 0/],
      [{ epsilon: Number.NaN }, /epsilon must be a finite number > 0/],
      [{ axis: 1.5 }, /axis must be an integer/],
      [{ center: 'yes' }, /center must be a boolean/],
      [{ group: 4 }, /config must only name .* but got 'group'/],
      [{ gammaInitializer: 'noSuchInitializer' }, /gammaInitializer must name a registered initializer but got 'noSuchInitializer'/],
      [{ betaRegularizer: 42 }, /betaRegularizer must be a tfjs regularizer/],
    ];
    for (const [config, pattern] of bad) {
      expect(() => new GroupNormalization(config as GroupNormalizationArgs)).toThrow(new RegExp(`^featstats\\.GroupNormalization: ${pattern.source}`));
    }
    const layer = new GroupNormalization({ groups: 4 });
    expect(() => layer.apply(tfl.input({ shape: [3, 6] }))).toThrow(/^featstats\.GroupNormalization: groups must divide the 6 channels of axis 2 but got 4/);
    expect(() => new GroupNormalization({ axis: 0 }).apply(tfl.input({ shape: [3, 6] }))).toThrow(/^featstats\.GroupNormalization: axis must not be the batch axis 0/);
  });
});
