/**
 * Generated bad configs for every featstats/layers class: each key the class understands
 * gets values of the wrong type or out of range, and unknown keys are added; every one
 * must throw `featstats.<ClassName>: <key> …` at construction, allocating nothing. Valid
 * configs (Keras's own, with base-layer keys and tfjs's customObjects) must construct.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import * as layers from '../../src/layers';
import { describeBackends } from '../helpers/backends';
import { runs } from '../helpers/properties';

type Kind =
  | { type: 'number'; min?: number; max?: number; minExclusive?: boolean; integer?: boolean; extra?: number[] }
  | { type: 'boolean' }
  | { type: 'choice'; choices: string[] }
  | { type: 'initializer' }
  | { type: 'regularizer' };

const AFFINE: Record<string, Kind> = {
  center: { type: 'boolean' },
  scale: { type: 'boolean' },
  betaInitializer: { type: 'initializer' },
  gammaInitializer: { type: 'initializer' },
  betaRegularizer: { type: 'regularizer' },
  gammaRegularizer: { type: 'regularizer' },
  betaConstraint: { type: 'regularizer' },
  gammaConstraint: { type: 'regularizer' },
};
const EPSILON: Kind = { type: 'number', min: 0, minExclusive: true };
const ALPHA: Kind = { type: 'number', min: 0, max: 1 };
const DATA_FORMAT: Kind = { type: 'choice', choices: ['channelsLast', 'channelsFirst'] };
const TIES: Kind = { type: 'choice', choices: ['stable', 'random'] };

/** Each class with the kind of each config key it validates. */
const CLASSES: { cls: new (args?: never) => tfl.layers.Layer; keys: Record<string, Kind> }[] = [
  { cls: layers.GroupNormalization as never, keys: { groups: { type: 'number', min: 1, integer: true, extra: [-1] }, axis: { type: 'number', integer: true }, epsilon: EPSILON, ...AFFINE } },
  { cls: layers.InstanceNormalization as never, keys: { axis: { type: 'number', integer: true }, epsilon: EPSILON, ...AFFINE } },
  { cls: layers.AddonsInstanceNormalization as never, keys: { axis: { type: 'number', integer: true }, epsilon: EPSILON, ...AFFINE } },
  {
    cls: layers.BatchNormalization as never,
    keys: { axis: { type: 'number', integer: true }, momentum: { type: 'number', min: 0, max: 1 }, epsilon: EPSILON, movingMeanInitializer: { type: 'initializer' }, movingVarianceInitializer: { type: 'initializer' }, synchronized: { type: 'boolean' }, ...AFFINE },
  },
  { cls: layers.LayerNormalization as never, keys: { epsilon: EPSILON, ...AFFINE } },
  { cls: layers.AdaIN as never, keys: { alpha: ALPHA, epsilon: { type: 'number', min: 0 }, unbiased: { type: 'boolean' }, dataFormat: DATA_FORMAT } },
  { cls: layers.EFDM as never, keys: { alpha: ALPHA, dataFormat: DATA_FORMAT, ties: TIES } },
  { cls: layers.EFDMix as never, keys: { p: { type: 'number', min: 0, max: 1 }, alpha: { type: 'number', min: 0, minExclusive: true }, mode: { type: 'choice', choices: ['random', 'crossdomain'] }, dataFormat: DATA_FORMAT, ties: TIES } },
  { cls: layers.AdvBN as never, keys: { steps: { type: 'number', min: 0, integer: true }, stepSize: { type: 'number', min: 0 }, epsilon: { type: 'number', min: 0 }, relu: { type: 'boolean' }, dataFormat: DATA_FORMAT } },
];

const junk = ['abc', {}, [1], true, Symbol('s'), 3n, () => 1, new Map()];

/** Values that must be rejected for a key of this kind. */
function badValues(kind: Kind): unknown[] {
  switch (kind.type) {
    case 'number': {
      const values: unknown[] = [...junk, null, Number.NaN, Infinity, -Infinity, '1'];
      if (kind.min !== undefined) values.push(kind.min - 1, ...(kind.minExclusive === true ? [kind.min] : []));
      if (kind.max !== undefined) values.push(kind.max + 1);
      if (kind.integer === true) values.push(2.5);
      return values.filter((v) => !(kind.extra ?? []).includes(v as number));
    }
    case 'boolean':
      return [...junk.filter((v) => v !== true), 0, 1, 'true', null];
    case 'choice':
      return [...junk, null, 'nope', kind.choices[0]?.toUpperCase(), 1];
    case 'initializer':
      return [null, 42, true, [1], 'noSuchInitializer', { className: 'NoSuchClass', config: {} }, { className: 'L1L2', config: {} }, 'l1l2'];
    case 'regularizer':
      return [42, true, [1], 'noSuchRegularizer', { className: 'NoSuchClass', config: {} }, { className: 'Zeros', config: {} }, 'zeros'];
  }
}

describeBackends('featstats/layers configs', () => {
  it('every bad value of every config key throws featstats.<ClassName>: <key> …, allocating nothing', () => {
    // The bad values are a finite list per kind: every one is tried, with and without the
    // base-layer keys a Keras config carries.
    const failures: string[] = [];
    let count = 0;
    for (const { cls, keys } of CLASSES) {
      const className = (cls as unknown as { className: string }).className;
      const escaped = className.replace(/[.*+?^${}()|[\]\\>]/g, '\\$&');
      for (const [key, kind] of Object.entries(keys)) {
        for (const value of badValues(kind)) {
          for (const withBaseKeys of [false, true]) {
            count++;
            const config = { ...(withBaseKeys ? { name: `bad_${count}`, trainable: true, dtype: 'float32' } : {}), [key]: value };
            const before = tf.memory().numTensors;
            try {
              new cls(config as never);
              failures.push(`${className}({ ${key}: ${String(value)} }) was accepted`);
            } catch (error) {
              const message = (error as Error).message;
              if (!new RegExp(`^featstats\\.${escaped}: ${key} `).test(message)) failures.push(`${className}({ ${key}: ${String(value)} }): ${message}`);
            }
            if (tf.memory().numTensors !== before) failures.push(`${className}({ ${key}: ${String(value)} }) leaked`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(count).toBeGreaterThan(500);
  });

  it('an unknown key throws, naming it; base-layer keys and tfjs customObjects are accepted', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CLASSES), fc.string({ minLength: 1, maxLength: 12 }).filter((k) => /^[a-z][A-Za-z]*$/.test(k)), ({ cls, keys }, key) => {
        fc.pre(!(key in keys) && !['name', 'trainable', 'dtype', 'inputShape', 'batchInputShape', 'batchSize', 'inputDType', 'weights', 'customObjects', 'groups', 'axis', 'renorm', 'renormClipping', 'renormMomentum', 'rmsScaling', 'seed'].includes(key));
        const className = (cls as unknown as { className: string }).className.replace(/[.*+?^${}()|[\]\\>]/g, '\\$&');
        expect(() => new cls({ [key]: 1 } as never)).toThrow(new RegExp(`^featstats\\.${className}: config must only name .* but got '${key}'$`));
      }),
      runs(100),
    );
    for (const { cls } of CLASSES) {
      const layer = new cls({ name: `ok_${(cls as unknown as { className: string }).className.replace('>', '_')}_${Math.floor(Math.random() * 1e9)}`, trainable: false, inputShape: [4, 4, 2], dtype: { className: 'DTypePolicy', config: { name: 'float32' } }, customObjects: {} } as never);
      // tfjs-layers sets a layer's dtype only with an input shape; Keras 3's policy object becomes its name.
      expect(layer.dtype).toBe('float32');
    }
  });
});
