/**
 * `FeatstatsArgsortRows` on webgpu (contract in `../contract.ts`): a bitonic sorting
 * network over each row's indices, padded to a power of two P.
 *
 * The network's compare-exchange steps of distance below the block B = min(P,
 * {@link BLOCK}) only exchange slots inside one block, so one invocation per block loads
 * the block's (value, index) pairs into its own memory and runs every such step there.
 * Rows up to B long are sorted in one dispatch. Longer rows sort their blocks so, then for
 * each later stage run the steps of distance ≥ B as global passes (one per step, each
 * invocation writing its own slot, so a pass needs no synchronisation beyond its
 * boundary) and the rest in one block dispatch: for 1024 positions 15 dispatches, where
 * one pass per step takes 55. Blocks in workgroup memory with a barrier between steps
 * were slower on SwiftShader than these global passes (bench/README.md, design
 * measurements); blocks larger than B were faster there but leave a hardware GPU a
 * handful of invocations per row.
 *
 * A sorting network is not stable by itself, so the order it sorts by is the strict total
 * order of (value, index) pairs: value first (descending or ascending), then the lower
 * index first, and the padding (index ≥ n) after every real element. Ties therefore keep
 * index order in both directions, as `tf.topk` (the composite) and every other backend
 * give, and −0 and +0 compare equal. Values are compared in their own dtype, so int32 rows
 * order exactly over their whole range. The block and global steps compare with the same
 * WGSL (`beforeWgsl`), so where a block ends changes no result.
 *
 * Why this and not the composite there: tfjs-backend-webgpu 4.22's TopK is a bitonic
 * top-k that neither keeps ties in index order nor compares int32 exactly (the sort suites
 * failed on both).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, run, Uniforms, webgpuBackend, type WebgpuBackend } from '../../webgpu/program';

const WORKGROUP = 64;

/** The largest block one invocation sorts in its own memory (64 values and indices, 512 bytes). */
const BLOCK = 64;

export const argsortRowsWebgpu: tf.KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
  const backend = webgpuBackend(rawBackend);
  const x = requiredInput(inputs, 'x');
  const [rows = 1, n = 1] = x.shape;
  const descending = attrs?.['descending'] === true;
  let padded = 1;
  while (padded < n) padded *= 2;
  const block = Math.min(padded, BLOCK);
  const sizes = { rows, n, padded, block, descending };
  if (padded === block) return sortBlocks(backend, x, undefined, { ...sizes, firstStage: 2, lastStage: block, compact: true });
  let order = sortBlocks(backend, x, undefined, { ...sizes, firstStage: 2, lastStage: block, compact: false });
  const replace = (next: tf.TensorInfo) => {
    backend.disposeData(order.dataId);
    order = next;
  };
  for (let stage = 2 * block; stage <= padded; stage *= 2) {
    for (let step = stage / 2; step >= block; step /= 2) {
      replace(compareExchange(backend, x, order, { rows, n, padded, stage, step, descending }));
    }
    replace(sortBlocks(backend, x, order, { ...sizes, firstStage: stage, lastStage: stage, compact: false }));
  }
  const sorted = firstColumns(backend, order, rows, n, padded);
  backend.disposeData(order.dataId);
  return sorted;
};

/** The WGSL type the values are compared in: their own (int32 rows compare exactly). */
const valueTypeOf = (x: tf.TensorInfo): string => (x.dtype === 'int32' ? 'i32' : 'f32');

/**
 * WGSL `fsBefore(va, a, vb, b)`: whether index a (value va) goes before index b (value
 * vb). Padding (index ≥ n) goes after every element, in index order.
 */
function beforeWgsl(valueType: string, descending: boolean): string {
  return `
      fn fsBefore(va : ${valueType}, a : i32, vb : ${valueType}, b : i32) -> bool {
        if (a >= uniforms.n || b >= uniforms.n) {
          return b >= uniforms.n && (a < uniforms.n || a < b);
        }
        return ${descending ? 'va > vb' : 'va < vb'} || (va == vb && a < b);
      }
  `;
}

interface BlockPass {
  readonly rows: number;
  readonly n: number;
  readonly padded: number;
  readonly block: number;
  readonly descending: boolean;
  /** The stages (powers of two) this dispatch runs, each from step min(stage, block)/2 down to 1. */
  readonly firstStage: number;
  readonly lastStage: number;
  /** Write the first n slots of each row as the `[rows, n]` result (the whole row is one block). */
  readonly compact: boolean;
}

/**
 * One invocation per block of every row: load the block's indices (the identity when
 * `order` is undefined) and their values into the invocation's memory, run the steps of
 * `pass`'s stages there, and write the indices back.
 */
function sortBlocks(backend: WebgpuBackend, x: tf.TensorInfo, order: tf.TensorInfo | undefined, pass: BlockPass): tf.TensorInfo {
  const { rows, n, padded, block, compact } = pass;
  const valueType = valueTypeOf(x);
  const blocks = rows * (padded / block);
  const outputSize = compact ? rows * n : rows * padded;
  const loadIndex = order === undefined ? 'start + k' : 'order[base + k]';
  return run(backend, {
    inputs: order === undefined ? ['x'] : ['x', 'order'],
    invocations: blocks,
    outputSize,
    workgroupSize: WORKGROUP,
    key: `argsortBlock_${block}_${valueType}_${pass.descending ? 'desc' : 'asc'}_${order === undefined ? 'identity' : 'order'}_${compact ? 'compact' : 'padded'}`,
    uniforms: new Uniforms().int('n', n).int('padded', padded).int('blocks', blocks).int('firstStage', pass.firstStage).int('lastStage', pass.lastStage),
    code: `
      ${beforeWgsl(valueType, pass.descending)}
      fn main(group : i32) {
        if (group >= uniforms.blocks) {
          return;
        }
        var value : array<${valueType}, ${block}>;
        var slot : array<i32, ${block}>;
        let blocksPerRow = uniforms.padded / ${block};
        let row = group / blocksPerRow;
        let start = (group % blocksPerRow) * ${block};
        let base = row * uniforms.padded + start;
        for (var k = 0; k < ${block}; k = k + 1) {
          let i = ${loadIndex};
          slot[k] = i;
          value[k] = x[row * uniforms.n + min(i, uniforms.n - 1)];
        }
        for (var stage = uniforms.firstStage; stage <= uniforms.lastStage; stage = stage * 2) {
          for (var step = min(stage, ${block}) / 2; step > 0; step = step / 2) {
            for (var t = 0; t < ${Math.max(1, block / 2)}; t = t + 1) {
              // Pair t: the slot with a 0 at step's bit, and its partner with a 1 there.
              let lower = (t / step) * 2 * step + t % step;
              let upper = lower + step;
              // Ascending where the row slot's stage bit is 0, as in the global passes.
              let ascending = ((start + lower) & stage) == 0;
              if (fsBefore(value[lower], slot[lower], value[upper], slot[upper]) != ascending) {
                let v = value[lower];
                let i = slot[lower];
                value[lower] = value[upper];
                slot[lower] = slot[upper];
                value[upper] = v;
                slot[upper] = i;
              }
            }
          }
        }
        for (var k = 0; k < ${block}; k = k + 1) {
          ${compact ? 'if (k < uniforms.n) { result[row * uniforms.n + k] = slot[k]; }' : 'result[base + k] = slot[k];'}
        }
      }
    `,
  }, order === undefined ? [x] : [x, order], 'int32', compact ? [rows, n] : [outputSize]);
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
  const valueType = valueTypeOf(x);
  // The direction is baked in (one pipeline per direction), the sizes are uniforms.
  return run(backend, {
    inputs: ['x', 'order'],
    invocations: rows * padded,
    outputSize: rows * padded,
    workgroupSize: WORKGROUP,
    key: `argsortStep_${valueType}_${step.descending ? 'desc' : 'asc'}`,
    uniforms: new Uniforms().int('n', n).int('padded', padded).int('stage', step.stage).int('step', step.step).int('size', rows * padded),
    code: `
      ${beforeWgsl(valueType, step.descending)}
      fn fsValueOf(row : i32, i : i32) -> ${valueType} {
        return x[row * uniforms.n + min(i, uniforms.n - 1)];
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
        // Swapped unless the lower slot's index goes first (ascending) or last (descending).
        let swap = fsBefore(fsValueOf(row, first), first, fsValueOf(row, second), second) != ascending;
        result[i] = select(order[i], order[base + partner], swap);
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
