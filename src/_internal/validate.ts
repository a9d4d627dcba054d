/**
 * Input validation shared by every op. Each check throws `featstats.<op>: …` before
 * anything is allocated, so bad input can neither leak tensors nor yield silent garbage.
 */
import * as tf from '@tensorflow/tfjs-core';

import { formatShape, opError } from './errors';
import { channelLayout } from './layout';

/** The layouts featstats accepts, in tfjs's naming. */
export type DataFormat = 'NHWC' | 'NCHW';

/** What an op accepts wherever it takes a tensor: a tensor or nested numbers. */
export type TensorInput = tf.Tensor | tf.TensorLike;

/**
 * Returns `x` as a float32 tensor. Arrays are converted (the caller runs inside a
 * tidy, which owns the copy); tensors of another dtype are rejected rather than cast,
 * as tfjs-core does, because a silent cast would hide a mistake upstream.
 */
export function floatTensor(x: TensorInput, arg: string, op: string): tf.Tensor {
  if (x instanceof tf.Tensor) {
    if (x.isDisposed) throw opError(op, `${arg} must be a live tensor but got a disposed one`);
    if (x.dtype !== 'float32') {
      throw opError(op, `${arg} must be a float32 tensor but got ${x.dtype}`);
    }
    return x;
  }
  if (typeof x === 'string' || (Array.isArray(x) && x.length > 0 && typeof x.flat(Infinity)[0] === 'string')) {
    throw opError(op, `${arg} must be numeric but got strings`);
  }
  return tf.tensor(x, undefined, 'float32');
}

/** Throws unless `x` has at least `minRank` dimensions. */
export function checkMinRank(x: tf.Tensor, minRank: number, arg: string, op: string, what = ''): void {
  if (x.rank < minRank) {
    throw opError(op, `${arg} must have rank >= ${minRank}${what} but got rank ${x.rank} (shape ${formatShape(x.shape)})`);
  }
}

/** Throws unless `x` has no zero-sized dimension. */
export function checkNonEmpty(x: tf.Tensor, arg: string, op: string): void {
  if (x.size === 0) throw opError(op, `${arg} must not be empty but got shape ${formatShape(x.shape)}`);
}

/** Validates a `dataFormat` option and returns it (default `'NHWC'`). */
export function checkDataFormat(value: unknown, op: string): DataFormat {
  if (value === undefined) return 'NHWC';
  if (value === 'NHWC' || value === 'NCHW') return value;
  throw opError(op, `dataFormat must be 'NHWC' or 'NCHW' but got ${JSON.stringify(value)}`);
}

/** Validates a finite number option within [min, max] (inclusive bounds unless stated). */
export function checkNumber(
  value: unknown,
  arg: string,
  op: string,
  range: { min?: number; max?: number; minExclusive?: boolean } = {},
): number {
  const { min = -Infinity, max = Infinity, minExclusive = false } = range;
  const ok =
    typeof value === 'number' && Number.isFinite(value) && (minExclusive ? value > min : value >= min) && value <= max;
  if (!ok) {
    const low = min === -Infinity ? '' : `${minExclusive ? '>' : '>='} ${min}`;
    const high = max === Infinity ? '' : `<= ${max}`;
    const expectation = [low, high].filter(Boolean).join(' and ') || 'finite';
    throw opError(op, `${arg} must be a finite number ${expectation} but got ${String(value)}`);
  }
  return value;
}

/** Validates a boolean option. */
export function checkBoolean(value: unknown, arg: string, op: string): boolean {
  if (typeof value !== 'boolean') throw opError(op, `${arg} must be a boolean but got ${String(value)}`);
  return value;
}

/**
 * Validates that an options argument is a plain object (or absent) whose keys are all
 * known: a misspelt option (`dataformat`) would otherwise be ignored silently.
 */
export function checkOptions<T extends object>(options: T | undefined, known: readonly (keyof T & string)[], op: string): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options) || options instanceof tf.Tensor) {
    throw opError(op, `options must be an object but got ${options === null ? 'null' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!(known as readonly string[]).includes(key)) {
      throw opError(op, `options must only name ${known.join(', ')} but got '${key}'`);
    }
  }
  return options;
}

/** Converts and checks a tensor to be sorted: float32 or int32, rank ≥ 1, not empty. */
export function sortableTensor(x: TensorInput, arg: string, op: string): tf.Tensor {
  const input = x instanceof tf.Tensor ? x : tf.tensor(x);
  if (input.isDisposed) throw opError(op, `${arg} must be a live tensor but got a disposed one`);
  if (input.dtype !== 'float32' && input.dtype !== 'int32') {
    throw opError(op, `${arg} must be a float32 or int32 tensor but got ${input.dtype} (shape ${formatShape(input.shape)})`);
  }
  checkMinRank(input, 1, arg, op);
  checkNonEmpty(input, arg, op);
  return input;
}

/**
 * Throws unless x is non-empty features of rank ≥ `minRank` (3; 2 for the norms that,
 * as PyTorch's and Keras's, also take dense features `[N, C]`) in the given layout.
 */
export function checkFeatures(x: tf.Tensor, arg: string, op: string, dataFormat: DataFormat, minRank = 3): void {
  checkMinRank(x, minRank, arg, op, ` (${dataFormat === 'NHWC' ? '[N, ...S, C]' : '[N, C, ...S]'})`);
  checkNonEmpty(x, arg, op);
}

/**
 * Throws unless a style tensor can be matched to content channel by channel: same rank
 * and channels, batch N or 1 (broadcast). The spatial size may differ.
 */
export function checkStylePair(content: tf.Tensor, style: tf.Tensor, op: string, dataFormat: DataFormat): void {
  const contentLayout = channelLayout(content.shape, dataFormat);
  const styleLayout = channelLayout(style.shape, dataFormat);
  if (
    style.rank !== content.rank ||
    styleLayout.channels !== contentLayout.channels ||
    (styleLayout.batch !== contentLayout.batch && styleLayout.batch !== 1)
  ) {
    const expected = `rank ${content.rank}, ${contentLayout.channels} channels and batch ${contentLayout.batch} or 1`;
    throw opError(op, `style must have ${expected} (content ${formatShape(content.shape)}) but got shape ${formatShape(style.shape)}`);
  }
}
