/** Entries of src/corruptions and the fast-path setting. */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';

import { gaussianBlur, gaussianNoise, getFastPaths, randomMask, setFastPaths } from '../../../src';
import { dataFormatSlot, features, featureSlot, special, tensorOf, withOptions, type AnyEntry, type Features, type Slot } from './types';

const seedSlot: Slot = { name: 'seed', at: { option: 'seed' }, kind: { type: 'seed' }, required: false };

export const corruptionEntries: AnyEntry[] = [
  {
    name: 'randomMask',
    base: features(),
    build: (f: Features) => [tensorOf(f.shape, f.seed), { fraction: 0.5, dataFormat: f.dataFormat, seed: f.seed }],
    call: ([images, options]) => randomMask(images as tf.Tensor, options as never),
    slots: (f: Features) => [
      featureSlot('images', 0, f),
      { name: 'fraction', at: { option: 'fraction' }, kind: { type: 'valueOrRange', min: 0, max: 1 }, required: true },
      seedSlot,
      dataFormatSlot,
    ],
    options: { at: 1, required: true, keys: ['fraction', 'seed', 'dataFormat'], requiredKeys: ['fraction'] },
  },
  {
    name: 'gaussianNoise',
    base: features(),
    build: (f: Features) => [tensorOf(f.shape, f.seed), { std: 0.1, dataFormat: f.dataFormat, seed: f.seed }],
    call: ([images, options]) => gaussianNoise(images as tf.Tensor, options as never),
    slots: (f: Features) => [
      featureSlot('images', 0, f),
      { name: 'std', at: { option: 'std' }, kind: { type: 'valueOrRange', min: 0 }, required: true },
      seedSlot,
      dataFormatSlot,
    ],
    options: { at: 1, required: true, keys: ['std', 'seed', 'dataFormat'], requiredKeys: ['std'] },
  },
  {
    name: 'gaussianBlur',
    base: features(),
    build: (f: Features) => [tensorOf(f.shape, f.seed), { kernelSize: 3, sigma: 1, dataFormat: f.dataFormat }],
    call: ([images, options]) => gaussianBlur(images as tf.Tensor, options as never),
    slots: (f: Features) => [
      featureSlot('images', 0, f),
      { name: 'kernelSize', at: { option: 'kernelSize' }, kind: { type: 'number', min: 1, max: 65535, integer: true }, required: true },
      { name: 'sigma', at: { option: 'sigma' }, kind: { type: 'number', min: 0, minExclusive: true }, required: true },
      dataFormatSlot,
    ],
    options: { at: 1, required: true, keys: ['kernelSize', 'sigma', 'dataFormat'], requiredKeys: ['kernelSize', 'sigma'] },
    specials: () => [fc.constantFrom(2, 4, 64).map((size) => special(`an even kernelSize ${size}`, ['kernelSize'], (args) => withOptions(args, 1, { kernelSize: size })))],
  },
  {
    name: 'setFastPaths',
    base: fc.boolean(),
    build: (enabled: boolean) => {
      setFastPaths(enabled);
      return [enabled];
    },
    call: ([enabled]) => setFastPaths(enabled as boolean),
    slots: () => [{ name: 'enabled', at: 0, kind: { type: 'boolean' }, required: true }],
    // The setting a throwing call must leave as it was; the suite restores its own after.
    state: () => getFastPaths(),
  },
];

/**
 * `getFastPaths()` takes no argument, so it has no bad input to generate (extra arguments
 * are ignored by JavaScript, as by every function); it is left out of the catalogue.
 */
export const ENTRIES_WITHOUT_ARGUMENTS = ['getFastPaths'] as const;
