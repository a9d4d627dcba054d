/**
 * The stress property: sequences of mixed ops, forward only or forward + backward, some
 * inside a tidy, some fed the output of an earlier step, with bad calls in between and
 * tensors disposed at random after every step. Once everything the sequence made is
 * disposed, tfjs's tensor, buffer and byte counts (and webgl's texture bytes in use) must
 * be back where they started.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';

import * as f from '../../src';
import { makeValues } from '../helpers/arbitraries';
import { memoryFootprint, type Tally } from './runner';

/** An op of the mix: its inputs from a seed (the first may come from an earlier step) and its call. */
interface MixedOp {
  readonly name: string;
  readonly inputs: (seed: number, x: tf.Tensor) => tf.Tensor[];
  readonly run: (...inputs: tf.Tensor[]) => tf.Tensor;
  /** How many leading inputs are differentiated (default all). */
  readonly differentiable?: number;
  /** A call of the op with a bad option; must throw a featstats error. */
  readonly bad: (x: tf.Tensor) => unknown;
}

const values = (shape: number[], seed: number) => tf.tensor(makeValues(shape, 'NHWC', 'spread', 1, seed), shape);
const channelsOf = (x: tf.Tensor) => x.shape[x.rank - 1] as number;

/** Ops on features `[N, ...S, C]` (NHWC): every step's x is such a tensor. */
const OPS: readonly MixedOp[] = [
  { name: 'adain', inputs: (s, x) => [x, values(x.shape, s)], run: (c, st) => f.adain(c as tf.Tensor, st as tf.Tensor), bad: (x) => f.adain(x, x, { alpha: 2 }) },
  { name: 'efdm', inputs: (s, x) => [x, values(x.shape, s)], run: (c, st) => f.efdm(c as tf.Tensor, st as tf.Tensor), bad: (x) => f.efdm(x, [[1], [2, 3]] as never) },
  { name: 'meanStd', inputs: (_, x) => [x], run: (x) => tf.tidy(() => f.meanStd(x as tf.Tensor).std), bad: (x) => f.meanStd(x, { epsilon: -1 }) },
  {
    name: 'instanceNorm',
    inputs: (s, x) => [x, values([channelsOf(x)], s), values([channelsOf(x)], s + 1)],
    run: (x, gamma, beta) => f.instanceNorm(x as tf.Tensor, { gamma: gamma as tf.Tensor, beta: beta as tf.Tensor }),
    bad: (x) => f.instanceNorm(x, { gamma: null as never }),
  },
  { name: 'groupNorm', inputs: (_, x) => [x], run: (x) => f.groupNorm(x as tf.Tensor, { groups: 1 }), bad: (x) => f.groupNorm(x, { groups: 0 }) },
  { name: 'layerNorm', inputs: (_, x) => [x], run: (x) => f.layerNorm(x as tf.Tensor, { axes: [1, -1] }), bad: (x) => f.layerNorm(x, { axes: [9] }) },
  { name: 'batchNorm', inputs: (_, x) => [x], run: (x) => f.batchNorm(x as tf.Tensor), bad: (x) => f.batchNorm(x, { momentum: Number.NaN }) },
  { name: 'sort', inputs: (_, x) => [x], run: (x) => f.sort(x as tf.Tensor, { descending: true }), bad: () => f.sort([[1, 2], [3]] as never) },
  { name: 'efdmix', inputs: (_, x) => [x], run: (x) => f.efdmix(x as tf.Tensor, { p: 1, seed: 5 }), bad: (x) => f.efdmix(x, { seed: 0.5 }) },
  {
    name: 'perturbMeanStd',
    inputs: (s, x) => [x, values([channelsOf(x)], s), values([channelsOf(x)], s + 1)],
    run: (x, m, sd) => f.perturbMeanStd(x as tf.Tensor, m as tf.Tensor, sd as tf.Tensor, { relu: true }),
    bad: (x) => f.perturbMeanStd(x, tf.ones([channelsOf(x) + 1]), tf.ones([channelsOf(x)])),
  },
  { name: 'gaussianBlur', inputs: (_, x) => [x], run: (x) => f.gaussianBlur(x as tf.Tensor, { kernelSize: 3, sigma: 1 }), bad: (x) => f.gaussianBlur(x, { kernelSize: 2, sigma: 1 }) },
  { name: 'randomMask', inputs: (_, x) => [x], run: (x) => f.randomMask(x as tf.Tensor, { fraction: 0.5, seed: 1 }), bad: (x) => f.randomMask(x, { fraction: 2 }) },
  {
    name: 'informationBottleneck',
    inputs: (s, x) => [x, values(x.shape.slice(1), s), tf.zeros(x.shape.slice(1)), tf.ones(x.shape.slice(1))],
    // In a tidy, which frees the output this step does not use (gradients flow through tidies).
    run: (x, alpha, mean, std) => tf.tidy(() => f.informationBottleneck(x as tf.Tensor, alpha as tf.Tensor, { mean: mean as tf.Tensor, std: std as tf.Tensor, seed: 3 }).capacity),
    differentiable: 2,
    bad: (x) => f.informationBottleneck(x, x, { mean: x, std: x }),
  },
  { name: 'cosineSimilarityMatrix', inputs: (_, x) => [x], run: (x) => f.cosineSimilarityMatrix(x as tf.Tensor), bad: () => f.cosineSimilarityMatrix([[1, 2], [3]] as never) },
  { name: 'stableRank', inputs: (_, x) => [x], run: (x) => f.stableRank(x as tf.Tensor), bad: () => f.stableRank(tf.ones([3])) },
  {
    name: 'ntXent',
    inputs: (s, x) => [tf.reshape(x, [x.shape[0] as number, -1]), values([x.shape[0] as number, x.size / (x.shape[0] as number)], s)],
    run: (a, b) => f.ntXent(a as tf.Tensor, b as tf.Tensor),
    bad: (x) => f.ntXent(x, x),
  },
];

/** One step: which op, whether it differentiates, runs in a tidy, reuses a pooled tensor, is a bad call; what to dispose after. */
export interface StressStep {
  readonly op: number;
  readonly backward: boolean;
  readonly tidy: boolean;
  readonly reuse: boolean;
  readonly bad: boolean;
  readonly seed: number;
  /** Fractions in [0, 1) picking pooled tensors to dispose after the step. */
  readonly dispose: readonly number[];
}

export const stressSequences = (): fc.Arbitrary<StressStep[]> =>
  fc.array(
    fc.record({
      op: fc.nat({ max: OPS.length - 1 }),
      backward: fc.boolean(),
      tidy: fc.boolean(),
      reuse: fc.boolean(),
      bad: fc.integer({ min: 0, max: 99 }).map((v) => v < 15),
      seed: fc.nat(),
      dispose: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { maxLength: 3 }),
    }),
    { minLength: 4, maxLength: 14 },
  );

/** Runs one sequence; a step that throws or a footprint not back at its start is a failure. */
export async function runStress(steps: readonly StressStep[], tally: Tally, shape: number[]): Promise<void> {
  const fault = (kind: 'wrongKind' | 'leaks', what: string) => {
    tally[kind] += 1;
    if (tally.failures.length < 30) tally.failures.push(`${kind}: ${what}`);
  };
  tally.cases += 1;
  const label = steps.map((s) => `${s.bad ? 'bad ' : ''}${OPS[s.op]?.name}${s.backward ? '+grad' : ''}${s.tidy ? ' (tidy)' : ''}`).join(', ');
  const before = await memoryFootprint();
  const pool: tf.Tensor[] = [];
  try {
    for (const step of steps) {
      const op = OPS[step.op] as MixedOp;
      const reusable = [...pool].reverse().find((t) => !t.isDisposed && t.rank === 4 && t.dtype === 'float32' && t.shape.join() === shape.join());
      const x = step.reuse && reusable !== undefined ? reusable : values(shape, step.seed);
      if (x !== reusable) pool.push(x);
      if (step.bad) {
        try {
          // The tidy frees what the bad call's own arguments allocate.
          tf.tidy(() => {
            op.bad(x);
          });
          fault('wrongKind', `bad ${op.name} was accepted in [${label}]`);
        } catch (error) {
          if (!(error instanceof Error) || !error.message.startsWith(`featstats.${op.name}: `)) fault('wrongKind', `bad ${op.name} threw ${String(error)} in [${label}]`);
        }
        continue;
      }
      const inputs = op.inputs(step.seed, x);
      pool.push(...inputs.filter((t) => t !== x));
      const compute = () => {
        if (!step.backward) return [op.run(...inputs)];
        const count = op.differentiable ?? inputs.length;
        const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => op.run(...xs, ...inputs.slice(count)))(inputs.slice(0, count));
        return [value, ...grads];
      };
      const results = step.tidy ? tf.tidy(compute) : compute();
      pool.push(...results);
      for (const pick of step.dispose) pool[Math.floor(pick * pool.length)]?.dispose();
    }
    // Everything the sequence made, read once (so webgl really computes it) and disposed.
    for (const t of pool) if (!t.isDisposed) await t.data();
  } catch (error) {
    fault('wrongKind', `[${label}] threw ${String(error)}`);
  } finally {
    tf.dispose(pool);
  }
  const after = await memoryFootprint();
  if (before.some((v, i) => v !== after[i])) fault('leaks', `[${label}]: [tensors, buffers, bytes, texture bytes] went from [${before.join(', ')}] to [${after.join(', ')}]`);
}
