import * as tf from '@tensorflow/tfjs-core';
import { afterEach, expect, it } from 'vitest';

import * as featstats from '../src';
import { dispatch, type FusedKernel } from '../src/_internal/kernels/dispatch';
import { expectClose, expectNoLeak, maxAbs } from './helpers/assert';
import { BACKENDS, describeBackends } from './helpers/backends';
import { TOLERANCE } from './helpers/tolerance';

afterEach(() => featstats.setFastPaths(true));

it('registers no kernel at import time', async () => {
  for (const backend of BACKENDS) {
    const { useBackend } = await import('./helpers/backends');
    await useBackend(backend);
    expect(tf.getKernelsForBackend(backend).filter((k) => k.kernelName.startsWith('Featstats'))).toEqual([]);
  }
});

describeBackends('dispatch seam', (backend) => {
  /** A fused kernel that doubles its input, counting its calls; the composite triples. */
  function doubling(name: `Featstats${string}`) {
    let calls = 0;
    // A real fused kernel writes the backend's memory; this one reuses tfjs ops through
    // the engine, so one definition serves every backend.
    const kernelFunc: tf.KernelFunc = ({ inputs }) => {
      calls += 1;
      return tf.mul(inputs['x'] as tf.Tensor, 2);
    };
    const kernel: FusedKernel = { name, backends: { [backend]: kernelFunc } };
    return { kernel, calls: () => calls };
  }

  it('runs the fused kernel of the active backend, registering it on first use', async () => {
    const name = `FeatstatsTestDouble${backend}` as const;
    const { kernel, calls } = doubling(name);
    const x = tf.tensor1d([1, 2, 3]);
    expect(tf.getKernel(name, backend)).toBeUndefined();
    const y = dispatch(kernel, { x }, {}, () => tf.mul(x, 3));
    expect(Array.from(await y.data())).toEqual([2, 4, 6]);
    expect(tf.getKernel(name, backend)).toBeDefined();
    expect(calls()).toBe(1);
    y.dispose();
    await expectNoLeak(() => dispatch(kernel, { x }, {}, () => tf.mul(x, 3)).dispose());
    x.dispose();
  });

  it('falls back to the composite when fast paths are off or the backend has no kernel', async () => {
    const { kernel, calls } = doubling(`FeatstatsTestFallback${backend}`);
    const elsewhere: FusedKernel = { name: 'FeatstatsTestElsewhere', backends: { 'no-such-backend': kernel.backends[backend] as tf.KernelFunc } };
    const x = tf.tensor1d([1, 2, 3]);
    featstats.setFastPaths(false);
    expect(featstats.getFastPaths()).toBe(false);
    const composite = dispatch(kernel, { x }, {}, () => tf.mul(x, 3));
    expect(Array.from(await composite.data())).toEqual([3, 6, 9]);
    featstats.setFastPaths(true);
    const unsupported = dispatch(elsewhere, { x }, {}, () => tf.mul(x, 3));
    expect(Array.from(await unsupported.data())).toEqual([3, 6, 9]);
    expect(calls()).toBe(0);
    tf.dispose([x, composite, unsupported]);
  });

  it('gives the same op results with fast paths off: sorts bit for bit, statistics within the table', async () => {
    const content = tf.randomNormal([2, 5, 5, 3]);
    const style = tf.randomNormal([1, 4, 4, 3]);
    const ops = () => [featstats.adain(content, style), featstats.efdm(content, style), featstats.sort(content, { descending: true })];
    const on = ops();
    featstats.setFastPaths(false);
    const off = ops();
    const [adainOn, ...sortedOn] = await Promise.all(on.map((t) => t.data()));
    const [adainOff, ...sortedOff] = await Promise.all(off.map((t) => t.data()));
    // adain's statistics may differ in the last ulps (fused kernels accumulate in float64).
    expectClose(adainOn as Float32Array, adainOff as Float32Array, TOLERANCE[backend].value, maxAbs(adainOff as Float32Array));
    // EFDM's output is a permutation of the style's values: the ranks must agree exactly.
    sortedOn.forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(sortedOff[i] as Float32Array)));
    tf.dispose([content, style, ...on, ...off]);
  });
});
