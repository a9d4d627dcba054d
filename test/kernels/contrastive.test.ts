/**
 * The contrastive kernels (`src/_internal/kernels/contrastive/contract.ts`) against their
 * composites: random terms of every rule (target columns with −1, every column but self,
 * same label ≠ self with singletons, IEContraAST's ids with empty denominators), both
 * forms, overlapping and disjoint row ranges, logits up to |S| ≈ 50; then whole losses of
 * several terms under each reduction, value and gradient; then the memory bound (nothing
 * `[R, C]` is allocated as a tensor) and no leaks. On a backend without a fused kernel
 * both sides run the composite. On cpu and wasm the fused kernels' block products run
 * compiled (host/compiled/matrixProduct.c, float32 sums) or as TypeScript (float64 sums):
 * the property and the large-logit case run both, `webAssembly: 'required'` making the
 * kernels throw where the compiled products could not run.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { ntXent } from '../../src';
import { contrastiveLoss, type ContrastiveTerm, type Reduction } from '../../src/_internal/contrastive';
import { contrastiveTermBackward, contrastiveTermForward, type TermKernelOptions } from '../../src/_internal/kernels/contrastive/contract';
import { uniformFrom } from '../helpers/arbitraries';
import { expectClose, expectNoLeak, maxAbs } from '../helpers/assert';
import { bothPaths, describeBackends, isGpuBackend } from '../helpers/backends';
import { runs } from '../helpers/properties';
import { withEngine } from '../helpers/hostEngines';
import { TOLERANCE } from '../helpers/tolerance';

interface TermCase {
  /** Stacked rows T and depth D. */
  readonly total: number;
  readonly depth: number;
  readonly term: TermKernelOptions;
  readonly seed: number;
}

/** Values in [−scale, scale). */
function randomValues(size: number, scale: number, seed: number): Float32Array {
  const uniform = uniformFrom(seed);
  return Float32Array.from({ length: size }, () => (2 * uniform() - 1) * scale);
}

function randomCodes(size: number, distinct: number, seed: number): Int32Array {
  const uniform = uniformFrom(seed);
  const raw = Array.from({ length: size }, () => Math.floor(uniform() * distinct));
  // Dense codes in [0, n), as contrastivePlans makes them.
  const codes = new Map<number, number>();
  return Int32Array.from(raw, (v) => codes.get(v) ?? (codes.set(v, codes.size).get(v) as number));
}

/** A term of one of the rules over `total` rows. */
const termCase: fc.Arbitrary<TermCase> = fc
  .record({
    kind: fc.constantFrom('column', 'sameLabel', 'ids'),
    rows: fc.integer({ min: 1, max: 40 }),
    extra: fc.integer({ min: 0, max: 30 }),
    depth: fc.constantFrom(1, 3, 8, 17),
    allButSelf: fc.boolean(),
    perPositive: fc.boolean(),
    distinct: fc.integer({ min: 1, max: 6 }),
    temperature: fc.constantFrom(0.05, 0.5, 1),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .map(({ kind, rows, extra, depth, allButSelf, perPositive, distinct, temperature, seed }) => {
    const form = perPositive ? 'perPositive' : 'shared';
    if (kind === 'column') {
      // Anchors rows [0, R), candidates rows [R − overlap, …): overlapping ranges put self pairs off the diagonal.
      const overlap = Math.min(rows, extra);
      const keys = { start: rows - overlap, end: rows - overlap + rows + extra };
      const columns = randomCodes(rows, keys.end - keys.start + 1, seed).map((c) => c - 1);
      const term: TermKernelOptions = {
        queries: { start: 0, end: rows },
        keys,
        positives: { rule: 'column', columns },
        denominator: { rule: allButSelf ? 'allButSelf' : 'all' },
        form,
        weight: 0.5,
        temperature,
      };
      return { total: keys.end, depth, term, seed };
    }
    const all = { start: extra, end: extra + rows };
    const labels = randomCodes(rows, distinct, seed);
    const ids = { primary: labels, secondary: randomCodes(rows, distinct, seed + 1) };
    const term: TermKernelOptions =
      kind === 'sameLabel'
        ? { queries: all, keys: all, positives: { rule: 'sameLabel', labels }, denominator: { rule: allButSelf ? 'allButSelf' : 'all' }, form, weight: 1, temperature }
        : { queries: all, keys: all, positives: { rule: 'samePrimaryOtherSecondary', ids }, denominator: { rule: 'otherInBoth', ids }, form, weight: 1, temperature };
    return { total: extra + rows, depth, term, seed };
  });

const engines = fc.constantFrom<'required' | 'off'>('required', 'off');

describeBackends('contrastive kernels', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('give the composite forward (losses and lse) and backward (dE) for every rule', async () => {
    await fc.assert(
      fc.asyncProperty(termCase, engines, async ({ total, depth, term, seed }, engine) => {
        // Rows of norm ≤ √D·2.5 keep |S| ≤ 6.25·D/τ small enough for float32 logits to carry ~1e-6 relative error.
        const scale = Math.min(2.5, Math.sqrt(5 * term.temperature));
        const e = tf.tensor2d(randomValues(total * depth, scale / Math.sqrt(depth), seed + 2), [total, depth]);
        const rows = term.queries.end - term.queries.start;
        const upstream = tf.tensor1d(randomValues(rows, 1, seed + 3));
        const { fused, composite } = await withEngine(engine, () =>
          bothPaths(() => {
            const { losses, logSumExp } = contrastiveTermForward(e, term);
            return [losses, logSumExp, contrastiveTermBackward(e, term, logSumExp, upstream)];
          }),
        );
        // Logit magnitude bound: the error scale of each lse, loss and gradient element.
        const logitScale = (scale * scale) / term.temperature + 1;
        const [fusedLosses, fusedLse, fusedGradient] = fused as [Float32Array, Float32Array, Float32Array];
        const [compositeLosses, compositeLse, compositeGradient] = composite as [Float32Array, Float32Array, Float32Array];
        expectClose(fusedLse, compositeLse, tolerance.value, logitScale);
        expectClose(fusedLosses, compositeLosses, tolerance.value, logitScale * rows);
        expectClose(fusedGradient, compositeGradient, tolerance.gradient, maxAbs(compositeGradient) * rows);
        tf.dispose([e, upstream]);
      }),
      // The GPU backends run the composite on both sides (no fused kernel there), on SwiftShader.
      runs(isGpuBackend(backend) ? 10 : 40),
    );
  });

  it('keep the logits on request (−∞ outside the denominator, as the composite), and a backward from them equals one that recomputes them', async () => {
    await fc.assert(
      fc.asyncProperty(termCase, engines, async ({ total, depth, term, seed }, engine) => {
        const scale = Math.min(2.5, Math.sqrt(5 * term.temperature));
        const e = tf.tensor2d(randomValues(total * depth, scale / Math.sqrt(depth), seed + 2), [total, depth]);
        const [rows, columns] = [term.queries.end - term.queries.start, term.keys.end - term.keys.start];
        const upstream = tf.tensor1d(randomValues(rows, 1, seed + 3));
        const { fused, composite } = await withEngine(engine, () =>
          bothPaths(() => {
            const kept = contrastiveTermForward(e, term, true);
            const recomputing = contrastiveTermForward(e, term);
            expect(kept.logits.shape).toEqual([rows * columns]);
            expect(recomputing.logits.shape).toEqual([0]);
            const fromKept = contrastiveTermBackward(e, term, kept.logSumExp, upstream, kept.logits);
            const recomputed = contrastiveTermBackward(e, term, recomputing.logSumExp, upstream);
            tf.dispose([recomputing.losses, recomputing.logits, kept.losses]);
            return [kept.logits, kept.logSumExp, recomputing.logSumExp, fromKept, recomputed];
          }),
        );
        const [logits, keptLse, lse, fromKept, recomputed] = fused as Float32Array[];
        // The same blocks either way: bit for bit on one path.
        expect(keptLse).toEqual(lse);
        expect(fromKept).toEqual(recomputed);
        const [compositeLogits] = composite as Float32Array[];
        const logitScale = (scale * scale) / term.temperature + 1;
        // −∞ exactly where the composite has it; the finite logits close.
        const infinite = (values: Float32Array) => Array.from(values, (v) => v === -Infinity);
        expect(infinite(logits as Float32Array)).toEqual(infinite(compositeLogits as Float32Array));
        const finite = (values: Float32Array) => Array.from(values, (v) => (v === -Infinity ? 0 : v));
        expectClose(finite(logits as Float32Array), finite(compositeLogits as Float32Array), tolerance.value, logitScale);
        tf.dispose([e, upstream]);
      }),
      runs(isGpuBackend(backend) ? 5 : 30),
    );
  });

  it('gives a row with an empty denominator lse = −1e30 and finite losses and gradients', async () => {
    // Ids where row 0 differs from nobody in both (every row shares its primary or secondary).
    const ids = { primary: Int32Array.from([0, 0, 1, 1]), secondary: Int32Array.from([0, 1, 0, 0]) };
    const term: TermKernelOptions = {
      queries: { start: 0, end: 4 },
      keys: { start: 0, end: 4 },
      positives: { rule: 'samePrimaryOtherSecondary', ids },
      denominator: { rule: 'otherInBoth', ids },
      form: 'perPositive',
      weight: 1,
      temperature: 0.1,
    };
    const e = tf.tensor2d(randomValues(12, 1, 7), [4, 3]);
    const upstream = tf.ones([4]) as tf.Tensor1D;
    const { fused, composite } = await bothPaths(() => {
      const { losses, logSumExp } = contrastiveTermForward(e, term);
      return [losses, logSumExp, contrastiveTermBackward(e, term, logSumExp, upstream)];
    });
    for (const values of [...fused, ...composite]) expect(Array.from(values).every(Number.isFinite)).toBe(true);
    // On cpu and wasm −1e30, the MASKED stand-in for −∞. The GPU backends run the
    // composite on both sides, and webgl's masked maximum comes out near −1e20 rather than
    // −1e30 on SwiftShader: either is far below every logit, which is all the loss needs.
    if (isGpuBackend(backend)) expect(fused[1]?.[0]).toBeLessThan(-1e19);
    else expect(fused[1]?.[0]).toBeCloseTo(-1e30, -24);
    expect(fused[0]?.[0]).toBe(0); // softplus(−1e30 − S) of its one positive
    expectClose(fused[2] as Float32Array, composite[2] as Float32Array, tolerance.gradient, maxAbs(composite[2] as Float32Array));
    tf.dispose([e, upstream]);
  });

  it('gives finite losses and gradients at logits of 1e10 (unnormalised rows at 1e4)', async () => {
    // The saved lse is float32: a float64 logit above it would make e^{S − lse} overflow.
    const e = tf.tensor2d(Float32Array.from(randomValues(64, 1, 5), (v) => 1e4 + v), [32, 2]);
    const term: TermKernelOptions = {
      queries: { start: 0, end: 16 },
      keys: { start: 0, end: 32 },
      positives: { rule: 'column', columns: Int32Array.from({ length: 16 }, (_, i) => i + 16) },
      denominator: { rule: 'allButSelf' },
      form: 'shared',
      weight: 1,
      temperature: 0.01,
    };
    const upstream = tf.ones([16]) as tf.Tensor1D;
    for (const engine of ['required', 'off'] as const) {
      const { fused } = await withEngine(engine, () =>
        bothPaths(() => {
          const { losses, logSumExp } = contrastiveTermForward(e, term);
          return [losses, logSumExp, contrastiveTermBackward(e, term, logSumExp, upstream)];
        }),
      );
      for (const values of fused) expect(Array.from(values).every(Number.isFinite)).toBe(true);
    }
    tf.dispose([e, upstream]);
  });

  it('give a loss of several terms the composite value and gradient under each reduction', async () => {
    const [n, m, depth] = [6, 3, 5];
    const stacked = 2 * n + m;
    const diagonal = Int32Array.from({ length: n }, (_, i) => (i === 2 ? -1 : i));
    const terms: ContrastiveTerm[] = [
      { queries: { start: 0, end: n }, keys: { start: n, end: stacked }, positives: { rule: 'column', columns: diagonal }, denominator: { rule: 'all' }, form: 'shared', weight: 0.5 },
      { queries: { start: n, end: 2 * n }, keys: { start: 0, end: n }, positives: { rule: 'column', columns: diagonal }, denominator: { rule: 'all' }, form: 'shared', weight: 0.5 },
      { queries: { start: 0, end: n }, keys: { start: 0, end: stacked }, positives: { rule: 'column', columns: diagonal.map((c) => (c < 0 ? -1 : c + n)) }, denominator: { rule: 'allButSelf' }, form: 'perPositive', weight: 0.25 },
    ];
    const inputs = [tf.tensor2d(randomValues(n * depth, 2, 11), [n, depth]), tf.tensor2d(randomValues(n * depth, 2, 12), [n, depth]), tf.tensor2d(randomValues(m * depth, 2, 13), [m, depth])];
    for (const reduction of ['none', 'mean', 'sum'] as Reduction[]) {
      for (const normalize of [true, false]) {
        const spec = { terms, temperature: 0.2, normalize, reduction, counted: n - 1 };
        const { fused, composite } = await bothPaths(() => {
          const value = contrastiveLoss(inputs, spec);
          // Upstream 1, 2, 3, … per anchor for 'none' (tfjs-core alone has no gradient for sum or mul).
          const upstream = reduction === 'none' ? tf.range(1, n + 1) : tf.scalar(1.5);
          const gradients = tf.grads((...x: tf.Tensor[]) => contrastiveLoss(x as tf.Tensor2D[], spec))(inputs, upstream);
          upstream.dispose();
          return [value, ...gradients];
        });
        const scale = (normalize ? 1 : 4 * depth) / 0.2 + 1;
        fused.forEach((values, i) => expectClose(values, composite[i] as Float32Array, i === 0 ? tolerance.value : tolerance.gradient, i === 0 ? scale * n : maxAbs(composite[i] as Float32Array) * n));
      }
    }
    tf.dispose(inputs);
  });

  it('leak nothing, forward and backward', async () => {
    const [a, b] = [tf.tensor2d(randomValues(40, 1, 1), [8, 5]), tf.tensor2d(randomValues(40, 1, 2), [8, 5])];
    await expectNoLeak(() => tf.dispose(tf.grads((x: tf.Tensor, y: tf.Tensor) => ntXent(x, y))([a, b])));
    tf.dispose([a, b]);
  });

  // The dense composite would hold several [2N, 2N] tensors (64 MiB each at 2N = 4 096): on the
  // host backends the fused kernels hold O(N·D) tensors only. (2N = 16 384 at D = 128 takes
  // minutes in plain TypeScript, too long for a test.)
  if (!isGpuBackend(backend)) {
    it('keep ntXent forward and backward at 2N = 4 096 within O(N·D) tensor memory', async () => {
      const [n, depth] = [2048, 16];
      const [a, b] = [tf.tensor2d(randomValues(n * depth, 1, 3), [n, depth]), tf.tensor2d(randomValues(n * depth, 1, 4), [n, depth])];
      const before = tf.memory().numTensors;
      const profile = await tf.profile(async () => {
        const { value, grads } = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) => ntXent(x, y))([a, b]);
        expect(Number.isFinite((await value.data())[0])).toBe(true);
        tf.dispose([value, ...grads]);
      });
      // The inputs are 2·N·D·4 = 256 KiB; one [2N, 2N] float32 tensor would be 64 MiB.
      expect(profile.peakBytes).toBeLessThan(32 * 2 * n * depth * 4);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([a, b]);
    }, 60_000);
  }
});
