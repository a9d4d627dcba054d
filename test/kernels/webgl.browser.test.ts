/**
 * The webgl fused kernels (`src/_internal/kernels/<family>/webgl`) against their composites: the
 * row kernels bit for bit (ties, −0/+0, n = 1, odd n, both directions), the statistics
 * kernels within the webgl tolerance (the GPU suite shared with webgpu,
 * `test/helpers/gpuStatisticsKernels.ts`), the smoothing kernel within it too (and its
 * non-finite inputs against a sparse float64 reference), the bottleneck kernels within it
 * (both terms, masked or not, packed inputs), none leaking tensors or textures, and
 * gaussianBlur and informationBottleneck reading nothing back from the GPU. cpu and
 * wasm kernels have their own suites; this file runs only in the browser project
 * (`*.browser.test.ts` is excluded from the node project).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { informationBottleneck } from '../../src';
import { gaussianMatrix } from '../../src/_internal/gaussian';
import { bottleneckBackward, bottleneckForward, type BottleneckInputs, type BottleneckTerm } from '../../src/_internal/kernels/bottleneck/contract';
import { smoothAxis, sparseRows, stencilBand } from '../../src/_internal/kernels/smoothing/contract';
import { argsortRows, gatherRows, invertPermutationRows } from '../../src/_internal/kernels/sort/contract';
import { gaussianBlur } from '../../src/corruptions';
import { expectClose, expectNoLeak, maxAbs } from '../helpers/assert';
import { bothPaths, useBackend } from '../helpers/backends';
import { describeGpuStatisticsKernels, uniform } from '../helpers/gpuStatisticsKernels';
import { countReadbacks } from '../helpers/readbacks';
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

  describe('the smoothing kernel matches the composite', () => {
    beforeAll(() => useBackend('webgl'));
    // [label, x's shape, axis, kernel size, σ]: inner sizes 1, 3 and ≥ 16 around the
    // axis; L = 1, 2 and L shorter than the radius, where reflection folds taps several
    // times onto one column.
    const cases: ReadonlyArray<[string, number[], number, number, number]> = [
      ['inner 1 (the last axis)', [2, 3, 20], 2, 5, 1],
      ['inner 3', [2, 20, 3], 1, 5, 1],
      ['inner 17', [2, 12, 17], 1, 7, 1.5],
      ['the first axis (outer 1)', [9, 4, 3], 0, 3, 1],
      ['rank 4, an image height', [2, 11, 6, 3], 1, 9, 2],
      ['L = 1', [2, 1, 3], 1, 5, 1],
      ['L = 2', [2, 2, 3], 1, 5, 1],
      ['L shorter than the radius', [2, 3, 4], 1, 15, 2.5],
      ['a long axis', [1, 300, 2], 1, 37, 9],
      ['a stencil too long for a uniform array', [1, 400, 1], 1, 151, 30],
    ];
    for (const [label, shape, axis, kernelSize, sigma] of cases) {
      for (const transpose of [false, true]) {
        it(`${label}, kernel ${kernelSize}${transpose ? ', transposed' : ''}`, async () => {
          const length = shape[axis] as number;
          const x = tf.tensor(uniform(shape.reduce((a, b) => a * b, 1), 31 + length), shape);
          const matrix = gaussianMatrix(length, sigma, kernelSize);
          const { fused, composite, fusedShapes } = await bothPaths(() => smoothAxis(x, matrix, axis, transpose));
          expect(fusedShapes[0]).toEqual(shape);
          expectClose(fused[0] as Float32Array, composite[0] as Float32Array, TOLERANCE.webgl.value);
          x.dispose();
        });
      }
    }

    it('finds the rows that share one stencil (the band read from uniforms)', () => {
      // 5 taps over 20 positions: rows 2…17 reach no border; their columns start at i − 2.
      for (const transpose of [false, true]) {
        const band = stencilBand(sparseRows(gaussianMatrix(20, 1, 5), 20, transpose), 20);
        expect([band.start, band.end, band.offset, band.stencil.length]).toEqual(transpose ? [3, 17, -2, 5] : [2, 18, -2, 5]);
      }
      // L below the radius: every row folds, none has consecutive taps of one stencil twice.
      expect(stencilBand(sparseRows(gaussianMatrix(3, 2.5, 15), 3, false), 3).end).toBeLessThanOrEqual(1);
    });

    it('any matrix (zeros inside rows, an empty row), transposed or not', async () => {
      const length = 9;
      const matrix = uniform(length * length, 41).map((v, k) => (v > 0.2 || Math.floor(k / length) === 4 ? 0 : v));
      const x = tf.tensor(uniform(2 * length * 5, 42), [2, length, 5]);
      for (const transpose of [false, true]) {
        const { fused, composite } = await bothPaths(() => smoothAxis(x, matrix, 1, transpose));
        expectClose(fused[0] as Float32Array, composite[0] as Float32Array, TOLERANCE.webgl.value);
      }
      x.dispose();
    });

    it('reads a packed x (a matMul output) in place', async () => {
      const [a, b] = [tf.tensor2d(uniform(6 * 4, 43), [6, 4]), tf.tensor2d(uniform(4 * 10, 44), [4, 10])];
      const matrix = gaussianMatrix(10, 1, 5);
      const { fused, composite } = await bothPaths(() => tf.tidy(() => smoothAxis(tf.matMul(a, b), matrix, 1, false)));
      expectClose(fused[0] as Float32Array, composite[0] as Float32Array, TOLERANCE.webgl.value);
      tf.dispose([a, b]);
    });

    it('a non-finite input reaches only the outputs within the kernel\'s reach, as on the host', async () => {
      // x [1, 12, 3] along axis 1, 3 taps: NaN at (2, 1) and (0, 2), +∞ at (9, 0). The sparse
      // float64 sum over each row's nonzero entries is the reference (the dense composite
      // would make both lines wholly NaN, 0·∞).
      const [length, inner] = [12, 3];
      const values = uniform(length * inner, 45);
      values[2 * inner + 1] = NaN;
      values[9 * inner] = Infinity;
      values[2] = NaN; // at (0, 2): a row ending in padding (row 11, two entries) must not read it
      const x = tf.tensor(values, [1, length, inner]);
      const matrix = gaussianMatrix(length, 1, 3);
      for (const transpose of [false, true]) {
        const { columns, weights, taps } = sparseRows(matrix, length, transpose);
        const expected = new Float64Array(length * inner);
        for (let i = 0; i < length; i++) {
          for (let c = 0; c < inner; c++) {
            let sum = 0;
            for (let t = 0; t < taps && (columns[i * taps + t] as number) >= 0; t++) sum += (weights[i * taps + t] as number) * (values[(columns[i * taps + t] as number) * inner + c] as number);
            expected[i * inner + c] = sum;
          }
        }
        const out = smoothAxis(x, matrix, 1, transpose);
        const got = (await out.data()) as Float32Array;
        out.dispose();
        // Rows 1–3 of channel 1 and 0–1 of channel 2 are NaN, rows 8–10 of channel 0 +∞; all else is finite.
        const nonFinite = Array.from(expected, (v, k) => (Number.isFinite(v) ? 'finite' : String(v)) + `@${Math.floor(k / inner)},${k % inner}`).filter((s) => !s.startsWith('finite'));
        expect(nonFinite).toEqual(['NaN@0,2', 'NaN@1,1', 'NaN@1,2', 'NaN@2,1', 'NaN@3,1', 'Infinity@8,0', 'Infinity@9,0', 'Infinity@10,0']);
        // The same non-finite values at the same places (NaN as a string: NaN !== NaN).
        const kinds = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isFinite(v) ? 'finite' : String(v)));
        expect(kinds(got)).toEqual(kinds(expected));
        const finite = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isFinite(v) ? v : 0));
        expectClose(finite(got), finite(expected), TOLERANCE.webgl.value);
      }
      x.dispose();
    });

    it('ran the webgl kernel (not the composite)', () => {
      expect(tf.getKernel('FeatstatsSmoothAxis', 'webgl')).toBeDefined();
    });

    it('leaks no tensor or texture', async () => {
      const x = tf.tensor(uniform(2 * 20 * 3, 46), [2, 20, 3]);
      const matrix = gaussianMatrix(20, 1, 5);
      await expectNoLeak(() => {
        tf.dispose([smoothAxis(x, matrix, 1, false), smoothAxis(x, matrix, 1, true)]);
      });
      x.dispose();
    });
  });

  describe('no GPU → CPU read in gaussianBlur, forward and backward', () => {
    beforeAll(() => useBackend('webgl'));
    // Inputs made on the GPU (tf.add of an upload), so a read of them would count.
    const onGpu = (shape: number[], seed: number) => tf.tidy(() => tf.add(tf.tensor(uniform(shape.reduce((a, b) => a * b, 1), seed), shape), tf.scalar(0.5)));
    for (const dataFormat of ['NHWC', 'NCHW'] as const) {
      it(`${dataFormat}: 0 readbacks in the forward and in the gradient`, async () => {
        const x = onGpu([2, 9, 7, 3], 47);
        const weights = onGpu([2, 9, 7, 3], 48);
        const blur = (t: tf.Tensor) => gaussianBlur(t, { kernelSize: 5, sigma: 1.2, dataFormat });
        let outputs: tf.Tensor[] = [];
        const reads = await countReadbacks(() => {
          // The gradient with `weights` as the upstream dy (no tfjs gradient is needed).
          outputs = [blur(x), tf.grad(blur)(x, weights)];
        });
        expect(reads).toBe(0);
        // The values are there to read afterwards (the count is not 0 for want of work).
        for (const t of outputs) expect(Array.from(await t.data()).every(Number.isFinite)).toBe(true);
        expect(tf.getKernel('FeatstatsSmoothAxis', 'webgl')).toBeDefined();
        tf.dispose([x, weights, ...outputs]);
      });
    }
  });

  describe('the bottleneck kernels match the composites', () => {
    beforeAll(() => useBackend('webgl'));
    /** The kernels' inputs for R of `shape`: λ in (0, 1), σ > 0, a 0/1 mask when `masked`. */
    function bottleneckInputs(shape: number[], seed: number, masked: boolean): { r: tf.Tensor; c: BottleneckInputs; dy: tf.Tensor } {
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
    const disposeInputs = ({ r, c, dy }: ReturnType<typeof bottleneckInputs>) => tf.dispose([r, dy, c.lambda, c.oneMinusLambda, c.mean, c.sigma, c.noise, ...(c.mask === undefined ? [] : [c.mask])]);

    async function expectKernelsMatch(r: tf.Tensor, c: BottleneckInputs, dy: tf.Tensor, term: BottleneckTerm): Promise<void> {
      const forward = await bothPaths(() => bottleneckForward(r, c, term));
      expect(forward.fusedShapes).toEqual([r.shape]);
      expectClose(forward.fused[0] as Float32Array, forward.composite[0] as Float32Array, TOLERANCE.webgl.value, maxAbs(forward.composite[0] as Float32Array));
      const backward = await bothPaths(() => bottleneckBackward(r, c, dy, term));
      expect(backward.fusedShapes).toEqual([r.shape, c.lambda.shape, c.lambda.shape]);
      for (let k = 0; k < 3; k++) {
        const expected = backward.composite[k] as Float32Array;
        expectClose(backward.fused[k] as Float32Array, expected, TOLERANCE.webgl.value, maxAbs(expected));
      }
    }

    // Samples of 105, 11 (rank 2) and 1 element, none a multiple of 4, and a batch of 1.
    const shapes: number[][] = [[2, 5, 3, 7], [3, 11], [1, 4, 6, 5], [4, 1]];
    for (const shape of shapes) {
      for (const term of ['output', 'capacity'] as const) {
        for (const masked of [false, true]) {
          it(`[${shape.join(',')}], ${term}${masked ? ', masked' : ''}`, async () => {
            const inputs = bottleneckInputs(shape, 60 + shape.length, masked);
            await expectKernelsMatch(inputs.r, inputs.c, inputs.dy, term);
            disposeInputs(inputs);
          });
        }
      }
    }

    it('reads packed inputs (R a matMul output, σ and λ from packed element-wise ops)', async () => {
      // A sample of 150 elements: tfjs runs element-wise ops on inputs under 128 elements
      // that are still on the CPU with its cpu code (WEBGL_CPU_FORWARD), unpacked.
      const inputs = bottleneckInputs([6, 15, 10], 71, true);
      const [a, b] = [tf.tensor2d(uniform(90 * 4, 72), [90, 4]), tf.tensor2d(uniform(4 * 10, 73), [4, 10])];
      const r = tf.tidy(() => tf.reshape(tf.matMul(a, b), [6, 15, 10]));
      const packed = tf.tidy(() => ({ sigma: tf.add(inputs.c.sigma, 0.5), lambda: tf.mul(inputs.c.lambda, 0.9) }));
      const backend = tf.backend() as unknown as { texData: { get(id: object): { isPacked?: boolean } } };
      expect([r, packed.sigma, packed.lambda].map((t) => backend.texData.get(t.dataId).isPacked)).toEqual([true, true, true]);
      for (const term of ['output', 'capacity'] as const) await expectKernelsMatch(r, { ...inputs.c, ...packed }, inputs.dy, term);
      tf.dispose([a, b, r, packed.sigma, packed.lambda]);
      disposeInputs(inputs);
    });

    it('ran the webgl kernels (not the composites)', () => {
      expect(tf.getKernel('FeatstatsBottleneckForward', 'webgl')).toBeDefined();
      expect(tf.getKernel('FeatstatsBottleneckBackward', 'webgl')).toBeDefined();
    });

    it('leaks no tensor or texture', async () => {
      const inputs = bottleneckInputs([2, 3, 5], 74, true);
      await expectNoLeak(() => {
        for (const term of ['output', 'capacity'] as const) tf.dispose([bottleneckForward(inputs.r, inputs.c, term), ...bottleneckBackward(inputs.r, inputs.c, inputs.dy, term)]);
      });
      disposeInputs(inputs);
    });
  });

  describe('no GPU → CPU read in informationBottleneck, forward and backward', () => {
    beforeAll(() => useBackend('webgl'));
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
        expect(tf.getKernel('FeatstatsBottleneckBackward', 'webgl')).toBeDefined();
        tf.dispose([r, alpha, mean, std, dy, ...(mask === undefined ? [] : [mask]), ...outputs]);
      });
    }
  });

  describeGpuStatisticsKernels('webgl');
});
