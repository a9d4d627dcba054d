/**
 * The contrastive host kernels' block products, the only O(R·C·D) work: the block of
 * logits S_blk = Q_blk·K_blkᵀ/τ and, in the backward, dQ_blk += dS·K_blk and
 * dK_blk += dSᵀ·Q_blk into the gradient accumulator `[T, D]`. Two implementations:
 *
 * - compiled (`../../host/compiled/matrixProduct.c`, WebAssembly SIMD, float32 sums as
 *   tfjs's and PyTorch's matMul keep them): on the wasm backend on E where it lies, the
 *   accumulator being dE's output itself; elsewhere (cpu) on E copied once into a staging
 *   memory of its own, the accumulator there too, copied out at the end;
 * - TypeScript (where WebAssembly SIMD is unavailable, or `webAssembly: 'off'`): sums of
 *   float32 products in float64, the accumulator float64.
 *
 * Both round each logit to float32 (see `./common.ts`), and a call computes every block
 * the same way in the forward and the backward, so the backward's logits are the ones
 * whose log-sum-exp the forward saved.
 */
import type { HostContext } from '../../host/adapter';
import { matrixProduct, type MatrixProduct } from '../../host/compiled/matrixProductModule';
import { memoryOfAtLeast } from '../../host/compiled/memoryModule';
import { compiledBuildMissing } from '../../host/options';
import { BLOCK_COLUMNS, BLOCK_ROWS, blockLogits, type HostTerm } from './common';

/** Bytes of the block (logits, then dS) the compiled products use: the kernels' `heapScratch`. */
export const BLOCK_BYTES = BLOCK_ROWS * BLOCK_COLUMNS * 4;

/** A call's block products (anchors [r0, r0 + rows) against candidates [c0, c0 + columns)). */
export interface BlockProducts {
  /** The block of logits into `out` (row-major, stride `columns`), each rounded to float32. */
  logits(r0: number, rows: number, c0: number, columns: number, out: Float64Array): void;
  /** dQ_blk += dS·K_blk and dK_blk += dSᵀ·Q_blk into {@link gradient}, dS in `block` as `logits` laid it out. */
  addGradient(r0: number, rows: number, c0: number, columns: number, block: Float64Array): void;
  /** The gradient accumulator `[T, D]`, zero at first (the compiled products' lives in a WebAssembly memory). */
  readonly gradient: Float32Array | Float64Array;
}

/**
 * The block products of a call: compiled where they can run (`webAssembly: 'required'`
 * throws where they cannot), else the TypeScript ones. `gradientOut` is dE's output
 * (backward) or undefined (forward); the caller hands it to {@link finishGradient}.
 */
export function blockProducts(term: HostTerm, context: HostContext, gradientOut?: Float32Array): BlockProducts {
  if (context.options.webAssembly !== 'off') {
    const compiled = inPlace(term, context, gradientOut) ?? staged(term, gradientOut !== undefined);
    if (compiled !== undefined) return compiled;
    if (context.options.webAssembly === 'required') throw compiledBuildMissing('a contrastive kernel');
  }
  return typescriptProducts(term, gradientOut !== undefined);
}

/** Writes the accumulated gradient into dE's output (nothing to do where it is that output). */
export function finishGradient(products: BlockProducts, gradientOut: Float32Array): void {
  if (products.gradient !== gradientOut) gradientOut.set(products.gradient);
}

/** Byte addresses, in one WebAssembly memory, of what the compiled products read and write. */
interface Addresses {
  readonly embeddings: number;
  readonly gradient: number;
  readonly block: number;
}

function compiledProducts(term: HostTerm, product: MatrixProduct, buffer: ArrayBuffer, at: Addresses, gradient: Float32Array): BlockProducts {
  const { depth, queryStart, keyStart, inverseTemperature } = term;
  const block = new Float32Array(buffer, at.block, BLOCK_ROWS * BLOCK_COLUMNS);
  const row = (base: number, r: number) => base + r * depth * 4;
  return {
    gradient,
    logits: (r0, rows, c0, columns, out) => {
      product.productTransposed(row(at.embeddings, queryStart + r0), depth, row(at.embeddings, keyStart + c0), depth, at.block, columns, rows, columns, depth);
      for (let k = 0; k < rows * columns; k++) out[k] = Math.fround((block[k] as number) * inverseTemperature);
    },
    addGradient: (r0, rows, c0, columns, dS) => {
      block.set(dS.subarray(0, rows * columns));
      const queries = queryStart + r0;
      const keys = keyStart + c0;
      product.addProduct(at.block, columns, 1, row(at.embeddings, keys), depth, row(at.gradient, queries), depth, rows, columns, depth);
      product.addProduct(at.block, 1, columns, row(at.embeddings, queries), depth, row(at.gradient, keys), depth, columns, rows, depth);
    },
  };
}

/** On the wasm backend: E in tfjs's memory, the accumulator dE's output there, the block in the call's scratch. */
function inPlace(term: HostTerm, { heap }: HostContext, gradientOut: Float32Array | undefined): BlockProducts | undefined {
  if (heap === undefined || heap.scratchBytes < BLOCK_BYTES) return undefined;
  const { embeddings } = term;
  const buffer = heap.memory.buffer;
  if (embeddings.buffer !== buffer || (gradientOut !== undefined && gradientOut.buffer !== buffer)) return undefined;
  const product = matrixProduct(heap.memory);
  if (product === undefined) return undefined;
  // dE's output is declared filled (the TypeScript path sets it whole), so it holds whatever the heap held.
  const gradient = gradientOut ?? new Float32Array(0);
  gradient.fill(0);
  return compiledProducts(term, product, buffer as ArrayBuffer, { embeddings: embeddings.byteOffset, gradient: gradient.byteOffset, block: heap.scratch }, gradient);
}

/** The compiled products' own memory, made on first use and grown as needed. */
let staging: WebAssembly.Memory | undefined;

/** Elsewhere: E copied into the staging memory after the block, then the accumulator. */
function staged(term: HostTerm, withGradient: boolean): BlockProducts | undefined {
  const size = term.embeddings.length;
  staging = memoryOfAtLeast(staging, BLOCK_BYTES + size * 4 * (withGradient ? 2 : 1));
  if (staging === undefined) return undefined;
  const product = matrixProduct(staging);
  if (product === undefined) return undefined;
  const buffer = staging.buffer as ArrayBuffer;
  const at = { block: 0, embeddings: BLOCK_BYTES, gradient: BLOCK_BYTES + size * 4 };
  new Float32Array(buffer, at.embeddings, size).set(term.embeddings);
  const gradient = new Float32Array(buffer, at.gradient, withGradient ? size : 0);
  gradient.fill(0);
  return compiledProducts(term, product, buffer, at, gradient);
}

function typescriptProducts(term: HostTerm, withGradient: boolean): BlockProducts {
  const { embeddings, depth, queryStart, keyStart } = term;
  const gradient = new Float64Array(withGradient ? embeddings.length : 0);
  const queryRows = new Int32Array(BLOCK_ROWS);
  const keyRows = new Int32Array(BLOCK_COLUMNS);
  return {
    gradient,
    logits: (r0, rows, c0, columns, out) => blockLogits(term, r0, rows, c0, columns, out),
    addGradient: (r0, rows, c0, columns, dS) => {
      for (let i = 0; i < rows; i++) queryRows[i] = (queryStart + r0 + i) * depth;
      for (let j = 0; j < columns; j++) keyRows[j] = (keyStart + c0 + j) * depth;
      for (let i = 0; i < rows; i++) addWeightedRows(gradient, queryRows[i] as number, embeddings, keyRows, dS, i * columns, 1, columns, depth);
      for (let j = 0; j < columns; j++) addWeightedRows(gradient, keyRows[j] as number, embeddings, queryRows, dS, j, columns, rows, depth);
    },
  };
}

/**
 * dE[target row + ·] += Σ_k weights[k·stride]·E[source rows[k] + ·] over `count` weighted
 * rows of E, four rows per pass over D: one load and store of the accumulator per four
 * products.
 */
function addWeightedRows(dE: Float64Array, target: number, e: Float32Array, sources: Int32Array, weights: Float64Array, from: number, stride: number, count: number, depth: number): void {
  let k = 0;
  for (; k + 3 < count; k += 4) {
    const w0 = weights[from + k * stride] as number;
    const w1 = weights[from + (k + 1) * stride] as number;
    const w2 = weights[from + (k + 2) * stride] as number;
    const w3 = weights[from + (k + 3) * stride] as number;
    const s0 = sources[k] as number;
    const s1 = sources[k + 1] as number;
    const s2 = sources[k + 2] as number;
    const s3 = sources[k + 3] as number;
    for (let d = 0; d < depth; d++) {
      const t = (dE[target + d] as number) + w0 * (e[s0 + d] as number) + w1 * (e[s1 + d] as number);
      dE[target + d] = t + w2 * (e[s2 + d] as number) + w3 * (e[s3 + d] as number);
    }
  }
  for (; k < count; k++) addScaledRow(dE, target, e, sources[k] as number, weights[from + k * stride] as number, depth);
}

/** dE[a] += scale·E[b] over D. */
export function addScaledRow(dE: Float32Array | Float64Array, a: number, e: Float32Array, b: number, scale: number, depth: number): void {
  for (let d = 0; d < depth; d++) dE[a + d] = (dE[a + d] as number) + scale * (e[b + d] as number);
}
