/**
 * The cpu adapter's output arrays in Node (`src/_internal/kernels/host/adapter.ts`, `allocate`):
 * a large output that the kernel writes whole is left unzeroed, so it must be an
 * ArrayBuffer of its own, exactly its length (never a slice of Node's shared Buffer
 * pool, which code taking `values.buffer` would see whole), and every element must be
 * written, which the property suites check with outputs poisoned to NaN.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';

import { setHostOptions } from '../../src/_internal/kernels/host/options';
import { scaleShift } from '../../src/_internal/kernels/statistics/contract';
import { expectClose } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';
import { TOLERANCE } from '../helpers/tolerance';

describeBackends('host kernel outputs', (backend) => {
  it('a large filled output owns its buffer, exactly its length, and holds every element', async () => {
    // Off, so an element left unwritten would hold whatever the allocation held.
    const previous = setHostOptions({ poisonFilledOutputs: false });
    try {
      for (const shape of [[2, 64, 3, 100], [1, 4, 5, 3]]) {
        const size = shape.reduce((a, b) => a * b, 1);
        const x = tf.tidy(() => tf.reshape(tf.add(tf.range(0, size), 0.5), shape));
        const mean = tf.fill([shape[0] as number, 1, shape[2] as number, 1], 2);
        const [outer = 1, reducedOuter = 1, kept = 1, reducedInner = 1] = shape;
        const y = scaleShift(x, { view: { outer, reducedOuter, kept, reducedInner }, mean });
        const values = (await y.data()) as Float32Array;
        expectClose(values, Float32Array.from({ length: size }, (_, i) => i + 0.5 - 2), TOLERANCE[backend].value, size);
        if (backend === 'cpu') {
          // The backend's own array (readSync, not a copy).
          const held = (tf.backend() as unknown as { data: { get(id: object): { values: Float32Array } } }).data.get(y.dataId).values;
          expect(held.byteOffset).toBe(0);
          expect(held.buffer.byteLength).toBe(4 * size);
        }
        tf.dispose([x, mean, y]);
      }
    } finally {
      setHostOptions(previous);
    }
  });
});
