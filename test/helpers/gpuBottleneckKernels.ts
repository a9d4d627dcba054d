/**
 * The bottleneck kernels (`src/_internal/kernels/bottleneck/<gpu backend>`) against their
 * composites on the same GPU backend, within that backend's tolerance: both terms, masked
 * or not, samples whose size is not a multiple of 4, a batch of 1, no leak; and
 * informationBottleneck reading nothing back from the GPU, forward and backward. One suite
 * for webgl (`webgl.browser.test.ts`) and webgpu (`webgpu.webgpu.test.ts`); cpu and wasm
 * have theirs in `bottleneck.test.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { informationBottleneck } from '../../src';
import { bottleneckBackward, bottleneckForward, type BottleneckInputs, type BottleneckTerm } from '../../src/_internal/kernels/bottleneck/contract';
import { expectClose, expectNoLeak, maxAbs } from './assert';
import { bothPaths, useBackend } from './backends';
import { uniform } from './gpuStatisticsKernels';
import { countReadbacks } from './readbacks';
import { TOLERANCE } from './tolerance';

/** The bottleneck kernels' inputs for R of `shape`: λ in (0, 1), σ > 0, a 0/1 mask when `masked`. */
export function bottleneckInputs(shape: number[], seed: number, masked: boolean): { r: tf.Tensor; c: BottleneckInputs; dy: tf.Tensor } {
  const sampleShape = shape.slice(1);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const sample = (k: number, low = -1, high = 1) => tf.tensor(uniform(size(sampleShape), seed + k, low, high), sampleShape);
  const lambda = sample(1, 0.001, 0.999);
  return {
    r: tf.tensor(uniform(size(shape), seed, -3, 3), shape),
    dy: tf.tensor(uniform(size(shape), seed + 7), shape),
    c: {
      lambda,
      oneMinusLambda: tf.tidy(() => tf.sub(1, lambda)),
      mean: sample(2),
      sigma: sample(3, 0.05, 2),
      noise: tf.tensor(uniform(size(shape), seed + 4, -2, 2), shape),
      mask: masked ? tf.tidy(() => tf.cast(tf.greater(sample(5), -0.3), 'float32')) : undefined,
    },
  };
}

export const disposeBottleneckInputs = ({ r, c, dy }: ReturnType<typeof bottleneckInputs>): void => tf.dispose([r, dy, c.lambda, c.oneMinusLambda, c.mean, c.sigma, c.noise, ...(c.mask === undefined ? [] : [c.mask])]);

/** The kernels' forward and backward on `term` equal the composites' within `backend`'s tolerance. */
export async function expectBottleneckKernelsMatch(backend: 'webgl' | 'webgpu', r: tf.Tensor, c: BottleneckInputs, dy: tf.Tensor, term: BottleneckTerm): Promise<void> {
  const forward = await bothPaths(() => bottleneckForward(r, c, term));
  expect(forward.fusedShapes).toEqual([r.shape]);
  expectClose(forward.fused[0] as Float32Array, forward.composite[0] as Float32Array, TOLERANCE[backend].value, maxAbs(forward.composite[0] as Float32Array));
  const backward = await bothPaths(() => bottleneckBackward(r, c, dy, term));
  expect(backward.fusedShapes).toEqual([r.shape, c.lambda.shape]);
  for (let k = 0; k < 2; k++) {
    const expected = backward.composite[k] as Float32Array;
    expectClose(backward.fused[k] as Float32Array, expected, TOLERANCE[backend].value, maxAbs(expected));
  }
}

/** The bottleneck kernels' suite and informationBottleneck's readback check on `backend`. */
export function describeGpuBottleneckKernels(backend: 'webgl' | 'webgpu'): void {
  describe('the bottleneck kernels match the composites', () => {
    beforeAll(() => useBackend(backend));
    // Samples of 105, 11 (rank 2) and 1 element, none a multiple of 4, and a batch of 1.
    // And a batch longer than the runs of samples a webgpu invocation takes (a sample of
    // 12 288 gives 6 runs of 2 samples for a batch of 7: the last run is short, and two
    // runs are empty).
    const shapes: number[][] = [[2, 5, 3, 7], [3, 11], [1, 4, 6, 5], [4, 1], [7, 3, 4096]];
    for (const shape of shapes) {
      for (const term of ['output', 'capacity'] as const) {
        for (const masked of [false, true]) {
          it(`[${shape.join(',')}], ${term}${masked ? ', masked' : ''}`, async () => {
            const inputs = bottleneckInputs(shape, 60 + shape.length, masked);
            await expectBottleneckKernelsMatch(backend, inputs.r, inputs.c, inputs.dy, term);
            disposeBottleneckInputs(inputs);
          });
        }
      }
    }

    it(`ran the ${backend} kernels (not the composites)`, () => {
      expect(tf.getKernel('FeatstatsBottleneckForward', backend)).toBeDefined();
      expect(tf.getKernel('FeatstatsBottleneckBackward', backend)).toBeDefined();
    });

    it('leaks no tensor or GPU data', async () => {
      const inputs = bottleneckInputs([2, 3, 5], 74, true);
      await expectNoLeak(() => {
        for (const term of ['output', 'capacity'] as const) tf.dispose([bottleneckForward(inputs.r, inputs.c, term), ...bottleneckBackward(inputs.r, inputs.c, inputs.dy, term)]);
      });
      disposeBottleneckInputs(inputs);
    });
  });

  describe('no GPU → CPU read in informationBottleneck, forward and backward', () => {
    beforeAll(() => useBackend(backend));
    const onGpu = (shape: number[], seed: number, low = -1) => tf.tidy(() => tf.add(tf.tensor(uniform(shape.reduce((a, b) => a * b, 1), seed, low), shape), tf.scalar(0.5)));
    for (const masked of [false, true]) {
      it(`0 readbacks in the forward and in the gradients${masked ? ', masked' : ''}`, async () => {
        const shape = [2, 7, 5, 3];
        const [r, alpha, mean, std, dy] = [onGpu(shape, 81), onGpu([7, 5, 3], 82), onGpu([7, 5, 3], 83), onGpu([7, 5, 3], 84, 0), onGpu(shape, 85)];
        const mask = masked ? tf.tidy(() => tf.cast(tf.greater(onGpu([7, 5, 3], 86), 0.3), 'float32')) : undefined;
        const options = { mean, std, seed: 5, ...(mask === undefined ? {} : { activeMask: mask }) };
        let outputs: tf.Tensor[] = [];
        const reads = await countReadbacks(() => {
          const { output, capacity } = informationBottleneck(r, alpha, options);
          const grads = (which: 'output' | 'capacity') => tf.grads((x: tf.Tensor, a: tf.Tensor) => informationBottleneck(x, a, options)[which])([r, alpha], dy);
          outputs = [output, capacity, ...grads('output'), ...grads('capacity')];
        });
        expect(reads).toBe(0);
        for (const t of outputs) expect(Array.from(await t.data()).every(Number.isFinite)).toBe(true);
        expect(tf.getKernel('FeatstatsBottleneckBackward', backend)).toBeDefined();
        tf.dispose([r, alpha, mean, std, dy, ...(mask === undefined ? [] : [mask]), ...outputs]);
      });
    }
  });
}
