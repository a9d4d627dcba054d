/**
 * The webgl fused kernels (`src/_internal/kernels/<family>/webgl`) against their composites: the
 * row kernels bit for bit (ties, −0/+0, n = 1, odd n, both directions), the statistics
 * kernels, the smoothing kernel and the bottleneck kernels within the webgl tolerance (the
 * GPU suites shared with webgpu, `test/helpers/gpu*Kernels.ts`, which also check that
 * gaussianBlur and informationBottleneck read nothing back from the GPU) and, here, with
 * packed inputs, none leaking tensors or textures. cpu and wasm kernels have their own
 * suites; this file runs only in the browser project
 * (`*.browser.test.ts` is excluded from the node project).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { gaussianMatrix } from '../../src/_internal/gaussian';
import { smoothAxis } from '../../src/_internal/kernels/smoothing/contract';
import { argsortRows, gatherRows, invertPermutationRows } from '../../src/_internal/kernels/sort/contract';
import { expectClose, expectNoLeak } from '../helpers/assert';
import { bothPaths, useBackend } from '../helpers/backends';
import { bottleneckInputs, describeGpuBottleneckKernels, disposeBottleneckInputs, expectBottleneckKernelsMatch } from '../helpers/gpuBottleneckKernels';
import { describeGpuSmoothingKernels } from '../helpers/gpuSmoothingKernels';
import { describeGpuStatisticsKernels, uniform } from '../helpers/gpuStatisticsKernels';
import { TOLERANCE } from '../helpers/tolerance';

async function expectSameAsComposite(f: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const { fused, composite } = await bothPaths(f);
  expect(fused.map((values) => Array.from(values))).toEqual(composite.map((values) => Array.from(values)));
}

describe('webgl fused kernels', () => {
  it('uses the webgl backend', async () => {
    await useBackend('webgl');
    expect(tf.getBackend()).toBe('webgl');
  });

  describe('row kernels match the composites bit for bit', () => {
    const rowCases: Array<[string, number, number]> = [['n = 1', 3, 1], ['n = 2', 2, 2], ['odd n', 4, 13], ['power of two', 3, 16], ['long rows', 5, 1000]];
    for (const [label, rows, n] of rowCases) {
      for (const descending of [false, true]) {
        it(`argsort, ${label}, ${descending ? 'descending' : 'ascending'}, with ties and signed zeros`, async () => {
          // Few distinct values: many ties; −0 and +0 both occur and must compare equal.
          const values = Array.from(uniform(rows * n, 7 + n), (v) => Math.round(v * 3) / 2);
          values.forEach((v, i) => (values[i] = v === 0 && i % 2 === 1 ? -0 : v));
          const x = tf.tensor2d(values, [rows, n]);
          await expectSameAsComposite(() => argsortRows(x, descending));
          x.dispose();
        });
      }
    }

    it('argsort of int32 rows, both directions, with extreme values', async () => {
      const values = Array.from(uniform(4 * 37, 11), (v) => Math.round(v * 5));
      values[0] = -(2 ** 24);
      values[5] = 2 ** 24;
      const x = tf.tensor2d(values, [4, 37], 'int32');
      await expectSameAsComposite(() => argsortRows(x, false));
      await expectSameAsComposite(() => argsortRows(x, true));
      x.dispose();
    });

    it('gathers rows of float32 and int32 tensors', async () => {
      const x = tf.tensor2d(uniform(3 * 9, 5), [3, 9]);
      const xInt = tf.tensor2d(Array.from(uniform(3 * 9, 6), (v) => Math.round(v * 100)), [3, 9], 'int32');
      const indices = tf.tensor2d(Array.from(uniform(3 * 5, 8, 0, 9), Math.floor), [3, 5], 'int32');
      await expectSameAsComposite(() => gatherRows(x, indices));
      await expectSameAsComposite(() => gatherRows(xInt, indices));
      tf.dispose([x, xInt, indices]);
    });

    it('inverts row permutations', async () => {
      for (const n of [1, 7, 64, 300]) {
        const x = tf.tensor2d(uniform(3 * n, n), [3, n]);
        const perm = argsortRows(x, false);
        await expectSameAsComposite(() => invertPermutationRows(perm));
        tf.dispose([x, perm]);
      }
    });

    it('ran the webgl kernels (not the composites)', () => {
      for (const name of ['FeatstatsArgsortRows', 'FeatstatsGatherRows', 'FeatstatsInvertPermutationRows']) {
        expect(tf.getKernel(name, 'webgl'), name).toBeDefined();
      }
    });

    it('leaks no tensor or texture', async () => {
      const x = tf.tensor2d(uniform(2 * 50, 3), [2, 50]);
      await expectNoLeak(() => {
        const order = argsortRows(x, true);
        tf.dispose([order, gatherRows(x, order), invertPermutationRows(order)]);
      });
      x.dispose();
    });
  });

  describeGpuSmoothingKernels('webgl');
  describeGpuBottleneckKernels('webgl');

  describe('the smoothing and bottleneck kernels read packed inputs', () => {
    beforeAll(() => useBackend('webgl'));
    it('the smoothing kernel reads a packed x (a matMul output) in place', async () => {
      const [a, b] = [tf.tensor2d(uniform(6 * 4, 43), [6, 4]), tf.tensor2d(uniform(4 * 10, 44), [4, 10])];
      const matrix = gaussianMatrix(10, 1, 5);
      const { fused, composite } = await bothPaths(() => tf.tidy(() => smoothAxis(tf.matMul(a, b), matrix, 1, false)));
      expectClose(fused[0] as Float32Array, composite[0] as Float32Array, TOLERANCE.webgl.value);
      tf.dispose([a, b]);
    });

    it('the bottleneck kernels read packed inputs (R a matMul output, σ and λ from packed element-wise ops)', async () => {
      // A sample of 150 elements: tfjs runs element-wise ops on inputs under 128 elements
      // that are still on the CPU with its cpu code (WEBGL_CPU_FORWARD), unpacked.
      const inputs = bottleneckInputs([6, 15, 10], 71, true);
      const [a, b] = [tf.tensor2d(uniform(90 * 4, 72), [90, 4]), tf.tensor2d(uniform(4 * 10, 73), [4, 10])];
      const r = tf.tidy(() => tf.reshape(tf.matMul(a, b), [6, 15, 10]));
      const packed = tf.tidy(() => ({ sigma: tf.add(inputs.c.sigma, 0.5), lambda: tf.mul(inputs.c.lambda, 0.9) }));
      const backend = tf.backend() as unknown as { texData: { get(id: object): { isPacked?: boolean } } };
      expect([r, packed.sigma, packed.lambda].map((t) => backend.texData.get(t.dataId).isPacked)).toEqual([true, true, true]);
      for (const term of ['output', 'capacity'] as const) await expectBottleneckKernelsMatch('webgl', r, { ...inputs.c, ...packed }, inputs.dy, term);
      tf.dispose([a, b, r, packed.sigma, packed.lambda]);
      disposeBottleneckInputs(inputs);
    });
  });

  describeGpuStatisticsKernels('webgl');
});
