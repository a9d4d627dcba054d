/**
 * The async drivers (ibaAttributionAsync, adversarialMeanStdAsync, probeAsync): each
 * takes its synchronous op's arguments plus two options of its own, `onStep` (a function)
 * and `signal` (an AbortSignal), so each entry is its sync entry's with those added and
 * the call awaited. `signal` has no generic kind; the drivers' own tests cover its values.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { adversarialMeanStdAsync, ibaAttributionAsync, probeAsync } from '../../../src';
import { attributionEntries } from './attribution';
import { diagnosticEntries } from './diagnostics';
import { opEntries } from './ops';
import type { AnyEntry, Slot } from './types';

const onStepSlot: Slot = { name: 'onStep', at: { option: 'onStep' }, kind: { type: 'callback' }, required: false };

function asyncEntry(sync: AnyEntry | undefined, name: string, call: (args: unknown[]) => Promise<unknown>): AnyEntry {
  if (sync === undefined || sync.options === undefined) throw new Error(`no sync entry with options for ${name}`);
  return {
    ...sync,
    name,
    call,
    slots: (base) => [...sync.slots(base), onStepSlot],
    options: { ...sync.options, keys: [...sync.options.keys, 'onStep', 'signal'] },
  };
}

const find = (entries: readonly AnyEntry[], name: string) => entries.find((entry) => entry.name === name);

export const asyncEntries: AnyEntry[] = [
  asyncEntry(find(attributionEntries, 'ibaAttribution'), 'ibaAttributionAsync', ([options]) => ibaAttributionAsync(options as never)),
  asyncEntry(find(opEntries, 'adversarialMeanStd'), 'adversarialMeanStdAsync', ([x, loss, options]) => adversarialMeanStdAsync(x as tf.Tensor, loss as never, options as never)),
  asyncEntry(find(diagnosticEntries, 'probe'), 'probeAsync', ([layers, input, loss, options]) => probeAsync(layers as never, input as tf.Tensor, loss as never, options as never)),
];
