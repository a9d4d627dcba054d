/**
 * `FeatstatsArgsortRows` on webgpu (contract in `../contract.ts`): a bitonic sorting
 * network over each row's indices, padded to a power of two P, one compute pass per
 * (stage, step) — log₂P·(log₂P + 1)/2 passes — each invocation writing its own slot, so
 * the passes need no in-place exchange or synchronisation beyond the pass boundary.
 *
 * A sorting network is not stable by itself, so the order it sorts by is the strict total
 * order of (value, index) pairs: value first (descending or ascending), then the lower
 * index first, and the padding (index ≥ n) after every real element. Ties therefore keep
 * index order in both directions, as `tf.topk` (the composite) and every other backend
 * give, and −0 and +0 compare equal. Values are compared in their own dtype, so int32 rows
 * order exactly over their whole range.
 *
 * Why this and not the composite there: tfjs-backend-webgpu 4.22's TopK is a bitonic
 * top-k that neither keeps ties in index order nor compares int32 exactly (the sort suites
 * failed on both).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, run, Uniforms, webgpuBackend, type WebgpuBackend } from '../../webgpu/program';

const WORKGROUP = 64;

export const argsortRowsWebgpu: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webgpuBackend(rawBackend);
  const x = requiredInput(inputs, 'x');
  const [rows = 1, n = 1] = x.shape;
  const descending = attrs?.['descending'] === true;
  let padded = 1;
  while (padded < n) padded *= 2;
  let order = identity(backend, rows, padded);
  for (let stage = 2; stage <= padded; stage *= 2) {
    for (let step = stage / 2; step >= 1; step /= 2) {
      const next = compareExchange(backend, x, order, { rows, n, padded, stage, step, descending });
      backend.disposeData(order.dataId);
      order = next;
    }
  }
  const sorted = firstColumns(backend, order, rows, n, padded);
  backend.disposeData(order.dataId);
  return sorted;
};

/** Each row's indices 0 … P − 1. */
function identity(backend: WebgpuBackend, rows: number, padded: number): tf.TensorInfo {
  return run(backend, {
    inputs: [],
    invocations: rows * padded,
    outputSize: rows * padded,
    workgroupSize: WORKGROUP,
    key: 'argsortIdentity',
    uniforms: new Uniforms().int('padded', padded).int('size', rows * padded),
    code: 'fn main(i : i32) { if (i < uniforms.size) { result[i] = i % uniforms.padded; } }',
  }, [], 'int32');
}

interface Step {
  readonly rows: number;
  readonly n: number;
  readonly padded: number;
  readonly stage: number;
  readonly step: number;
  readonly descending: boolean;
}

/**
 * One step of the network: slot i and its partner i ^ step are put in order — the
 * ascending (by ≺) order where i's bit `stage` is 0, the reverse where it is 1 (the last
 * stage, stage = P, is ascending everywhere).
 */
function compareExchange(backend: WebgpuBackend, x: tf.TensorInfo, order: tf.TensorInfo, step: Step): tf.TensorInfo {
  const { rows, n, padded } = step;
  // The direction is baked in (one pipeline per direction), the sizes are uniforms.
  const valueFirst = step.descending ? 'va > vb' : 'va < vb';
  return run(backend, {
    inputs: ['x', 'order'],
    invocations: rows * padded,
    outputSize: rows * padded,
    workgroupSize: WORKGROUP,
    key: `argsortStep_${step.descending ? 'desc' : 'asc'}`,
    uniforms: new Uniforms().int('n', n).int('padded', padded).int('stage', step.stage).int('step', step.step).int('size', rows * padded),
    code: `
      // a ≺ b: a goes first. Padding (index ≥ n) goes after every element, in index order.
      fn fsBefore(row : i32, a : i32, b : i32) -> bool {
        if (a >= uniforms.n || b >= uniforms.n) {
          return b >= uniforms.n && (a < uniforms.n || a < b);
        }
        let va = x[row * uniforms.n + a];
        let vb = x[row * uniforms.n + b];
        return ${valueFirst} || (va == vb && a < b);
      }
      fn main(i : i32) {
        if (i >= uniforms.size) {
          return;
        }
        let row = i / uniforms.padded;
        let slot = i % uniforms.padded;
        let partner = slot ^ uniforms.step;
        let lower = min(slot, partner);
        let upper = max(slot, partner);
        let base = row * uniforms.padded;
        let first = order[base + lower];
        let second = order[base + upper];
        let ascending = (lower & uniforms.stage) == 0;
        // In order when the lower slot's index goes first (ascending) or last (descending).
        let swap = select(fsBefore(row, first, second), !fsBefore(row, first, second), ascending);
        let mine = select(order[i], order[base + partner], swap);
        result[i] = mine;
      }
    `,
  }, [x, order], 'int32');
}

/** The first n of each row's P sorted indices: `[rows, n]`. */
function firstColumns(backend: WebgpuBackend, order: tf.TensorInfo, rows: number, n: number, padded: number): tf.TensorInfo {
  return run(backend, {
    inputs: ['order'],
    invocations: rows * n,
    outputSize: rows * n,
    workgroupSize: WORKGROUP,
    key: 'argsortFirstColumns',
    uniforms: new Uniforms().int('n', n).int('padded', padded).int('size', rows * n),
    code: 'fn main(i : i32) { if (i < uniforms.size) { result[i] = order[(i / uniforms.n) * uniforms.padded + i % uniforms.n]; } }',
  }, [order], 'int32', [rows, n]);
}
