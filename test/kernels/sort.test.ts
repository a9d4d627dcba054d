/**
 * The sort kernels (`src/_internal/kernels/sort/contract.ts`) against their
 * own composites, bit for bit, on random rows full of ties (small integer-valued floats,
 * with −0 and +0), int32 rows with both extremes, both directions, n = 1, odd n, short
 * rows (insertion sort) and long rows (radix sort), and no leaks. On a backend without a
 * fused kernel both sides run the composite and the properties hold trivially.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { setFastPaths } from '../../src';
import {
  ARGSORT_ROWS,
  argsortRows,
  BLEND_ROWS,
  blendRows,
  GATHER_ROWS,
  gatherRows,
  INVERT_PERMUTATION_ROWS,
  invertPermutationRows,
  RANK_ROWS,
  rankRows,
  ROW_DOTS,
  rowDots,
  SCALE_ROWS,
  scaleRows,
  SCATTER_ROWS,
  scatterRows,
  SWAP_INNER_AXES,
  swapInnerAxes,
  TAKE_ROWS,
  takeRows,
} from '../../src/_internal/kernels/sort/contract';
import { sortRowValues, uniformFrom, type SortRowsKind } from '../helpers/arbitraries';
import { expectClose, expectNoLeak } from '../helpers/assert';
import { bothPaths, describeBackends } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';

type Kind = SortRowsKind;

interface RowsCase {
  readonly rows: number;
  readonly n: number;
  readonly kind: Kind;
  readonly descending: boolean;
  readonly seed: number;
}

/** Row lengths: 1, short odd (insertion sort), and long odd/even (radix sort). */
const rowsCase: fc.Arbitrary<RowsCase> = fc.record({
  rows: fc.integer({ min: 1, max: 5 }),
  n: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 33 }), fc.integer({ min: 34, max: 300 })),
  kind: fc.constantFrom<Kind>('ties', 'spread', 'int32'),
  descending: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

/**
 * webgl keeps int32 in float32 textures, exact only within ±2²⁴ (README), and its
 * readback casts 2³¹ − 1 (rounded to 2³¹) to −2³¹, so the composite's tf.topk sees other
 * values than the GPU; on webgpu tfjs's own TopK and GatherV2 (4.22) read int32 through
 * float32, so the composite rounds there too (featstats' webgpu kernels read i32, exact
 * over the whole range: test/ops/sort.test.ts checks them against the float64 reference).
 * Compare the paths on the range where the composite's int32 is exact.
 */
const GPU_COMPOSITE_INT32_LIMIT = 2 ** 24;

/** `rows × n` values of the case's kind (`sortRowValues`), int32 within the composite's exact range on the GPU backends. */
function makeRows({ rows, n, kind, seed }: RowsCase): tf.Tensor2D {
  const limit = tf.getBackend() === 'webgl' || tf.getBackend() === 'webgpu' ? GPU_COMPOSITE_INT32_LIMIT : 2 ** 31;
  const values = sortRowValues(kind, rows * n, seed, limit);
  return kind === 'int32' ? tf.tensor2d(values, [rows, n], 'int32') : tf.tensor2d(values, [rows, n]);
}

/** Exact bit patterns, so −0 and +0 (and every float) must agree bit for bit. */
function bits(values: Float32Array | Int32Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

/** Values of `f()` with fast paths on and with the composite. */
async function fusedAndComposite(f: () => tf.Tensor): Promise<[number[], number[]]> {
  const run = async (fast: boolean) => {
    setFastPaths(fast);
    try {
      const out = f();
      const values = (await out.data()) as Float32Array | Int32Array;
      out.dispose();
      return bits(values);
    } finally {
      setFastPaths(true);
    }
  };
  return [await run(true), await run(false)];
}

async function expectSameAsComposite(f: () => tf.Tensor): Promise<void> {
  const [fused, composite] = await fusedAndComposite(f);
  expect(fused).toEqual(composite);
}

describeBackends('row kernels', () => {
  it('argsort matches the composite bit for bit, stable in both directions', async () => {
    await fc.assert(
      fc.asyncProperty(rowsCase, async (c) => {
        const x = makeRows(c);
        await expectSameAsComposite(() => argsortRows(x, c.descending));
        x.dispose();
      }),
      runs(60),
    );
  });

  // Rows longer than 2¹⁶ go to the host's TypeScript radix sort (shorter ones to its
  // WebAssembly build); one odd-length row of each kind, both directions (the two
  // scatter streams meet in the middle element).
  it('argsort of a row longer than 2¹⁶ matches the composite bit for bit', async () => {
    for (const kind of ['ties', 'spread', 'int32'] as const) {
      for (const descending of [false, true]) {
        const x = makeRows({ rows: 1, n: 2 ** 16 + 3, kind, descending, seed: 11 });
        await expectSameAsComposite(() => argsortRows(x, descending));
        x.dispose();
      }
    }
  });

  // The webgpu kernel sorts rows of up to 64 in one invocation's memory and longer ones
  // in blocks of 64 merged by global passes: rows on both sides of the block boundary and
  // of a power of two, both directions.
  it('argsort of rows around and past one GPU block matches the composite bit for bit', async () => {
    for (const n of [63, 64, 65, 1025, 3000]) {
      for (const kind of ['ties', 'spread', 'int32'] as const) {
        for (const descending of [false, true]) {
          const x = makeRows({ rows: 2, n, kind, descending, seed: n });
          await expectSameAsComposite(() => argsortRows(x, descending));
          x.dispose();
        }
      }
    }
  });

  it('gather, inverse, rank and scatter of an order match the composite bit for bit', async () => {
    await fc.assert(
      fc.asyncProperty(rowsCase, async (c) => {
        const x = makeRows(c);
        const order = tf.tidy(() => {
          setFastPaths(false);
          try {
            return argsortRows(x, c.descending);
          } finally {
            setFastPaths(true);
          }
        });
        await expectSameAsComposite(() => gatherRows(x, order));
        await expectSameAsComposite(() => invertPermutationRows(order));
        await expectSameAsComposite(() => rankRows(x, order, c.descending));
        await expectSameAsComposite(() => scatterRows(x, order));
        // The keyed scatter: `x` is what `order` sorts when the order is ascending.
        if (!c.descending) await expectSameAsComposite(() => scatterRows(x, order, x));
        tf.dispose([x, order]);
      }),
      runs(30),
    );
  });

  it('gather reads indices of another length, with repeats', async () => {
    const x = tf.tensor2d([1, -0, 3, 0, 5, 6], [2, 3]);
    const indices = tf.tensor2d([2, 2, 0, 1, 1, 0, 0, 2], [2, 4], 'int32');
    await expectSameAsComposite(() => gatherRows(x, indices));
    tf.dispose([x, indices]);
  });

  it('swapping inner axes, taking rows, scaling and blending rows match the composite', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ batch: fc.integer({ min: 1, max: 3 }), p: fc.integer({ min: 1, max: 40 }), q: fc.integer({ min: 1, max: 40 }), seed: fc.nat() }),
        async ({ batch, p, q, seed }) => {
          const uniform = uniformFrom(seed);
          const spread = () => (uniform() - 0.5) * 10 ** Math.floor(uniform() * 8 - 4);
          const x = tf.tensor3d(Float32Array.from({ length: batch * p * q }, spread), [batch, p, q]);
          const ints = tf.tensor3d(Int32Array.from({ length: batch * p * q }, () => Math.floor((uniform() - 0.5) * 2 ** 32)), [batch, p, q], 'int32');
          const rows = tf.reshape(x, [batch * p, q]) as tf.Tensor2D;
          const other = tf.tensor2d(Float32Array.from({ length: batch * p * q }, spread), [batch * p, q]);
          const wa = tf.tensor2d(Float32Array.from({ length: batch * p }, uniform), [batch * p, 1]);
          const wb = tf.tensor2d(Float32Array.from({ length: batch * p }, spread), [batch * p, 1]);
          const picks = tf.tensor1d(Int32Array.from({ length: batch + 2 }, () => Math.floor(uniform() * batch)), 'int32');
          await expectSameAsComposite(() => swapInnerAxes(x));
          // tfjs-backend-webgpu 4.22's Transpose does not compile for int32 (its shader passes
          // an i32 to setOutputAtIndex(f32)), so there is no composite to compare with; the
          // sort family only swaps float32 features (channelRows).
          if (tf.getBackend() !== 'webgpu') await expectSameAsComposite(() => swapInnerAxes(ints));
          await expectSameAsComposite(() => takeRows(tf.reshape(x, [batch, p * q]), picks));
          await expectSameAsComposite(() => scaleRows(rows, wb));
          await expectSameAsComposite(() => blendRows(rows, other, wa, wb));
          tf.dispose([x, ints, rows, other, wa, wb, picks]);
        },
      ),
      runs(30),
    );
  });

  it('row dots match float64 sums and the composite (within float32 summation error)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ rows: fc.integer({ min: 1, max: 9 }), n: fc.integer({ min: 1, max: 67 }), seed: fc.nat() }), async ({ rows, n, seed }) => {
        const uniform = uniformFrom(seed);
        const spread = () => (uniform() - 0.5) * 10 ** Math.floor(uniform() * 8 - 4);
        const [aValues, bValues] = [Float32Array.from({ length: rows * n }, spread), Float32Array.from({ length: rows * n }, spread)];
        const [a, b] = [tf.tensor2d(aValues, [rows, n]), tf.tensor2d(bValues, [rows, n])];
        const expected = new Float64Array(rows);
        const magnitude = new Float64Array(rows);
        for (let i = 0; i < rows * n; i++) {
          const r = Math.floor(i / n);
          expected[r] = (expected[r] as number) + (aValues[i] as number) * (bValues[i] as number);
          magnitude[r] = (magnitude[r] as number) + Math.abs((aValues[i] as number) * (bValues[i] as number));
        }
        const { fused, composite, fusedShapes } = await bothPaths(() => rowDots(a, b));
        expect(fusedShapes[0]).toEqual([rows, 1]);
        const tolerance = TOLERANCE[tf.getBackend() as keyof typeof TOLERANCE].value;
        const scale = Array.from(magnitude, (m) => m * n + Number.MIN_VALUE);
        expectClose(fused[0] as Float32Array, expected, tolerance, scale);
        expectClose(composite[0] as Float32Array, expected, tolerance, scale);
        tf.dispose([a, b]);
      }),
      runs(30),
    );
  });

  it('leaks no tensors', async () => {
    const x = makeRows({ rows: 3, n: 70, kind: 'ties', descending: false, seed: 3 });
    const w = tf.ones([3, 1]) as tf.Tensor2D;
    // Each kernel's output is disposed by the tidy; anything a kernel left behind would not be.
    await expectNoLeak(() =>
      tf.tidy(() => {
        const order = argsortRows(x, true);
        gatherRows(x, order);
        invertPermutationRows(order);
        rankRows(x, order, true);
        scatterRows(x, order);
        swapInnerAxes(tf.reshape(x, [1, 3, 70]));
        blendRows(x, x, w, w);
        scaleRows(x, w);
        rowDots(x, x);
        takeRows(x, tf.tensor1d([2, 0], 'int32'));
      }),
    );
    tf.dispose([x, w]);
  });

  it('ran every fused kernel this backend has (the comparisons above are not composite against itself)', () => {
    const backend = tf.getBackend();
    const kernels = [ARGSORT_ROWS, GATHER_ROWS, INVERT_PERMUTATION_ROWS, RANK_ROWS, SWAP_INNER_AXES, SCATTER_ROWS, BLEND_ROWS, SCALE_ROWS, ROW_DOTS, TAKE_ROWS];
    const fused = kernels.filter((kernel) => kernel.backends[backend] !== undefined);
    // The sort core is fused everywhere; webgl runs the layout kernels as tfjs composites.
    expect(fused.map((kernel) => kernel.name)).toEqual(expect.arrayContaining(['FeatstatsArgsortRows', 'FeatstatsGatherRows', 'FeatstatsInvertPermutationRows']));
    for (const kernel of fused) expect(tf.getKernel(kernel.name, backend), kernel.name).toBeDefined();
  });
});
