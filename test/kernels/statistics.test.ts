/**
 * The fused statistics kernels (`src/_internal/kernels/statistics/contract.ts`) against
 * their own composites, called directly on random views `[P, A, Q, B]` = `[outer,
 * reducedOuter, kept, reducedInner]` (short runs and long runs, so both loop shapes of the
 * host kernels run), random ddof, random feature layouts with stride·size dividing Q·B,
 * and constant groups. On a backend without a fused kernel both sides run the composite
 * and the properties hold trivially.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { DEFAULT_HOST_OPTIONS, setHostOptions } from '../../src/_internal/kernels/host/options';
import { gradientRunSums } from '../../src/_internal/kernels/statistics/host/gradientSums';
import { momentsRunSums } from '../../src/_internal/kernels/statistics/host/moments';
import { compiledRuns } from '../../src/_internal/kernels/statistics/host/runs';
import { gradientSums, inputGradient, moments, recenter, scaleShift, standardize, type GradientSums } from '../../src/_internal/kernels/statistics/contract';
import type { StatisticsView } from '../../src/_internal/kernels/statistics/view';
import { uniformFrom } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, maxAbs } from '../helpers/assert';
import { bothPaths, describeBackends } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';

interface KernelCase {
  readonly view: [number, number, number, number];
  readonly stride: number;
  readonly size: number;
  readonly ddof: number;
  readonly seed: number;
  /** Constant groups (p, q) get one repeated value; flags chosen from the seed. */
  readonly constantGroups: boolean;
}

/** The statistics view of a `[P, A, Q, B]` tensor read as itself. */
function viewOf([outer, reducedOuter, kept, reducedInner]: readonly number[]): StatisticsView {
  return { outer: outer ?? 1, reducedOuter: reducedOuter ?? 1, kept: kept ?? 1, reducedInner: reducedInner ?? 1 };
}

/** Σg, Σg·x̂ [, dγ, dβ] as a list, in the kernel's output order. */
function sumsList({ sumG, sumGNormalized, dGamma, dBeta }: GradientSums): tf.Tensor[] {
  return [sumG, sumGNormalized, ...(dGamma === undefined || dBeta === undefined ? [] : [dGamma, dBeta])];
}

/** The moments as a list: mean, variance. */
function momentsList(x: tf.Tensor, ddof: number, view = viewOf(x.shape)): tf.Tensor[] {
  const { mean, variance } = moments(x, { view, ddof });
  return [mean, variance];
}

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/** Views with short (≤ 16) and long rows, and an affine map with stride·size | Q·B. */
const generalCase: fc.Arbitrary<KernelCase> = fc
  .record({
    P: fc.integer({ min: 1, max: 3 }),
    A: fc.integer({ min: 1, max: 6 }),
    Q: fc.integer({ min: 1, max: 5 }),
    B: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 15, max: 40 })),
    ddof: fc.constantFrom(0, 1),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    constantGroups: fc.boolean(),
    pick: fc.tuple(fc.nat(), fc.nat()),
  })
  .filter(({ A, B, ddof }) => A * B > ddof)
  .map(({ P, A, Q, B, ddof, seed, constantGroups, pick }) => {
    const strides = divisors(Q * B);
    const stride = strides[pick[0] % strides.length] as number;
    const sizes = divisors((Q * B) / stride);
    const size = sizes[pick[1] % sizes.length] as number;
    return { view: [P, A, Q, B], stride, size, ddof, seed, constantGroups };
  });

/**
 * Layer norm's shape, `[P, 1, 1, B]` with γ, β along the whole long row: the host kernels
 * take four rows per sweep here, so P reaches past 4 and past a multiple of 4.
 */
const alongRowsCase: fc.Arbitrary<KernelCase> = fc
  .record({
    P: fc.integer({ min: 4, max: 9 }),
    B: fc.integer({ min: 17, max: 40 }),
    ddof: fc.constantFrom(0, 1),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    constantGroups: fc.boolean(),
  })
  .map(({ P, B, ddof, seed, constantGroups }) => ({ view: [P, 1, 1, B], stride: 1, size: B, ddof, seed, constantGroups }));

const kernelCase: fc.Arbitrary<KernelCase> = fc.oneof({ arbitrary: generalCase, weight: 3 }, { arbitrary: alongRowsCase, weight: 1 });

/** Values around an offset per group; with `constantGroups`, about a third of the groups constant. */
function makeView({ view, seed, constantGroups }: KernelCase): { values: Float32Array; constant: boolean[] } {
  const [P, A, Q, B] = view;
  const uniform = uniformFrom(seed);
  const constant = Array.from({ length: P * Q }, () => constantGroups && uniform() < 0.35);
  const offsets = Array.from({ length: P * Q }, () => (uniform() - 0.5) * 20);
  const values = new Float32Array(P * A * Q * B);
  for (let i = 0; i < values.length; i++) {
    const q = Math.floor(i / B) % Q;
    const p = Math.floor(i / (A * Q * B));
    const g = p * Q + q;
    values[i] = (offsets[g] as number) + (constant[g] === true ? 0.5 : (uniform() - 0.5) * 6);
  }
  return { values, constant };
}

function randomTensor(shape: number[], seed: number, low: number, high: number): tf.Tensor {
  const uniform = uniformFrom(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => low + uniform() * (high - low)), shape);
}

/** The float32 bit patterns of each tensor, which are then disposed. */
async function readBits(outputs: tf.Tensor[]): Promise<number[][]> {
  const values = await Promise.all(
    outputs.map(async (t) => {
      const data = (await t.data()) as Float32Array;
      return Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
    }),
  );
  tf.dispose(outputs);
  return values;
}

/**
 * The first differing element of each output (-1: none, -2: another length), not a diff
 * of whole arrays, which takes minutes to print for the larger views.
 */
function firstDifferences(expected: number[][], got: number[][]): number[] {
  return expected.map((bits, k) => {
    const other = got[k] as number[];
    return other.length === bits.length ? bits.findIndex((b, i) => other[i] !== b) : -2;
  });
}

describeBackends('statistics kernels', (backend) => {
  const tolerance = TOLERANCE[backend].value;

  it('moments matches its composite; a constant group has its exact value and variance 0', async () => {
    await fc.assert(
      fc.asyncProperty(kernelCase, async (c) => {
        const { values, constant } = makeView(c);
        const x = tf.tensor4d(values, c.view);
        const { fused, composite } = await bothPaths(() => momentsList(x, c.ddof));
        const magnitude = maxAbs(values);
        expectClose(fused[0] as Float32Array, composite[0] as Float32Array, tolerance, magnitude);
        expectClose(fused[1] as Float32Array, composite[1] as Float32Array, tolerance, magnitude * magnitude);
        // A constant group: exactly its value and variance 0, on both paths.
        const [, A, Q, B] = c.view;
        constant.forEach((isConstant, g) => {
          if (!isConstant) return;
          const value = values[Math.floor(g / Q) * A * Q * B + (g % Q) * B] as number;
          for (const [mean, variance] of [fused, composite]) {
            expect((mean as Float32Array)[g]).toBe(value);
            expect((variance as Float32Array)[g]).toBe(0);
          }
        });
        x.dispose();
      }),
      runs(40),
    );
  });

  it('scaleShift, gradientSums and inputGradient match their composites for any feature layout', async () => {
    await fc.assert(
      fc.asyncProperty(kernelCase, fc.boolean(), fc.boolean(), async (c, withGamma, withBeta) => {
        const [P, , Q] = c.view;
        const stats = [P, 1, Q, 1];
        const x = tf.tensor4d(makeView(c).values, c.view);
        const dy = randomTensor(c.view, c.seed + 1, -1, 1) as tf.Tensor4D;
        const mean = randomTensor(stats, c.seed + 2, -10, 10);
        const scale = randomTensor(stats, c.seed + 3, 0.2, 2);
        const shift = randomTensor(stats, c.seed + 4, -1, 1);
        const [a, b, outScale] = [5, 6, 7].map((k) => randomTensor(stats, c.seed + k, -1, 1)) as [tf.Tensor, tf.Tensor, tf.Tensor];
        const gamma = withGamma ? randomTensor([c.size], c.seed + 8, -2, 2) : undefined;
        const beta = withBeta ? randomTensor([c.size], c.seed + 9, -2, 2) : undefined;
        const view = viewOf(c.view);
        const features = { stride: c.stride, size: c.size };
        const affineGrads = withGamma || withBeta;
        const { fused, composite } = await bothPaths(() => [
          scaleShift(x, { view, mean, scale, shift, gamma, beta, features }),
          ...sumsList(gradientSums(x, dy, { view, mean, scale, gamma, features, affineGradients: affineGrads })),
          inputGradient(x, dy, { view, mean, centering: a, projection: b, outScale, scale, gamma, features }),
        ]);
        // First-order float32 error of each output: |x − mean|·scale·|γ| + |β| (times M for sums).
        const rows = c.view[1] * c.view[3];
        const magnitude = 20 * 2 * 2 + 2;
        const scales = [magnitude, 2 * rows, magnitude * rows, ...(affineGrads ? [magnitude * rows * P, rows * P] : []), magnitude];
        fused.forEach((values, k) => {
          expectClose(values, composite[k] as Float32Array, tolerance, scales[k] as number);
        });
        tf.dispose([x, dy, mean, scale, shift, a, b, outScale, ...(gamma === undefined ? [] : [gamma]), ...(beta === undefined ? [] : [beta])]);
      }),
      runs(40),
    );
  });

  // On cpu and wasm the plane sweeps (runs of at most 16) run compiled
  // (host/compiled/planeSweeps.c): on wasm in place in the backend's memory, on cpu staged
  // through the module's own memory in chunks of rows. The TypeScript sweeps are the same
  // float64 operations in the same order. `webAssembly: 'required'` makes a kernel throw
  // where the compiled sweeps apply but could not run, so the comparison is never the
  // TypeScript sweeps against themselves. Odd Q·B reaches the compiled loops' scalar
  // tail, A not a multiple of 4 the leftover rows; the fixed views below span several
  // staged chunks (1024 rows of Q·B = 64; 4 rows of Q·B = 80000). On webgl both runs take
  // the same shader path.
  it('the compiled plane sweeps give the TypeScript sweeps\' values bit for bit (and run on cpu and wasm)', async () => {
    const planeCase = fc.record({
      view: fc.oneof(
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 16 })),
        fc.constantFrom<[number, number, number, number]>([2, 2051, 32, 2], [1, 9, 5000, 16]),
      ),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      withGamma: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(planeCase, async ({ view: shape, seed, withGamma }) => {
        const view = viewOf(shape);
        const [P, , Q, B] = shape;
        const stats = [P, 1, Q, 1];
        const x = tf.tensor4d(makeView({ view: shape, stride: 1, size: 1, ddof: 0, seed, constantGroups: true }).values, shape);
        const dy = randomTensor(shape, seed + 1, -1, 1);
        const [mean, scale, shift, a, b, outScale] = [2, 3, 4, 5, 6, 7].map((k) => randomTensor(stats, seed + k, -2, 2)) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const gamma = withGamma ? randomTensor([Q * B], seed + 8, -2, 2) : undefined;
        const features = { stride: 1, size: Q * B };
        const bits = async (engine: 'required' | 'off') => {
          const previous = setHostOptions({ webAssembly: engine });
          try {
            return await readBits([
              ...momentsList(x, 0),
              scaleShift(x, { view, mean, scale, shift, gamma, features }),
              ...sumsList(gradientSums(x, dy, { view, mean, scale, gamma, features, affineGradients: withGamma })),
              inputGradient(x, dy, { view, mean, centering: a, projection: b, outScale, scale, gamma, features }),
            ]);
          } finally {
            setHostOptions(previous);
          }
        };
        expect(await bits('required')).toEqual(await bits('off'));
        tf.dispose([x, dy, mean, scale, shift, a, b, outScale, ...(gamma === undefined ? [] : [gamma])] as tf.Tensor[]);
      }),
      runs(30),
    );
    // 30 runs over planes up to the whole-plane limit: ~40 s alone, 155 s in CI beside
    // the two browser projects, past the default 120 s.
  }, 400_000);

  // Runs over 16 run compiled too (host/compiled/runSweeps.c): on wasm in place, on cpu
  // staged. The TypeScript run loops sum four elements a step
  // into two accumulator pairs, the compiled ones into one f64x2 pair, tails into the
  // first: lengths 17–20 reach every tail, 33 and the long ones many steps. Layer norm's
  // shape `[P, 1, 1, B]` with γ, β along the run takes the along-rows loops (four blocks
  // a step in the sums, P past a multiple of 4); NCHW `[N, 1, C, L]` with γ per channel
  // the pieces of constant γ; other layouts (stride 1 inside a run, stride < B) the
  // sliding and split pieces.
  it('the compiled run loops give the TypeScript run loops\' values bit for bit (and run on cpu and wasm)', async () => {
    const length = fc.oneof(fc.constantFrom(17, 18, 19, 20, 33), fc.integer({ min: 17, max: 80 }), fc.constantFrom(1027, 4099));
    const runCase = fc.oneof(
      fc.record({ P: fc.integer({ min: 1, max: 9 }), B: length }).map(({ P, B }) => ({ view: [P, 1, 1, B] as [number, number, number, number], stride: 1, size: B })),
      fc.record({ N: fc.integer({ min: 1, max: 3 }), C: fc.integer({ min: 1, max: 6 }), L: length }).map(({ N, C, L }) => ({ view: [N, 1, C, L] as [number, number, number, number], stride: L, size: C })),
      fc
        .record({ P: fc.integer({ min: 1, max: 3 }), A: fc.integer({ min: 1, max: 5 }), Q: fc.integer({ min: 1, max: 4 }), B: length, pick: fc.tuple(fc.nat(), fc.nat()) })
        .map(({ P, A, Q, B, pick }) => {
          const strides = divisors(Q * B);
          const stride = strides[pick[0] % strides.length] as number;
          const sizes = divisors((Q * B) / stride);
          return { view: [P, A, Q, B] as [number, number, number, number], stride, size: sizes[pick[1] % sizes.length] as number };
        }),
    );
    await fc.assert(
      fc.asyncProperty(runCase, fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), fc.boolean(), async ({ view: shape, stride, size }, seed, withGamma, withBeta) => {
        const view = viewOf(shape);
        const [P, , Q] = shape;
        const stats = [P, 1, Q, 1];
        const x = tf.tensor4d(makeView({ view: shape, stride, size, ddof: 0, seed, constantGroups: true }).values, shape);
        const dy = randomTensor(shape, seed + 1, -1, 1);
        const [mean, scale, shift, a, b, outScale] = [2, 3, 4, 5, 6, 7].map((k) => randomTensor(stats, seed + k, -2, 2)) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const gamma = withGamma ? randomTensor([size], seed + 8, -2, 2) : undefined;
        const beta = withBeta ? randomTensor([size], seed + 9, -2, 2) : undefined;
        const features = { stride, size };
        const bits = async (engine: 'required' | 'off') => {
          const previous = setHostOptions({ webAssembly: engine });
          try {
            return await readBits([
              ...momentsList(x, 0),
              scaleShift(x, { view, mean, scale, shift, gamma, beta, features }),
              ...sumsList(gradientSums(x, dy, { view, mean, scale, gamma, features, affineGradients: withGamma || withBeta })),
              inputGradient(x, dy, { view, mean, centering: a, projection: b, outScale, scale, gamma, features }),
            ]);
          } finally {
            setHostOptions(previous);
          }
        };
        expect(await bits('required')).toEqual(await bits('off'));
        tf.dispose([x, dy, mean, scale, shift, a, b, outScale, ...(gamma === undefined ? [] : [gamma]), ...(beta === undefined ? [] : [beta])]);
      }),
      runs(60),
    );
  }, 120_000);

  // standardize is one kernel on cpu (x staged once per plane, or, past the whole-plane
  // limit, the two sweeps chunk by chunk) and the three steps elsewhere, where the
  // property holds by construction. Its values must be the steps' bit for bit, with the
  // compiled sweeps (required where they apply) and with the TypeScript ones.
  it('standardize gives moments, rsqrt(variance + ε) and scaleShift\'s values bit for bit', async () => {
    const normalizeCase = fc.record({
      c: fc.oneof(
        kernelCase,
        fc.constantFrom<[number, number, number, number]>([2, 2051, 32, 2], [1, 9, 5000, 16]).map((view) => ({ view, stride: 1, size: 1, ddof: 0, seed: 5, constantGroups: true })),
      ),
      epsilon: fc.constantFrom(1e-5, 1e-3, 0.3),
      withGamma: fc.boolean(),
      withBeta: fc.boolean(),
      wholePlane: fc.boolean(),
      engine: fc.constantFrom<'required' | 'off'>('required', 'off'),
    });
    await fc.assert(
      fc.asyncProperty(normalizeCase, async ({ c, epsilon, withGamma, withBeta, wholePlane, engine }) => {
        const x = tf.tensor4d(makeView(c).values, c.view);
        const gamma = withGamma ? randomTensor([c.size], c.seed + 8, -2, 2) : undefined;
        const beta = withBeta ? randomTensor([c.size], c.seed + 9, -2, 2) : undefined;
        const view = viewOf(c.view);
        const affine = { gamma, beta, features: { stride: c.stride, size: c.size } };
        const steps = await readBits(
          tf.tidy(() => {
            const { mean, variance } = moments(x, { view, ddof: 0 });
            const inverseStd = tf.rsqrt(tf.add(variance, epsilon));
            return [scaleShift(x, { view, mean, scale: inverseStd, ...affine }), mean, variance, inverseStd];
          }),
        );
        const previous = setHostOptions({ webAssembly: engine, ...(wholePlane ? {} : { wholePlaneElements: 0 }) });
        try {
          const { y, mean, variance, inverseStd } = standardize(x, { view, epsilon, ...affine });
          expect(firstDifferences(steps, await readBits([y, mean, variance, inverseStd]))).toEqual([-1, -1, -1, -1]);
        } finally {
          setHostOptions(previous);
        }
        tf.dispose([x, ...(gamma === undefined ? [] : [gamma]), ...(beta === undefined ? [] : [beta])]);
      }),
      runs(40),
    );
  });

  // recenter likewise (perturbMeanStd's forward): one kernel on cpu, the steps elsewhere.
  it('recenter gives the mean and scaleShift\'s values with shift mean·meanScale bit for bit', async () => {
    const recenterCase = fc.record({
      c: fc.oneof(
        kernelCase,
        fc.constantFrom<[number, number, number, number]>([1, 2051, 32, 1], [1, 9, 5000, 16]).map((view) => ({ view, stride: 1, size: 1, ddof: 0, seed: 6, constantGroups: true })),
      ),
      wholePlane: fc.boolean(),
      engine: fc.constantFrom<'required' | 'off'>('required', 'off'),
    });
    await fc.assert(
      fc.asyncProperty(recenterCase, async ({ c, wholePlane, engine }) => {
        const x = tf.tensor4d(makeView(c).values, c.view);
        const [outer, , kept] = c.view;
        const scale = randomTensor([outer, 1, kept, 1], c.seed + 8, -2, 2);
        const meanScale = randomTensor([1, 1, kept, 1], c.seed + 9, 0.5, 1.5);
        const view = viewOf(c.view);
        const steps = await readBits(
          tf.tidy(() => {
            const { mean } = moments(x, { view, ddof: 0 });
            return [scaleShift(x, { view, mean, scale, shift: tf.mul(mean, meanScale) }), mean];
          }),
        );
        const previous = setHostOptions({ webAssembly: engine, ...(wholePlane ? {} : { wholePlaneElements: 0 }) });
        try {
          const { y, mean } = recenter(x, { view, scale, meanScale });
          expect(firstDifferences(steps, await readBits([y, mean]))).toEqual([-1, -1]);
        } finally {
          setHostOptions(previous);
        }
        tf.dispose([x, scale, meanScale]);
      }),
      runs(30),
    );
  });

  it('reads x and dy in their own shape through the view attr and returns y and dx in that shape', async () => {
    const view: [number, number, number, number] = [3, 10, 4, 3];
    const shape = [6, 5, 12];
    const { values } = makeView({ view, stride: 1, size: 12, ddof: 1, seed: 7, constantGroups: true });
    const x4 = tf.tensor4d(values, view);
    const dy4 = randomTensor(view, 8, -1, 1) as tf.Tensor4D;
    // Made by an op, so that on webgl the inputs may be packed textures in their own shape.
    const x = tf.mul(tf.reshape(x4, shape), 1);
    const dy = tf.mul(tf.reshape(dy4, shape), 1);
    const gamma = randomTensor([12], 9, -2, 2);
    const run = (xs: tf.Tensor, dys: tf.Tensor) => {
      const { mean, variance } = moments(xs, { view: viewOf(view), ddof: 1 });
      const factors = { view: viewOf(view), mean, scale: variance, gamma, features: { stride: 1, size: 12 } };
      const y = scaleShift(xs, factors);
      const sums = gradientSums(xs, dys, { ...factors, affineGradients: true });
      const dx = inputGradient(xs, dys, { ...factors, centering: sums.sumG, projection: sums.sumGNormalized, outScale: mean });
      return [mean, variance, y, ...sumsList(sums), dx];
    };
    const fromView = run(x4, dy4);
    const fromShape = run(x, dy);
    expect(fromShape[2]?.shape).toEqual(shape);
    expect(fromShape[7]?.shape).toEqual(shape);
    for (const [k, t] of fromShape.entries()) {
      expect(Array.from(await t.data())).toEqual(Array.from(await (fromView[k] as tf.Tensor).data()));
    }
    tf.dispose([...fromView, ...fromShape]);
    await expectNoLeak(() => tf.dispose(run(x, dy)));
    tf.dispose([x4, dy4, x, dy, gamma]);
  });

  it('overwriteX: on wasm the output takes over a buffer no other tensor holds, and never a shared one', async () => {
    const view = [2, 3, 4, 5];
    const base = randomTensor(view, 21, -3, 3);
    const dy = randomTensor(view, 22, -1, 1);
    const [mean, a, b, outScale] = [23, 24, 25, 26].map((seed) => randomTensor([2, 1, 4, 1], seed, 0.5, 2)) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const kernels = {
      inputGradient: (x: tf.Tensor, overwriteX?: boolean) => inputGradient(x, dy, { view: viewOf(view), mean, centering: a, projection: b, outScale, overwriteX }),
      scaleShift: (x: tf.Tensor, overwriteX?: boolean) => scaleShift(x, { view: viewOf(view), mean, scale: a, shift: b, overwriteX }),
    };
    for (const [name, kernel] of Object.entries(kernels)) {
      const expected = kernel(base);
      // A private buffer (made by an op, held by one tensor): taken over on wasm only.
      const own = tf.mul(base, 1);
      const ownBuffer = own.dataId;
      const out = kernel(own, true);
      expect(out.dataId === ownBuffer, name).toBe(backend === 'wasm');
      expect(Array.from(await out.data()), name).toEqual(Array.from(await expected.data()));
      // A buffer two tensors share (a reshape): never written, on any backend.
      const shared = tf.mul(base, 1);
      const alias = tf.reshape(shared, [6, 20]);
      const before = Array.from(await shared.data());
      const outShared = kernel(shared, true);
      expect(outShared.dataId === shared.dataId, name).toBe(false);
      expect(Array.from(await alias.data()), name).toEqual(before);
      expect(Array.from(await outShared.data()), name).toEqual(Array.from(await expected.data()));
      tf.dispose([expected, own, out, shared, alias, outShared]);
    }
    // Taking a buffer over leaves one buffer for the two tensors, freed with the last.
    await expectNoLeak(() => {
      const own = tf.mul(base, 1);
      tf.dispose([kernels.inputGradient(own, true), own]);
    });
    tf.dispose([base, dy, mean, a, b, outScale]);
  });

  it('leaks no tensor', async () => {
    const { values } = makeView({ view: [2, 3, 4, 20], stride: 20, size: 4, ddof: 0, seed: 1, constantGroups: true });
    const x = tf.tensor4d(values, [2, 3, 4, 20]);
    const gamma = tf.ones([4]);
    const view = viewOf([2, 3, 4, 20]);
    const features = { stride: 20, size: 4 };
    await expectNoLeak(() => {
      const { mean, variance } = moments(x, { view, ddof: 0 });
      const y = scaleShift(x, { view, mean, scale: variance, gamma, features });
      const sums = gradientSums(x, y, { view, mean, gamma, features, affineGradients: true });
      const dx = inputGradient(x, y, { view, mean, centering: sums.sumG, projection: sums.sumGNormalized, outScale: mean, gamma, features });
      const standardized = standardize(x, { view, epsilon: 1e-5, gamma, features });
      const recentered = recenter(x, { view, scale: variance, meanScale: mean });
      tf.dispose([mean, variance, y, ...sumsList(sums), dx, standardized.y, standardized.mean, standardized.variance, standardized.inverseStd, recentered.y, recentered.mean]);
    });
    tf.dispose([x, gamma]);
  });
});

// The float32 outputs above rarely show a float64 sum added in another order (one last
// bit must cross a float32 rounding boundary), so the run loops' float64 sums are
// compared themselves: the compiled loops (staged, as on cpu) against the TypeScript
// ones, on random values, where any other order changes the last bits.
describe('compiled run loops, float64 sums', () => {
  const bitsOf = (values: Float64Array) => Array.from(new Uint32Array(Float64Array.from(values).buffer));
  const context = { options: { ...DEFAULT_HOST_OPTIONS, webAssembly: 'required' as const } };
  const length = fc.oneof(fc.constantFrom(17, 18, 19, 20, 21, 33), fc.integer({ min: 17, max: 80 }), fc.constantFrom(1027));
  const sumCase = fc.oneof(
    // Layer norm (γ along the run), NCHW with γ per channel over a few rows, no γ at all.
    fc.record({ P: fc.integer({ min: 1, max: 9 }), B: length }).map(({ P, B }) => ({ view: [P, 1, 1, B], stride: 1, size: B, present: true })),
    fc.record({ N: fc.integer({ min: 1, max: 3 }), A: fc.integer({ min: 1, max: 5 }), C: fc.integer({ min: 1, max: 6 }), L: length }).map(({ N, A, C, L }) => ({ view: [N, A, C, L], stride: L, size: C, present: true })),
    fc.record({ N: fc.integer({ min: 1, max: 3 }), C: fc.integer({ min: 1, max: 4 }), L: length }).map(({ N, C, L }) => ({ view: [N, 1, C, L], stride: 1, size: 1, present: false })),
  );

  it('moments and gradient sums: the compiled loops\' float64 sums are the TypeScript loops\' bit for bit', () => {
    fc.assert(
      fc.property(sumCase, fc.integer({ min: 0, max: 2 ** 31 - 1 }), ({ view: shape, stride, size, present }, seed) => {
        const view = viewOf(shape);
        const uniform = uniformFrom(seed);
        const elements = shape.reduce((a, b) => a * b, 1);
        const x = Float32Array.from({ length: elements }, () => (uniform() - 0.3) * 10);
        const dy = Float32Array.from({ length: elements }, () => uniform() - 0.5);
        const statistics = view.outer * view.kept;
        const mean = Float64Array.from({ length: statistics }, () => uniform() * 2);
        const scale = Float64Array.from({ length: statistics }, () => 0.5 + uniform());
        const gamma = Float64Array.from({ length: size }, () => uniform() * 4 - 2);
        const features = { stride, size, present, gamma, beta: new Float64Array(size) };

        const typescript = momentsRunSums(x, view, undefined);
        const compiled = momentsRunSums(x, view, compiledRuns(context, { inputs: [x], outputs: [], doubles: [statistics, statistics, statistics] }));
        expect(bitsOf(compiled.sum)).toEqual(bitsOf(typescript.sum));
        expect(bitsOf(compiled.sumSquares)).toEqual(bitsOf(typescript.sumSquares));

        const terms = { mean, scale, features };
        const doubles = [size, size, size, statistics, statistics, statistics, statistics, 2];
        const sumsTs = gradientRunSums({ x, dy, view }, terms, undefined);
        const sumsWasm = gradientRunSums({ x, dy, view }, terms, compiledRuns(context, { inputs: [x, dy], outputs: [], doubles }));
        for (const key of ['sumG', 'sumGNormalized', 'dGamma', 'dBeta'] as const) expect(bitsOf(sumsWasm[key])).toEqual(bitsOf(sumsTs[key]));
      }),
      runs(100),
    );
  });
});
